// Creating and opening a vault, and who may read what in it.
#include <set>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "format/constants.h"
#include "vault/keys/key_ring.h"
#include "vault/ops/internal.h"
#include "vault/ops/naming.h"

namespace custody::vault {

namespace {

Status CheckLevelList(const std::vector<std::string>& levels, const std::string& label) {
  if (levels.empty() || levels.size() > 16)
    return Fail(Code::kUsage, "a vault needs between 1 and 16 levels");
  std::set<std::string> seen;
  for (const auto& l : levels) {
    if (!IsValidLevelName(l))
      return Fail(Code::kUsage, "bad level name '" + l +
                                    "' (lower-case letters, digits and '-', starting with a letter)");
    if (!seen.insert(l).second) return Fail(Code::kUsage, "level '" + l + "' given twice");
  }
  if (label.size() > 256) return Fail(Code::kUsage, "label longer than 256 bytes");
  return {};
}

// The genesis event: the vault's identity, levels, and its creator as the
// first officer holding a fresh key for every level.
std::string SignedGenesis(const Identity& creator, const std::string& vault_id,
                          const std::vector<std::string>& levels, const std::string& label,
                          int64_t now) {
  const format::Member m = MemberOf(creator.public_identity(), format::ROLE_OFFICER,
                                    static_cast<int32_t>(levels.size()) - 1);
  format::Event ev;
  ev.set_sequence(0);
  ev.set_prev_hash(std::string(32, '\0'));
  ev.set_vault_id(vault_id);
  ev.set_time_unix(now);
  ev.set_actor_ed25519(m.keys().ed25519());
  auto* vc = ev.mutable_vault_created();
  vc->set_vault_id(vault_id);
  vc->set_label(label);
  for (const auto& l : levels) vc->add_level_names(l);
  *vc->mutable_creator() = m;
  for (uint32_t level = 0; level < levels.size(); ++level) {
    auto key = crypto::SecretBytes::Random(kLevelKeySize);
    *vc->add_slots() = SealKeySlot(m, level, 0, key.span());
  }
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  auto* sig = se.add_signatures();
  sig->set_signer_ed25519(m.keys().ed25519());
  sig->set_signature(creator.Sign(se.body()));
  return se.SerializeAsString();
}

}  // namespace

Vault::Vault() = default;
Vault::~Vault() = default;

Status Vault::Create(const std::string& path, const Identity& creator,
                     const std::vector<std::string>& levels, const std::string& label, Env* env,
                     const Clock* clock) {
  CUSTODY_TRY(CheckLevelList(levels, label));
  const std::string vault_id = crypto::RandomString(16);
  const std::string payload = SignedGenesis(creator, vault_id, levels, label, clock->NowUnix());
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

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& path, Access access, Env* env,
                                           const Clock* clock) {
  std::unique_ptr<Vault> v(new Vault());
  v->env_ = env;
  v->clock_ = clock;
  v->state_ = std::make_unique<VaultState>();
  auto c = Container::Open(env, path,
                           access == Access::kWrite ? Container::Mode::kWrite : Container::Mode::kRead);
  if (!c) {
    if (c.error().code == Code::kNotFound)
      return Fail(Code::kNotFound, "vault " + path + " not found");
    return std::unexpected(c.error());
  }
  v->container_ = std::move(*c);
  const auto& sb = v->container_->superblock();
  uint64_t scan_from = format::kLogStart;
  if (sb.checkpoint_offset() != 0) {
    CUSTODY_ASSIGN(auto ref, v->container_->ReadHeader(sb.checkpoint_offset()));
    if (ref.header.type != format::RecordType::kCheckpoint)
      return Fail(Code::kCorrupt, path + ": superblock points at a record that is not a checkpoint");
    CUSTODY_ASSIGN(std::string payload, v->container_->ReadPayload(ref));
    // Format v1 trusts the roster the checkpoint itself carries (FORMAT.md
    // §5, R34); the signer must be a live member of it.
    format::SignedCheckpoint scp;
    format::Checkpoint cp;
    if (!scp.ParseFromString(payload) || !cp.ParseFromString(scp.body()))
      return Fail(Code::kCorrupt, path + ": checkpoint does not parse");
    CUSTODY_ASSIGN(*v->state_, VaultState::FromCheckpoint(std::move(cp)));
    auto verified = VerifyCheckpoint(payload, *v->state_);
    if (!verified) return std::unexpected(verified.error().With(path));
    if (v->state_->vault_id != sb.vault_id() || v->state_->event_count > sb.event_count())
      return Fail(Code::kCorrupt, path + ": checkpoint belongs to another vault or a later state");
    v->checkpoint_events_ = v->state_->event_count;
    v->checkpoint_offset_ = sb.checkpoint_offset();
    scan_from = ref.payload_offset() + ref.header.length;
  }
  auto replay = v->container_->Scan(scan_from, [&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, v->container_->ReadPayload(ref));
    auto replayed = ReplayEvent(payload, *v->state_);
    if (!replayed)
      return std::unexpected(replayed.error().With("ledger event at offset " + std::to_string(ref.offset)));
    return true;
  });
  if (!replay) return std::unexpected(replay.error().With(path));
  if (v->state_->ledger_head != sb.ledger_head() || v->state_->event_count != sb.event_count())
    return Fail(Code::kCorrupt, path + ": the ledger does not end where the superblock says");
  if (auto s = CheckOuterMarking(sb, *v->state_); !s) return std::unexpected(s.error().With(path));
  if (access == Access::kWrite) {
    for (const auto& [reg, d] : v->state_->documents) {
      CUSTODY_ASSIGN(bool pending, v->ErasurePending(d));
      if (pending) CUSTODY_TRY_CTX(v->EraseDestroyed(d), "finishing the destruction of " + reg);
    }
  }
  return v;
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
  return OpenKeySlots(*state_, *m, actor);
}

}  // namespace custody::vault
