// Granted: FORMAT.md §3.8, rule R26.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// The member entry on its own: identity, level, role, and the actor's reach.
Status CheckGrantedMember(const format::Event& e, const VaultState& s) {
  const format::Member& m = e.granted().member();
  if (m.keys().ed25519().size() != 32 || m.keys().x25519().size() != 32)
    return Broken(e, "grant to a malformed identity");
  if (!IsValidSigningKeyBytes(m.keys().ed25519()))
    return Broken(e, "grant to a signing key that is not a valid Ed25519 key (small order or non-canonical)");
  if (m.clearance() >= static_cast<int32_t>(s.level_names.size()) || m.clearance() < -1)
    return Broken(e, "grant of an unknown level");
  if (m.role() != format::ROLE_STAFF && m.role() != format::ROLE_OFFICER &&
      m.role() != format::ROLE_AUDITOR)
    return Broken(e, "grant of an unknown role");
  if ((m.role() == format::ROLE_AUDITOR) != (m.clearance() == -1))
    return Broken(e, "auditors, and only auditors, hold no clearance");
  if (m.revoked()) return Broken(e, "grant of a revoked membership");
  if (m.until_unix() != 0 && m.until_unix() <= e.time_unix())
    return Broken(e, "grant that ends before it is made");
  if (m.clearance() > s.FindMember(e.actor_ed25519())->clearance())
    return Broken(e, "grant above the officer's own clearance");
  return {};
}

Status CheckGranted(const format::Event& e, const VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "grant"));
  CUSTODY_TRY(CheckGrantedMember(e, s));
  const auto& g = e.granted();
  const std::string& who = g.member().keys().ed25519();
  if (g.slots_size() != g.member().clearance() + 1)
    return Broken(e, "grant must carry one slot per level up to the clearance");
  for (int i = 0; i < g.slots_size(); ++i)
    if (g.slots(i).level() != static_cast<uint32_t>(i)) return Broken(e, "grant slots out of order");
  auto* existing = s.FindMember(who);
  if (existing && !existing->revoked() && existing->clearance() > g.member().clearance())
    return Broken(e, "grant lowers a clearance (a revoke must come first)");
  CUSTODY_TRY(CheckSlots(e, g.slots(), s.epochs));
  for (const auto& slot : g.slots()) {
    if (slot.member_ed25519() != who) return Broken(e, "grant carries another member's slot");
    if (static_cast<int32_t>(slot.level()) > g.member().clearance())
      return Broken(e, "grant carries a slot above the clearance");
  }
  return {};
}
}  // namespace

Status ApplyGranted(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(CheckGranted(e, s));
  const auto& g = e.granted();
  const std::string& who = g.member().keys().ed25519();
  s.members[who] = g.member();
  for (const auto& slot : g.slots()) s.slots[{who, slot.level()}] = slot;
  return {};
}

}  // namespace custody::vault
