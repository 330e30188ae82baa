// Creating and opening a vault, and who may read what in it.
#include <set>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "format/constants.h"
#include "vault/keys/key_ring.h"
#include "vault/ledger/genesis.h"
#include "vault/ops/internal.h"
#include "vault/ops/naming.h"
#include "vault/place/place.h"

namespace custody::vault {

namespace {

Status CheckLevelList(const std::vector<std::string>& levels, const std::string& label) {
  if (levels.empty() || levels.size() > 16)
    return Fail(Code::kUsage, "a vault needs between 1 and 16 levels");
  std::set<std::string> seen;
  for (const auto& l : levels) {
    if (!IsValidLevelName(l))
      return Fail(Code::kUsage, "bad level name '" + l +
                                    "' (up to 32 letters of any script, not upper case, digits and '-', starting with a letter)");
    if (!seen.insert(l).second) return Fail(Code::kUsage, "level '" + l + "' given twice");
  }
  if (label.size() > 256) return Fail(Code::kUsage, "label longer than 256 bytes");
  return {};
}

// The genesis event: the vault's identity, levels, and its creator as the
// first officer holding a fresh key for every level.
// The vault id is derived from the creator's key and a fresh nonce (R100),
// and the genesis starts the authority links (R101).
Result<std::string> SignedGenesis(const Identity& creator, const std::vector<std::string>& levels,
                                  const std::string& label, int64_t now,
                                  const VaultProfile& profile, std::string* vault_id_out) {
  const format::Member m = MemberOf(creator.public_identity(), format::ROLE_OFFICER,
                                    static_cast<int32_t>(levels.size()) - 1);
  const std::string nonce = crypto::RandomString(kGenesisNonceSize);
  const std::string vault_id = DeriveVaultId(m.keys().ed25519(), nonce);
  *vault_id_out = vault_id;
  format::Event ev;
  ev.set_sequence(0);
  ev.set_prev_hash(std::string(32, '\0'));
  ev.set_vault_id(vault_id);
  ev.set_time_unix(now);
  ev.set_actor_ed25519(m.keys().ed25519());
  if (auto host = ThisHost()) *ev.mutable_host() = *host;
  ev.set_authority_seq(0);
  ev.set_authority_head(std::string(32, '\0'));
  auto* vc = ev.mutable_vault_created();
  vc->set_vault_id(vault_id);
  vc->set_nonce(nonce);
  vc->set_label(label);
  for (const auto& l : levels) vc->add_level_names(l);
  *vc->mutable_creator() = m;
  // Absent means the defaults (FORMAT.md §3.8 "Profile"): written only when
  // the creator chose other rules.
  const VaultProfile defaults;
  if (profile.due_days != defaults.due_days) vc->mutable_profile()->set_due_days(profile.due_days);
  for (uint32_t y : profile.classification_years) vc->mutable_profile()->add_classification_years(y);
  if (profile.cosign_copies_from) vc->mutable_profile()->set_cosign_copies_from(*profile.cosign_copies_from + 1);
  for (uint32_t level = 0; level < levels.size(); ++level) {
    auto key = crypto::SecretBytes::Random(kLevelKeySize);
    CUSTODY_ASSIGN(*vc->add_slots(), SealKeySlot(m, level, 0, key.span()));
  }
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  auto* sig = se.add_signatures();
  sig->set_signer_ed25519(m.keys().ed25519());
  sig->set_signature(creator.Sign(se.body()));
  return se.SerializeAsString();
}

}  // namespace

Vault::Vault() : slot_cache_(std::make_unique<SlotCache>()) {}
Vault::~Vault() = default;

Status Vault::Create(const std::string& path, const Identity& creator,
                     const std::vector<std::string>& levels, const std::string& label, Env* env,
                     const Clock* clock, const VaultProfile& profile) {
  CUSTODY_TRY(CheckLevelList(levels, label));
  if (profile.due_days == 0 || profile.due_days > 3650)
    return Fail(Code::kUsage, "the handling time must be 1 to 3650 days");
  if (profile.classification_years.size() > levels.size())
    return Fail(Code::kUsage, "more classification periods (" +
                                  std::to_string(profile.classification_years.size()) +
                                  ") than levels (" + std::to_string(levels.size()) + ")");
  for (uint32_t y : profile.classification_years)
    if (y > 1000) return Fail(Code::kUsage, "a classification period is at most 1000 years");
  if (profile.cosign_copies_from && *profile.cosign_copies_from >= levels.size())
    return Fail(Code::kUsage, "the co-signature level must be one of the vault's levels");
  std::string vault_id;
  CUSTODY_ASSIGN(const std::string payload,
                 SignedGenesis(creator, levels, label, clock->NowUnix(), profile, &vault_id));
  format::Superblock sb;
  sb.set_format_version(format::kFormatVersion);
  sb.set_vault_id(vault_id);
  sb.set_ledger_head(crypto::HashToString(crypto::Blake2b256(payload)));
  sb.set_event_count(1);
  sb.set_label(label);
  for (const auto& l : levels) sb.add_level_names(l);
  sb.set_highest_level_held(-1);
  return Container::Create(env, path, {{format::RecordType::kEvent, payload}}, sb);
}

Result<Level> Vault::LevelIndex(const std::string& name) const {
  for (size_t i = 0; i < state_->level_names.size(); ++i)
    if (state_->level_names[i] == name) return Level(static_cast<uint32_t>(i));
  std::string valid;
  for (const auto& n : state_->level_names) valid += (valid.empty() ? "" : ", ") + n;
  return Fail(Code::kUsage, "unknown level '" + name + "'; this vault's levels are: " + valid);
}

Result<Level> Vault::LevelAt(uint32_t index) const {
  if (index >= state_->level_names.size())
    return Fail(Code::kUsage, "vault " + container_->path() + " has no level " +
                                  std::to_string(index) + " (it has " +
                                  std::to_string(state_->level_names.size()) + ")");
  return Level(index);
}

Status Vault::CheckLevel(Level level) const {
  CUSTODY_TRY(LevelAt(level.index()));
  return {};
}

const std::vector<std::string>& Vault::level_names() const { return state_->level_names; }

const std::string& Vault::LevelName(Level level) const { return state_->level_names.at(level.index()); }

std::string Vault::MemberName(const std::string& ed25519) const {
  auto* m = state_->FindMember(ed25519);
  return m ? m->keys().name() : "(unknown)";
}

Result<std::unique_ptr<KeyRing>> Vault::Unlock(const Identity& actor) const {
  if (poisoned_)
    return Fail(Code::kIo, "an earlier operation on vault " + container_->path() +
                               " failed part-way; reopen the vault");
  CUSTODY_ASSIGN(const format::Member* m, RequireMember(*state_, actor, container_->path()));
  CUSTODY_TRY(RequireGrantCurrent(*m, actor.public_identity(), clock_->NowUnix()));
  CUSTODY_TRY(EnforceBindings(actor));
  return OpenKeySlots(*state_, *m, actor, slot_cache_.get());
}

Result<std::unique_ptr<KeyRing>> Vault::UnlockOfficer(const Identity& officer, std::string_view act) const {
  CUSTODY_ASSIGN(auto ring, Unlock(officer));
  CUSTODY_TRY(RequireOfficer(*state_->FindMember(SigningKeyOf(officer)), officer, act));
  return ring;
}

}  // namespace custody::vault
