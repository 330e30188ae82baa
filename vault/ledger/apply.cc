// VaultState::Apply: the checks every event obeys, then its kind's rules.
#include "vault/ledger/event_registry.h"
#include "vault/ledger/rules.h"
#include "vault/ledger/state.h"

namespace custody::vault {

Status VaultState::Apply(const format::Event& e, const std::vector<std::string>& signers) {
  if (signers.empty() || signers[0] != e.actor_ed25519()) return Broken(e, "not signed by its actor");
  if (e.sequence() != event_count) return Broken(e, "out of sequence");
  // R21a. Event 0 has no roster yet; its signer is the creator it names.
  if (event_count > 0) {
    for (const auto& s : signers)
      if (!IsLiveMember(*this, s)) return Broken(e, "signed by a revoked or unknown identity");
  }
  const EventKind* kind = FindEventKind(e.kind_case());
  if (kind == nullptr) return Broken(e, "unknown event kind");
  CUSTODY_TRY(kind->apply(e, signers, *this));
  ++event_count;
  return {};
}

}  // namespace custody::vault
