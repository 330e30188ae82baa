// VaultState::Apply: the checks every event obeys, then its kind's rules.
#include "vault/ledger/event_registry.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"
#include "vault/ledger/state.h"

namespace custody::vault {

namespace {
// R101/R102: a linked event names the authority state it was made under.
// The v2 genesis and Upgraded start the links; v1 events carry none.
Status CheckAuthorityLinks(const format::Event& e, const VaultState& s) {
  const bool starts_links = e.kind_case() == format::Event::kUpgraded ||
                            (e.kind_case() == format::Event::kVaultCreated && !e.authority_head().empty());
  if (s.linked || starts_links) {
    if (e.authority_seq() != s.authority.size() || e.authority_head() != s.AuthorityHead())
      return Broken(e, "names authority event " + std::to_string(e.authority_seq()) +
                           " but the authority chain holds " + std::to_string(s.authority.size()) +
                           " (an authority event was hidden, added or reordered)");
  } else if (!e.authority_head().empty() || e.authority_seq() != 0) {
    return Broken(e, "a v1 event carries authority links");
  }
  return {};
}
}  // namespace

Status VaultState::Apply(const format::Event& e, const std::vector<std::string>& signers) {
  if (signers.empty() || signers[0] != e.actor_ed25519()) return Broken(e, "not signed by its actor");
  if (authority_only) {
    if (!IsAuthorityKind(e.kind_case()))
      return Broken(e, "the authority index names an event that is not an authority event");
    if (e.sequence() < event_count) return Broken(e, "authority events out of order");
  } else if (e.sequence() != event_count) {
    return Broken(e, "out of sequence");
  }
  // R21a. Event 0 has no roster yet; its signer is the creator it names.
  if (event_count > 0) {
    for (const auto& s : signers)
      if (!IsLiveMember(*this, s)) return Broken(e, "signed by a revoked or unknown identity");
  }
  const EventKind* kind = FindEventKind(e.kind_case());
  if (kind == nullptr) return Broken(e, "unknown event kind");
  CUSTODY_TRY(CheckAuthorityLinks(e, *this));
  CUSTODY_TRY(CheckEventHost(e));
  CUSTODY_TRY(kind->apply(e, signers, *this));
  if (e.kind_case() == format::Event::kUpgraded ||
      (e.kind_case() == format::Event::kVaultCreated && !e.authority_head().empty()))
    linked = true;
  event_count = e.sequence() + 1;  // == event_count + 1 outside authority_only
  return {};
}

}  // namespace custody::vault
