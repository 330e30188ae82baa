// Revoked: FORMAT.md §3.8, rule R27. The checks come in the order R27 gives
// them, split by what they concern: the target and the rotation, the new
// slots, the re-wrapped document keys.
#include <map>
#include <set>

#include "format/constants.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// What the checks work out and the effect then uses.
struct RevokePlan {
  std::vector<uint32_t> new_epochs;
  std::map<std::string, const format::KeyRef*> rewrap;  // by doc_id, into the event
};

// The target is a live member other than the actor; exactly the levels it
// could read are rotated, each once, in order. Fills plan.new_epochs.
Status CheckRevokeTarget(const format::Event& e, const VaultState& s, RevokePlan& plan) {
  CUSTODY_TRY(RequireOfficer(e, s, "revoke"));
  const auto& r = e.revoked();
  const format::Member* target = s.FindMember(r.member_ed25519());
  if (target == nullptr || target->revoked()) return Broken(e, "revoke of a non-member");
  if (r.member_ed25519() == e.actor_ed25519()) return Broken(e, "an officer revoking themselves");
  if (r.reason() == format::REVOKE_EXPIRED &&
      (target->until_unix() == 0 || e.time_unix() <= target->until_unix()))
    return Broken(e, "revoke for an expired grant of a grant that has not expired");
  if (r.reason() != format::REVOKE_BY_OFFICER && r.reason() != format::REVOKE_EXPIRED)
    return Broken(e, "revoke for an unknown reason");
  if (r.rotated_levels_size() != target->clearance() + 1)
    return Broken(e, "revoke must rotate every level the member held");
  plan.new_epochs = s.epochs;
  for (int i = 0; i < r.rotated_levels_size(); ++i) {
    if (r.rotated_levels(i) != static_cast<uint32_t>(i)) return Broken(e, "rotated levels out of order");
    ++plan.new_epochs[i];
  }
  return {};
}

// Every remaining member cleared for a rotated level gets its new key, and
// nobody else gets one.
Status CheckRevokeSlots(const format::Event& e, const VaultState& s, const RevokePlan& plan) {
  const auto& r = e.revoked();
  CUSTODY_TRY(CheckSlots(e, r.slots(), plan.new_epochs));
  std::set<std::pair<std::string, uint32_t>> given;
  for (const auto& slot : r.slots()) {
    auto* holder = s.FindMember(slot.member_ed25519());
    if (!holder || holder->revoked() || slot.member_ed25519() == r.member_ed25519() ||
        holder->clearance() < static_cast<int32_t>(slot.level()) ||
        !given.insert({slot.member_ed25519(), slot.level()}).second)
      return Broken(e, "revoke carries a slot for someone not entitled to it");
  }
  for (const auto& [key, m] : s.members) {
    if (m.revoked() || key == r.member_ed25519()) continue;
    for (int level = 0; level < r.rotated_levels_size() && level <= m.clearance(); ++level)
      if (!given.count({key, static_cast<uint32_t>(level)}))
        return Broken(e, "revoke leaves " + m.keys().name() + " without the new key");
  }
  return {};
}

// v2 (linked ledgers): no re-wrap; one lineage link per rotated level, in
// order, naming the level's new epoch (R112).
Status CheckRevokeLineage(const format::Event& e, const RevokePlan& plan) {
  const auto& r = e.revoked();
  if (r.rewrapped_size() != 0) return Broken(e, "a v2 revoke re-wraps documents (it links keys instead)");
  if (r.lineage_size() != r.rotated_levels_size())
    return Broken(e, "revoke must link every rotated level's new key to its old one");
  for (int i = 0; i < r.lineage_size(); ++i) {
    const auto& link = r.lineage(i);
    if (link.level() != r.rotated_levels(i) || link.epoch() != plan.new_epochs[link.level()] ||
        link.prev_key().size() != 72)
      return Broken(e, "revoke's key link for level " + std::to_string(link.level()) + " is malformed");
  }
  return {};
}

// v1: exactly the live documents of rotated levels are re-wrapped, each
// once. Fills plan.rewrap.
Status CheckRevokeRewraps(const format::Event& e, const VaultState& s, RevokePlan& plan) {
  const auto& r = e.revoked();
  if (r.lineage_size() != 0) return Broken(e, "a v1 revoke carries key links");
  for (const auto& ref : r.rewrapped()) {
    if (ref.hash().size() != 32 || plan.rewrap.count(ref.doc_id()) || ref.offset() < format::kLogStart)
      return Broken(e, "re-wrap of an unknown document");
    plan.rewrap[ref.doc_id()] = &ref;
  }
  size_t found_count = 0;
  CUSTODY_TRY(s.catalog.ForEach([&](const format::DocumentState& d) -> Status {
    const std::string& reg = d.added().reg_no();
    bool rotated = static_cast<int>(d.added().level()) < r.rotated_levels_size();
    bool found = plan.rewrap.count(d.added().doc_id()) > 0;
    found_count += found;
    if (rotated && !d.destroyed() && !found)
      return Broken(e, "revoke left document " + reg + " under a retired key");
    if (found && (!rotated || d.destroyed()))
      return Broken(e, "revoke re-wraps document " + reg + " needlessly");
    return {};
  }));
  if (found_count != plan.rewrap.size()) return Broken(e, "re-wrap of an unknown document");
  return {};
}

Status ApplyRevokePlan(const format::Revoked& r, const RevokePlan& plan, VaultState& s) {
  s.members.at(r.member_ed25519()).set_revoked(true);
  s.epochs = plan.new_epochs;
  // Every slot of the revoked member goes; rotated levels get new slots.
  for (auto slot = s.slots.begin(); slot != s.slots.end();) {
    bool rotated = false;
    for (uint32_t level : r.rotated_levels()) rotated |= slot->first.second == level;
    if (slot->first.first == r.member_ed25519() || rotated) slot = s.slots.erase(slot);
    else ++slot;
  }
  for (const auto& slot : r.slots()) s.slots[{slot.member_ed25519(), slot.level()}] = slot;
  for (const auto& link : r.lineage()) s.lineage[{link.level(), link.epoch()}] = link.prev_key();
  if (plan.rewrap.empty()) return {};
  return s.catalog.ForEachMutable([&](format::DocumentState& d) {
    auto found = plan.rewrap.find(d.added().doc_id());
    if (found == plan.rewrap.end()) return;
    *d.add_old_keys() = d.key();
    *d.mutable_key() = *found->second;
  });
}
}  // namespace

Status ApplyRevoked(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  RevokePlan plan;
  CUSTODY_TRY(CheckRevokeTarget(e, s, plan));
  CUSTODY_TRY(CheckRevokeSlots(e, s, plan));
  if (s.linked) {
    CUSTODY_TRY(CheckRevokeLineage(e, plan));
  } else if (!s.authority_only) {
    // v1 re-wraps concern documents, which the authority-only replay does
    // not hold; the checkpoint it starts from reflects them (audit checks).
    CUSTODY_TRY(CheckRevokeRewraps(e, s, plan));
  }
  // v1 re-wraps touch every document of a v1 vault, always held in memory
  // (v1 replays from the genesis), so this last step reads nothing.
  return ApplyRevokePlan(e.revoked(), plan, s);
}

}  // namespace custody::vault
