// Who may do what: the checks every operation shares. Each runs before any
// event is built, so a refused act changes nothing, and each names the
// identity and the act in its message.
//
//   not in the roster, revoked, not an officer -> kAuth
//   a co-signer (witness, approver) who is the actor -> kUsage
//   not cleared for a level -> kNotCleared
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"

namespace custody::vault {

// `id`'s live roster entry in `state`; kAuth if absent or revoked.
// `vault_path` names the vault in the message. The pointer lives as long as
// `state` is not changed.
Result<const format::Member*> RequireMember(const VaultState& state, const PublicIdentity& id,
                                            const std::string& vault_path);
// kAuth naming the member and the date if `member`'s time-limited grant
// ended before `now` (REQUIREMENTS.md 4.7; FORMAT.md R27b).
Status RequireGrantCurrent(const format::Member& member, const PublicIdentity& id, int64_t now);
inline Result<const format::Member*> RequireMember(const VaultState& state, const Identity& id,
                                                   const std::string& vault_path) {
  return RequireMember(state, id.public_identity(), vault_path);
}

// kAuth unless `member` (who is `id`) is an officer; `act` completes
// "only a secrecy officer may ..." (e.g. "destroy documents").
Status RequireOfficer(const format::Member& member, const PublicIdentity& id, std::string_view act);
inline Status RequireOfficer(const format::Member& member, const Identity& id, std::string_view act) {
  return RequireOfficer(member, id.public_identity(), act);
}

// kUsage if `cosigner` is the same identity as `actor`; `cosigner_role`
// and `actor_role` name them ("witness", "officer").
Status RequireDistinctCosigner(const PublicIdentity& actor, const PublicIdentity& cosigner,
                               std::string_view cosigner_role, std::string_view actor_role);
inline Status RequireDistinctCosigner(const Identity& actor, const Identity& cosigner,
                                      std::string_view cosigner_role, std::string_view actor_role) {
  return RequireDistinctCosigner(actor.public_identity(), cosigner.public_identity(), cosigner_role,
                                 actor_role);
}

// The raw Ed25519 public key of `id`, as the ledger stores it.
std::string SigningKeyOf(const Identity& id);
std::string SigningKeyOf(const PublicIdentity& id);

// The roster entry admitting `id` with `role`, cleared up to level index
// `clearance` (-1: no level, for auditors).
format::Member MemberOf(const PublicIdentity& id, format::Role role, int32_t clearance);

}  // namespace custody::vault
