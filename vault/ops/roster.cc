// Who is in the vault: grants and revokes (officers only).
#include "vault/ops/internal.h"

namespace custody::vault {

namespace {

format::Role ToFormat(Role role) {
  switch (role) {
    case Role::kOfficer: return format::ROLE_OFFICER;
    case Role::kAuditor: return format::ROLE_AUDITOR;
    case Role::kStaff: break;
  }
  return format::ROLE_STAFF;
}

// A caller's mistakes in a grant, refused before anything is unlocked.
Status CheckGrantArguments(Role role, const std::optional<Level>& clearance) {
  if (role == Role::kAuditor && clearance)
    return Fail(Code::kUsage, "an auditor holds no clearance; grant the auditor role without one");
  if (role != Role::kAuditor && !clearance)
    return Fail(Code::kUsage, "a staff member or officer needs a clearance");
  return {};
}

}  // namespace

Status Vault::Grant(const Identity& actor, const PublicIdentity& to, Role role,
                    std::optional<Level> clearance, int64_t until_unix) {
  CUSTODY_TRY(CheckGrantArguments(role, clearance));
  if (until_unix != 0 && until_unix <= clock_->NowUnix())
    return Fail(Code::kUsage, "the grant to '" + to.name + "' would end at " + UtcDateTime(until_unix) +
                                  ", which has passed; nothing was changed");
  if (clearance) CUSTODY_TRY(CheckLevel(*clearance));
  const int32_t level_count = clearance ? static_cast<int32_t>(clearance->index()) + 1 : 0;
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  const format::Member* me = state_->FindMember(SigningKeyOf(actor));
  CUSTODY_TRY(RequireOfficer(*me, actor, "grant clearances"));
  if (level_count - 1 > me->clearance())
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' cannot grant " +
                                       LevelName(*clearance) + " without holding it");
  const std::string to_key = SigningKeyOf(to);
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(actor, ring));
  const format::Member* existing = state_->FindMember(to_key);
  // Lowering a clearance takes away keys the member holds: as a revoke
  // does, every level they held gets a fresh key they never see, and the
  // grant that follows in the same commit seals the new keys of the levels
  // they keep (R26 wants the revoke first; nobody sees one without the other).
  const bool lowers = existing && !existing->revoked() && existing->clearance() > level_count - 1;
  if (lowers) CUSTODY_TRY(CheckRevocable(actor, *me, *existing, to));
  std::vector<crypto::SecretBytes> rotated;
  if (lowers) CUSTODY_TRY(AppendRevocation(actor, *ring, to_key, rotated));
  format::Event ev;
  auto* g = ev.mutable_granted();
  *g->mutable_member() = MemberOf(to, ToFormat(role), level_count - 1);
  g->mutable_member()->set_until_unix(until_unix);
  for (uint32_t level = 0; level < static_cast<uint32_t>(level_count); ++level) {
    CUSTODY_ASSIGN(*g->add_slots(),
                   SealKeySlot(g->member(), level, state_->epochs[level],
                               level < rotated.size() ? rotated[level].span() : ring->Key(level)));
  }
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  return CommitAll(actor, scope);
}

Status Vault::CheckRevocable(const Identity& actor, const format::Member& me, const format::Member& target,
                             const PublicIdentity& who) const {
  if (target.keys().ed25519() == me.keys().ed25519())
    return Fail(Code::kUsage, "an officer cannot revoke or lower their own clearance");
  if (target.clearance() > me.clearance())
    return Fail(Code::kNotCleared, "revoking '" + who.name + "' rotates " +
                                       state_->level_names[target.clearance()] +
                                       ", which '" + actor.public_identity().name + "' does not hold");
  return {};
}

Status Vault::Revoke(const Identity& actor, const PublicIdentity& who) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  const format::Member* me = state_->FindMember(SigningKeyOf(actor));
  CUSTODY_TRY(RequireOfficer(*me, actor, "revoke"));
  const std::string who_key = SigningKeyOf(who);
  const format::Member* target = state_->FindMember(who_key);
  if (target == nullptr || target->revoked())
    return Fail(Code::kNotFound, "'" + who.name + "' (" + who.Fingerprint() +
                                     ") is not a member of this vault");
  CUSTODY_TRY(CheckRevocable(actor, *me, *target, who));
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(actor, ring));
  // An expired grant of `who` was just rotated away: that is the revoke.
  if (!state_->FindMember(who_key)->revoked()) {
    std::vector<crypto::SecretBytes> new_keys;
    CUSTODY_TRY(AppendRevocation(actor, *ring, who_key, new_keys));
  }
  return CommitAll(actor, scope);
}

Status Vault::RotateExpiredGrants(const Identity& actor, std::unique_ptr<KeyRing>& ring) {
  const format::Member* me = state_->FindMember(SigningKeyOf(actor));
  if (me == nullptr || me->role() != format::ROLE_OFFICER) return {};
  const int64_t now = clock_->NowUnix();
  std::vector<std::string> expired;
  for (const auto& [key, m] : state_->members)
    if (!m.revoked() && m.until_unix() != 0 && m.until_unix() < now && key != me->keys().ed25519() &&
        m.clearance() <= me->clearance())
      expired.push_back(key);
  for (const auto& key : expired) {
    std::vector<crypto::SecretBytes> new_keys;
    CUSTODY_TRY(AppendRevocation(actor, *ring, key, new_keys, format::REVOKE_EXPIRED));
    // The ring the caller goes on with holds the new keys.
    CUSTODY_ASSIGN(ring, Unlock(actor));
  }
  return {};
}

Status Vault::AppendRevocation(const Identity& actor, const KeyRing& ring, const std::string& who_key,
                               std::vector<crypto::SecretBytes>& new_keys, int reason) {
  const format::Member* target = state_->FindMember(who_key);
  format::Event ev;
  auto* r = ev.mutable_revoked();
  r->set_member_ed25519(who_key);
  r->set_reason(static_cast<format::RevokeReason>(reason));
  // A fresh key for every level the identity could read, sealed to every
  // remaining member cleared for it, and linked to the old one (v2
  // lineage): documents keep their key records; holders of the new key
  // reach the old ones, the revoked member never the new one.
  const auto rotated = static_cast<uint32_t>(target->clearance() + 1);
  for (uint32_t level = 0; level < rotated; ++level) {
    r->add_rotated_levels(level);
    new_keys.push_back(crypto::SecretBytes::Random(kLevelKeySize));
    const uint32_t epoch = state_->epochs[level] + 1;
    for (const auto& [key, m] : state_->members) {
      if (m.revoked() || key == who_key || m.clearance() < static_cast<int32_t>(level)) continue;
      CUSTODY_ASSIGN(*r->add_slots(), SealKeySlot(m, level, epoch, new_keys.back().span()));
    }
    auto* link = r->add_lineage();
    link->set_level(level);
    link->set_epoch(epoch);
    link->set_prev_key(SealLineageLink(new_keys.back().span(), ring.Key(level), state_->vault_id, level, epoch));
  }
  return AppendEvent(std::move(ev), {&actor});
}

}  // namespace custody::vault
