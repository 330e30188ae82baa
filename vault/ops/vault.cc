#include "vault/vault.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <algorithm>
#include <set>

#include "crypto/aead.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "format/constants.h"
#include "format/endian.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {

constexpr uint64_t kCheckpointEvery = 256;  // events between catalog checkpoints

template <typename A>
std::string Raw(const A& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

std::string LevelAd(std::string_view domain, const std::string& vault_id,
                    const std::string& doc_id, uint32_t level, uint32_t epoch) {
  std::string ad(domain);
  ad += vault_id;
  ad += doc_id;
  format::PutLe32(ad, level);
  format::PutLe32(ad, epoch);
  return ad;
}

// [a-z][a-z0-9-]{0,31}
bool ValidLevelName(const std::string& n) {
  if (n.empty() || n.size() > 32 || n[0] < 'a' || n[0] > 'z') return false;
  return std::all_of(n.begin(), n.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

// [A-Za-z0-9][A-Za-z0-9._/-]{0,63}
bool ValidRegNo(const std::string& r) {
  auto alnum = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
  };
  if (r.empty() || r.size() > 64 || !alnum(r[0])) return false;
  return std::all_of(r.begin(), r.end(), [&](char ch) {
    return alnum(ch) || ch == '.' || ch == '_' || ch == '/' || ch == '-';
  });
}

std::string Initials(const std::string& level) {
  std::string out;
  bool start = true;
  for (char c : level) {
    if (start && c != '-') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    start = c == '-';
  }
  return out;
}

int CurrentYear() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

format::Member MemberOf(const PublicIdentity& id, format::Role role, int clearance) {
  format::Member m;
  m.mutable_keys()->set_name(id.name);
  m.mutable_keys()->set_x25519(Raw(id.x25519));
  m.mutable_keys()->set_ed25519(Raw(id.ed25519));
  m.set_role(role);
  m.set_clearance(clearance);
  return m;
}

format::KeySlot MakeSlot(const format::Member& m, uint32_t level, uint32_t epoch,
                         std::span<const uint8_t> level_key) {
  crypto::X25519Public pub{};
  std::copy(m.keys().x25519().begin(), m.keys().x25519().end(), pub.begin());
  format::KeySlot slot;
  slot.set_member_ed25519(m.keys().ed25519());
  slot.set_level(level);
  slot.set_epoch(epoch);
  slot.set_sealed_key(crypto::SealTo(pub, level_key));
  return slot;
}

}  // namespace

// The level keys an unlocked identity holds, in one locked allocation.
class Vault::KeyRing {
 public:
  explicit KeyRing(size_t levels) : keys_(levels * 32), has_(levels, false) {}
  bool Has(uint32_t level) const { return level < has_.size() && has_[level]; }
  std::span<const uint8_t> Key(uint32_t level) const { return keys_.slice(level * 32, 32); }
  void Set(uint32_t level, const crypto::SecretBytes& key) {
    std::copy(key.data(), key.data() + 32, keys_.data() + level * 32);
    has_[level] = true;
  }

 private:
  crypto::SecretBytes keys_;
  std::vector<bool> has_;
};

Vault::~Vault() = default;

Status Vault::Create(const std::string& path, const Identity& creator,
                     const std::vector<std::string>& levels, const std::string& label, Env* env) {
  if (levels.empty() || levels.size() > 16)
    return Fail(Code::kUsage, "a vault needs between 1 and 16 levels");
  std::set<std::string> seen;
  for (const auto& l : levels) {
    if (!ValidLevelName(l))
      return Fail(Code::kUsage, "bad level name '" + l +
                                    "' (lower-case letters, digits and '-', starting with a letter)");
    if (!seen.insert(l).second) return Fail(Code::kUsage, "level '" + l + "' given twice");
  }
  if (label.size() > 256) return Fail(Code::kUsage, "label longer than 256 bytes");
  std::string vault_id = crypto::RandomString(16);
  format::Member m = MemberOf(creator.public_identity(), format::ROLE_OFFICER,
                              static_cast<int>(levels.size()) - 1);
  format::Event ev;
  ev.set_sequence(0);
  ev.set_prev_hash(std::string(32, '\0'));
  ev.set_vault_id(vault_id);
  ev.set_time_unix(std::time(nullptr));
  ev.set_actor_ed25519(m.keys().ed25519());
  auto* vc = ev.mutable_vault_created();
  vc->set_vault_id(vault_id);
  vc->set_label(label);
  for (const auto& l : levels) vc->add_level_names(l);
  *vc->mutable_creator() = m;
  for (uint32_t level = 0; level < levels.size(); ++level) {
    auto key = crypto::SecretBytes::Random(32);
    *vc->add_slots() = MakeSlot(m, level, 0, key.span());
  }
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  auto* sig = se.add_signatures();
  sig->set_signer_ed25519(m.keys().ed25519());
  sig->set_signature(creator.Sign(se.body()));
  std::string payload = se.SerializeAsString();

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

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& path, Access access, Env* env) {
  std::unique_ptr<Vault> v(new Vault());
  v->env_ = env;
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
    format::SignedCheckpoint scp;
    format::Checkpoint cp;
    if (!scp.ParseFromString(payload) || !cp.ParseFromString(scp.body()))
      return Fail(Code::kCorrupt, path + ": checkpoint does not parse");
    CUSTODY_ASSIGN(v->state_, VaultState::FromCheckpoint(std::move(cp)));
    // The checkpoint must be signed by a member of the roster it carries.
    const auto* signer = v->state_.FindMember(scp.signature().signer_ed25519());
    crypto::Ed25519Public pub{};
    const std::string& key = scp.signature().signer_ed25519();
    if (signer == nullptr || signer->revoked() || key.size() != 32)
      return Fail(Code::kCorrupt, path + ": checkpoint signed by an identity not in the roster");
    if (v->state_.vault_id != sb.vault_id() || v->state_.event_count > sb.event_count())
      return Fail(Code::kCorrupt, path + ": checkpoint belongs to another vault or a later state");
    std::copy(key.begin(), key.end(), pub.begin());
    if (!crypto::Verify(pub, scp.body(), scp.signature().signature()))
      return Fail(Code::kCorrupt, path + ": checkpoint signature is invalid");
    v->checkpoint_events_ = v->state_.event_count;
    v->checkpoint_offset_ = sb.checkpoint_offset();
    scan_from = ref.payload_offset() + ref.header.length;
  }
  auto replay = v->container_->Scan(scan_from, [&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, v->container_->ReadPayload(ref));
    auto verified = VerifySignedEvent(payload, v->state_);
    if (!verified)
      return std::unexpected(verified.error().With("ledger event at offset " + std::to_string(ref.offset)));
    CUSTODY_TRY(v->state_.Apply(verified->event, verified->signers));
    v->state_.ledger_head = crypto::HashToString(crypto::Blake2b256(payload));
    return true;
  });
  if (!replay) return std::unexpected(replay.error().With(path));
  if (v->state_.ledger_head != sb.ledger_head() || v->state_.event_count != sb.event_count())
    return Fail(Code::kCorrupt, path + ": the ledger does not end where the superblock says");
  if (auto s = CheckOuterMarking(sb, v->state_); !s) return std::unexpected(s.error().With(path));
  if (access == Access::kWrite) {
    for (const auto& [reg, d] : v->state_.documents) {
      if (!d.destroyed() || d.compacted_away()) continue;
      CUSTODY_ASSIGN(bool pending, v->ErasurePending(d));
      if (pending) CUSTODY_TRY_CTX(v->EraseDestroyed(d), "finishing the destruction of " + reg);
    }
  }
  return v;
}

Result<int> Vault::LevelIndex(const std::string& name) const {
  for (size_t i = 0; i < state_.level_names.size(); ++i)
    if (state_.level_names[i] == name) return static_cast<int>(i);
  std::string valid;
  for (const auto& n : state_.level_names) valid += (valid.empty() ? "" : ", ") + n;
  return Fail(Code::kUsage, "unknown level '" + name + "'; this vault's levels are: " + valid);
}

std::string Vault::MemberName(const std::string& ed25519) const {
  auto* m = state_.FindMember(ed25519);
  return m ? m->keys().name() : "(unknown)";
}

Result<std::unique_ptr<Vault::KeyRing>> Vault::Unlock(const Identity& actor) const {
  if (poisoned_)
    return Fail(Code::kIo, "an earlier operation on vault " + container_->path() +
                               " failed part-way; reopen the vault");
  const auto& pub = actor.public_identity();
  auto* m = state_.FindMember(Raw(pub.ed25519));
  if (m == nullptr)
    return Fail(Code::kAuth, "identity '" + pub.name + "' (" + pub.Fingerprint() +
                                 ") is not in the roster of vault " + container_->path());
  if (m->revoked())
    return Fail(Code::kAuth, "identity '" + pub.name + "' (" + pub.Fingerprint() +
                                 ") was revoked from vault " + container_->path());
  auto ring = std::make_unique<KeyRing>(state_.level_names.size());
  for (int level = 0; level <= m->clearance(); ++level) {
    auto* slot = FindSlot(state_, m->keys().ed25519(), static_cast<uint32_t>(level));
    if (slot == nullptr) continue;
    auto key = crypto::OpenSealed(actor.x25519(), slot->sealed_key());
    if (!key || key->size() != 32)
      return Fail(Code::kCorrupt, "key slot for level " + state_.level_names[level] + " of '" +
                                      pub.name + "' does not open (damaged or not sealed to this identity)");
    ring->Set(static_cast<uint32_t>(level), *key);
  }
  return ring;
}

Result<std::string> Vault::SealEvent(format::Event ev,
                                     const std::vector<const Identity*>& signers) {
  ev.set_sequence(state_.event_count);
  ev.set_prev_hash(state_.ledger_head);
  ev.set_vault_id(state_.vault_id);
  ev.set_time_unix(std::time(nullptr));
  ev.set_actor_ed25519(Raw(signers[0]->public_identity().ed25519));
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  std::vector<std::string> keys;
  for (const Identity* id : signers) {
    auto* sig = se.add_signatures();
    sig->set_signer_ed25519(Raw(id->public_identity().ed25519));
    sig->set_signature(id->Sign(se.body()));
    keys.push_back(sig->signer_ed25519());
  }
  // The writer obeys the same rules an auditor checks.
  CUSTODY_TRY(state_.Apply(ev, keys));
  std::string payload = se.SerializeAsString();
  state_.ledger_head = crypto::HashToString(crypto::Blake2b256(payload));
  return payload;
}

// Any mutating operation that fails after it began changing the state leaves
// this handle unusable: the in-memory state no longer matches the last
// commit, and nothing may publish it. The file itself goes back to its last
// commit (Container::Abandon).
Vault::WriteScope::~WriteScope() {
  if (committed_) return;
  vault_->poisoned_ = true;
  vault_->container_->Abandon();
}

Status Vault::AppendEvent(format::Event event, const std::vector<const Identity*>& signers) {
  CUSTODY_ASSIGN(std::string payload, SealEvent(std::move(event), signers));
  CUSTODY_TRY(container_->Append(format::RecordType::kEvent, payload));
  return {};
}

std::string Vault::SignedCheckpoint(const Identity& actor) const {
  format::SignedCheckpoint scp;
  scp.set_body(state_.ToCheckpoint().SerializeAsString());
  scp.mutable_signature()->set_signer_ed25519(Raw(actor.public_identity().ed25519));
  scp.mutable_signature()->set_signature(actor.Sign(scp.body()));
  return scp.SerializeAsString();
}

format::Superblock Vault::NextSuperblock() const {
  format::Superblock sb;
  sb.set_vault_id(state_.vault_id);
  sb.set_ledger_head(state_.ledger_head);
  sb.set_event_count(state_.event_count);
  sb.set_label(state_.label);
  for (const auto& l : state_.level_names) sb.add_level_names(l);
  sb.set_highest_level_held(state_.HighestLevelHeld());
  sb.set_checkpoint_offset(checkpoint_offset_);
  return sb;
}

Status Vault::CommitAll(const Identity& actor) {
  format::Superblock sb = NextSuperblock();
  const bool checkpoint = state_.event_count - checkpoint_events_ >= kCheckpointEvery;
  if (checkpoint) {
    CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kCheckpoint,
                                                   SignedCheckpoint(actor)));
    sb.set_checkpoint_offset(at);
  }
  CUSTODY_TRY(container_->Commit(sb));
  checkpoint_offset_ = sb.checkpoint_offset();
  if (checkpoint) checkpoint_events_ = state_.event_count;
  return {};
}

Status Vault::CommitAll(const Identity& actor, WriteScope& scope) {
  CUSTODY_TRY(CommitAll(actor));
  scope.Committed();
  return {};
}

Result<CompactResult> Vault::Compact(const Identity& actor) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  auto* me = state_.FindMember(Raw(actor.public_identity().ed25519));
  if (me->role() != format::ROLE_OFFICER)
    return Fail(Code::kAuth, "only a secrecy officer may compact a vault; '" +
                                 actor.public_identity().name + "' is " + RoleName(me->role()));
  WriteScope scope(this);  // never committed: the handle is done after compaction
  CompactResult result;
  result.old_size = container_->file_size();
  CUSTODY_ASSIGN(auto builder, ContainerBuilder::Begin(env_, container_->path()));
  // 1. The whole ledger, byte for byte (signatures stay valid; only the
  //    framing, which binds offsets, is new). Old checkpoints are dropped.
  CUSTODY_TRY(container_->Scan(format::kLogStart, [&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(ref));
    CUSTODY_TRY(builder->Append(format::RecordType::kEvent, payload));
    return true;
  }));
  // 2. Every live document's current key record and ciphertext, verbatim:
  //    compaction needs no level key and never sees plaintext.
  format::Event ev;
  auto* k = ev.mutable_compacted();
  k->set_previous_event_count(state_.event_count);
  k->set_previous_ledger_head(state_.ledger_head);
  for (const auto& [reg, d] : state_.documents) {
    if (d.destroyed()) continue;
    CUSTODY_ASSIGN(std::string key_payload, ReadKeyRecord(d.key()));
    CUSTODY_ASSIGN(uint64_t key_at, builder->Append(format::RecordType::kKey, key_payload));
    const auto& old = d.added().extent();
    CUSTODY_ASSIGN(uint64_t ext_at, builder->AppendExtentFrom(*container_, old.offset(), old.length()));
    auto* r = k->add_relocated();
    r->set_doc_id(d.added().doc_id());
    *r->mutable_extent() = old;
    r->mutable_extent()->set_offset(ext_at);
    *r->mutable_key() = d.key();
    r->mutable_key()->set_offset(key_at);
    ++result.documents_kept;
  }
  // 3. The signed compaction event and a fresh checkpoint.
  CUSTODY_ASSIGN(std::string payload, SealEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(builder->Append(format::RecordType::kEvent, payload));
  CUSTODY_ASSIGN(uint64_t cp_at, builder->Append(format::RecordType::kCheckpoint, SignedCheckpoint(actor)));
  format::Superblock sb = NextSuperblock();
  sb.set_checkpoint_offset(cp_at);
  sb.set_sequence(container_->superblock().sequence() + 1);
  result.new_size = builder->offset();
  // 4. Atomic switch: until this rename the old vault is the vault.
  CUSTODY_TRY(builder->Finish(sb, /*replace=*/true));
  // 5. Wipe the old file's blocks through the descriptor we still hold.
  CUSTODY_TRY(container_->WipeWholeFile());
  return result;
}

Status Vault::Grant(const Identity& actor, const PublicIdentity& to, int clearance,
                    format::Role role) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  auto* me = state_.FindMember(Raw(actor.public_identity().ed25519));
  if (me->role() != format::ROLE_OFFICER)
    return Fail(Code::kAuth, "only a secrecy officer may grant clearances; '" +
                                 actor.public_identity().name + "' is " + RoleName(me->role()));
  if (clearance > me->clearance())
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name +
                                       "' cannot grant " + state_.level_names[clearance] +
                                       " without holding it");
  if (auto* existing = state_.FindMember(Raw(to.ed25519));
      existing && !existing->revoked() && existing->clearance() > clearance)
    return Fail(Code::kUsage, "'" + to.name + "' already holds " +
                                  state_.level_names[existing->clearance()] +
                                  "; revoke first to lower a clearance");
  WriteScope scope(this);
  format::Event ev;
  auto* g = ev.mutable_granted();
  *g->mutable_member() = MemberOf(to, role, clearance);
  for (int level = 0; level <= clearance; ++level)
    *g->add_slots() = MakeSlot(g->member(), static_cast<uint32_t>(level),
                               state_.epochs[level], ring->Key(static_cast<uint32_t>(level)));
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  return CommitAll(actor, scope);
}

Status Vault::Revoke(const Identity& actor, const PublicIdentity& who) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  auto* me = state_.FindMember(Raw(actor.public_identity().ed25519));
  if (me->role() != format::ROLE_OFFICER)
    return Fail(Code::kAuth, "only a secrecy officer may revoke; '" +
                                 actor.public_identity().name + "' is " + RoleName(me->role()));
  auto* target = state_.FindMember(Raw(who.ed25519));
  if (target == nullptr || target->revoked())
    return Fail(Code::kNotFound, "'" + who.name + "' (" + who.Fingerprint() +
                                     ") is not a member of this vault");
  if (target->keys().ed25519() == me->keys().ed25519())
    return Fail(Code::kUsage, "an officer cannot revoke their own identity");
  if (target->clearance() > me->clearance())
    return Fail(Code::kNotCleared, "revoking '" + who.name + "' rotates " +
                                       state_.level_names[target->clearance()] +
                                       ", which '" + actor.public_identity().name + "' does not hold");
  WriteScope scope(this);
  format::Event ev;
  auto* r = ev.mutable_revoked();
  r->set_member_ed25519(Raw(who.ed25519));
  // New key for every level the identity could read; sealed to every
  // remaining member cleared for it; every live document re-wrapped.
  std::vector<crypto::SecretBytes> new_keys;
  for (int level = 0; level <= target->clearance(); ++level) {
    r->add_rotated_levels(static_cast<uint32_t>(level));
    new_keys.push_back(crypto::SecretBytes::Random(32));
    uint32_t epoch = state_.epochs[level] + 1;
    for (const auto& [key, m] : state_.members) {
      if (m.revoked() || key == r->member_ed25519() || m.clearance() < level) continue;
      *r->add_slots() = MakeSlot(m, static_cast<uint32_t>(level), epoch, new_keys.back().span());
    }
  }
  for (const auto& [reg, d] : state_.documents) {
    uint32_t level = d.added().level();
    if (d.destroyed() || static_cast<int>(level) > target->clearance()) continue;
    CUSTODY_ASSIGN(auto wrap, LoadWrap(d));
    uint32_t old_epoch = wrap.epoch();
    CUSTODY_ASSIGN(auto dk, crypto::AeadOpenSecret(ring->Key(level), wrap.wrapped_key(),
                                                   LevelAd(format::kAdWrap, state_.vault_id,
                                                           wrap.doc_id(), level, old_epoch)));
    CUSTODY_ASSIGN(auto meta, crypto::AeadOpenString(ring->Key(level), wrap.sealed_metadata(),
                                                     LevelAd(format::kAdMetadata, state_.vault_id,
                                                             wrap.doc_id(), level, old_epoch)));
    uint32_t epoch = state_.epochs[level] + 1;
    const auto& nk = new_keys[level];
    wrap.set_epoch(epoch);
    wrap.set_wrapped_key(crypto::AeadSealString(
        nk.span(), {reinterpret_cast<const char*>(dk.data()), dk.size()},
        LevelAd(format::kAdWrap, state_.vault_id, wrap.doc_id(), level, epoch)));
    wrap.set_sealed_metadata(crypto::AeadSealString(
        nk.span(), meta, LevelAd(format::kAdMetadata, state_.vault_id, wrap.doc_id(), level, epoch)));
    std::string payload = wrap.SerializeAsString();
    CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kKey, payload));
    auto* ref = r->add_rewrapped();
    ref->set_offset(at);
    ref->set_hash(crypto::HashToString(crypto::Blake2b256(payload)));
    ref->set_doc_id(wrap.doc_id());
  }
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  return CommitAll(actor, scope);
}

Result<std::string> Vault::ReadKeyRecord(const format::KeyRef& ref) const {
  CUSTODY_ASSIGN(auto rec, container_->ReadHeader(ref.offset()));
  if (rec.header.type != format::RecordType::kKey || rec.header.length > 64 * 1024)
    return Fail(Code::kCorrupt, "key reference at " + std::to_string(ref.offset()) +
                                    " does not point at a key record");
  std::string payload(rec.header.length, '\0');
  CUSTODY_TRY(container_->ReadAt(rec.payload_offset(),
                                 {reinterpret_cast<uint8_t*>(payload.data()), payload.size()}));
  if (crypto::HashToString(crypto::Blake2b256(payload)) != ref.hash())
    return Fail(Code::kCorrupt, "key record at " + std::to_string(ref.offset()) +
                                    " does not match its hash");
  return payload;
}

Result<format::WrappedDocumentKey> Vault::LoadWrap(const format::DocumentState& doc) const {
  auto payload = ReadKeyRecord(doc.key());
  if (!payload) return std::unexpected(payload.error().With("document " + doc.added().reg_no()));
  format::WrappedDocumentKey wrap;
  if (!wrap.ParseFromString(*payload) || wrap.doc_id() != doc.added().doc_id() ||
      wrap.level() != doc.added().level())
    return Fail(Code::kCorrupt, "document " + doc.added().reg_no() + ": key record is damaged");
  return wrap;
}

std::string Vault::NextRegNo(int level) const {
  const std::string prefix = Initials(state_.level_names[level]) + "-" + std::to_string(CurrentYear()) + "-";
  for (uint64_t n = state_.reg_counters[level] + 1;; ++n) {
    char seq[32];
    std::snprintf(seq, sizeof seq, "%05llu", static_cast<unsigned long long>(n));
    std::string reg = prefix + seq;
    if (!state_.documents.count(reg)) return reg;
  }
}

Result<std::vector<std::string>> Vault::Add(const Identity& actor,
                                            const std::vector<AddRequest>& files, int level) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  if (!ring->Has(static_cast<uint32_t>(level)))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for " +
                                       state_.level_names[level]);
  // Check every input before writing anything.
  std::set<std::string> regs;
  for (const auto& f : files) {
    struct stat st;
    if (::stat(f.path.c_str(), &st) != 0)
      return std::unexpected(ErrnoError(errno, "cannot add", f.path));
    if (S_ISDIR(st.st_mode)) return Fail(Code::kUsage, "cannot add " + f.path + ": it is a directory");
    if (!S_ISREG(st.st_mode)) return Fail(Code::kUsage, "cannot add " + f.path + ": not a regular file");
    if (!f.reg_no.empty()) {
      if (!ValidRegNo(f.reg_no))
        return Fail(Code::kUsage, "bad registration number '" + f.reg_no +
                                      "' (1-64 of A-Z a-z 0-9 . _ / -, starting with a letter or digit)");
      if (state_.documents.count(f.reg_no) || !regs.insert(f.reg_no).second)
        return Fail(Code::kUsage, "registration number " + f.reg_no + " is already in use");
    }
  }
  WriteScope scope(this);
  std::vector<std::string> out;
  for (const auto& f : files) {
    int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot add", f.path));
    struct stat st;
    ::fstat(fd, &st);
    std::string doc_id = crypto::RandomString(16);
    auto dk = crypto::SecretBytes::Random(32);
    auto extent = EncryptIntoExtent(*container_, fd, static_cast<uint64_t>(st.st_size), dk.span(),
                                    ChunkAdPrefix(state_.vault_id, doc_id, 1), f.path);
    ::close(fd);
    if (!extent) return std::unexpected(extent.error());
    uint32_t epoch = state_.epochs[level];
    format::DocumentMetadata meta;
    std::string base = f.path.substr(f.path.find_last_of('/') == std::string::npos
                                         ? 0 : f.path.find_last_of('/') + 1);
    meta.set_title(f.title.empty() ? base : f.title);
    meta.set_file_name(base);
    meta.set_size(static_cast<uint64_t>(st.st_size));
    meta.set_added_unix(std::time(nullptr));
    format::WrappedDocumentKey wrap;
    wrap.set_doc_id(doc_id);
    wrap.set_level(static_cast<uint32_t>(level));
    wrap.set_epoch(epoch);
    auto lk = ring->Key(static_cast<uint32_t>(level));
    wrap.set_wrapped_key(crypto::AeadSealString(
        lk, {reinterpret_cast<const char*>(dk.data()), dk.size()},
        LevelAd(format::kAdWrap, state_.vault_id, doc_id, static_cast<uint32_t>(level), epoch)));
    wrap.set_sealed_metadata(crypto::AeadSealString(
        lk, meta.SerializeAsString(),
        LevelAd(format::kAdMetadata, state_.vault_id, doc_id, static_cast<uint32_t>(level), epoch)));
    std::string wrap_bytes = wrap.SerializeAsString();
    CUSTODY_ASSIGN(uint64_t key_at, container_->Append(format::RecordType::kKey, wrap_bytes));
    format::Event ev;
    auto* a = ev.mutable_document_added();
    a->set_doc_id(doc_id);
    a->set_reg_no(f.reg_no.empty() ? NextRegNo(level) : f.reg_no);
    a->set_level(static_cast<uint32_t>(level));
    a->set_version(1);
    *a->mutable_extent() = *extent;
    a->mutable_key()->set_offset(key_at);
    a->mutable_key()->set_hash(crypto::HashToString(crypto::Blake2b256(wrap_bytes)));
    a->mutable_key()->set_doc_id(doc_id);
    out.push_back(a->reg_no());
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  }
  CUSTODY_TRY(CommitAll(actor, scope));
  return out;
}

DocumentInfo Vault::Describe(const format::DocumentState& d) const {
  DocumentInfo info;
  info.reg_no = d.added().reg_no();
  info.doc_id_hex = custody::ToHex(d.added().doc_id());
  info.level = static_cast<int>(d.added().level());
  info.level_name = state_.level_names[info.level];
  info.added_by = MemberName(d.added_by());
  info.destroyed = d.destroyed();
  info.destroyed_unix = d.destroyed_unix();
  info.destroyed_by = d.destroyed() ? MemberName(d.destroyed_by()) : "";
  info.extract_count = d.extract_count();
  return info;
}

Result<std::vector<DocumentInfo>> Vault::List(const Identity& actor, bool include_destroyed) const {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  std::vector<DocumentInfo> out;
  out.reserve(state_.documents.size());
  for (const auto& [reg, d] : state_.documents) {
    uint32_t level = d.added().level();
    if (!ring->Has(level)) continue;  // above the clearance: not even the name
    if (d.destroyed() && !include_destroyed) continue;
    DocumentInfo info = Describe(d);
    if (!d.destroyed()) {
      CUSTODY_ASSIGN(auto wrap, LoadWrap(d));
      auto meta_bytes = crypto::AeadOpenString(
          ring->Key(level), wrap.sealed_metadata(),
          LevelAd(format::kAdMetadata, state_.vault_id, wrap.doc_id(), level, wrap.epoch()));
      format::DocumentMetadata meta;
      if (!meta_bytes || !meta.ParseFromString(*meta_bytes))
        return Fail(Code::kCorrupt, "document " + reg + ": metadata is damaged");
      info.title = meta.title();
      info.file_name = meta.file_name();
      info.size = meta.size();
      info.added_unix = meta.added_unix();
    }
    out.push_back(std::move(info));
  }
  return out;
}

namespace {
// A temporary file beside the destination that disappears unless kept.
class PendingOutput {
 public:
  ~PendingOutput() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
  Status Begin(const std::string& dest) {
    tmp_ = dest + ".custody-partial-" + custody::ToHex(crypto::RandomString(6));
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      int err = errno;
      tmp_.clear();
      return std::unexpected(ErrnoError(err, "cannot write next to", dest));
    }
    return {};
  }
  int fd() const { return fd_; }
  Status Finish(const std::string& dest, bool replace) {
    if (::fsync(fd_) != 0) return std::unexpected(ErrnoError(errno, "syncing", tmp_));
    ::close(fd_);
    fd_ = -1;
    CUSTODY_TRY(DefaultEnv()->Rename(tmp_, dest, replace));
    tmp_.clear();
    return DefaultEnv()->SyncDir(DirName(dest));
  }

 private:
  int fd_ = -1;
  std::string tmp_;
};
}  // namespace

Status Vault::Extract(const Identity& actor, const ExtractRequest& req) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  auto* d = state_.FindDocument(req.reg_no);
  if (d == nullptr || !ring->Has(d->added().level())) {
    // Above the clearance, say no more than for a missing document unless
    // the document is known to exist to this member... it is not: hide it.
    if (d != nullptr) {
      auto* m = state_.FindMember(Raw(actor.public_identity().ed25519));
      std::string held = m->clearance() >= 0 ? "cleared for " + state_.level_names[m->clearance()]
                                             : "holding no clearance";
      return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' (" + held +
                                         ") is not cleared for document " + req.reg_no);
    }
    return Fail(Code::kNotFound, "no document " + req.reg_no + " in vault " + container_->path());
  }
  if (d->destroyed()) {
    char when[64];
    std::time_t t = d->destroyed_unix();
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return Fail(Code::kNotFound, "document " + req.reg_no + " was destroyed on " + when + " by " +
                                     MemberName(d->destroyed_by()));
  }
  const bool to_fd = req.out_path == "-";
  if (!to_fd && !req.force && ::access(req.out_path.c_str(), F_OK) == 0)
    return Fail(Code::kIo, req.out_path + " already exists; use --force to replace it");
  uint32_t level = d->added().level();
  CUSTODY_ASSIGN(auto wrap, LoadWrap(*d));
  auto dk = crypto::AeadOpenSecret(ring->Key(level), wrap.wrapped_key(),
                                   LevelAd(format::kAdWrap, state_.vault_id, wrap.doc_id(), level,
                                           wrap.epoch()));
  if (!dk) return Fail(Code::kCorrupt, "document " + req.reg_no + ": its data key does not unwrap");
  auto meta_bytes = crypto::AeadOpenString(
      ring->Key(level), wrap.sealed_metadata(),
      LevelAd(format::kAdMetadata, state_.vault_id, wrap.doc_id(), level, wrap.epoch()));
  format::DocumentMetadata meta;
  if (!meta_bytes || !meta.ParseFromString(*meta_bytes))
    return Fail(Code::kCorrupt, "document " + req.reg_no + ": metadata is damaged");

  format::Event ev;
  auto* x = ev.mutable_document_extracted();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(req.reg_no);
  x->set_purpose(req.purpose);
  x->set_to_stdout(to_fd);
  const format::Extent extent = d->added().extent();
  const std::string ad = ChunkAdPrefix(state_.vault_id, d->added().doc_id(), d->added().version());
  const std::string what = "document " + req.reg_no;
  if (to_fd) {
    WriteScope scope(this);
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
    CUSTODY_TRY(CommitAll(actor, scope));
    return DecryptExtent(*container_, extent, meta.size(), dk->span(), ad, req.out_fd, what);
  }
  PendingOutput out;
  CUSTODY_TRY(out.Begin(req.out_path));
  CUSTODY_TRY(DecryptExtent(*container_, extent, meta.size(), dk->span(), ad, out.fd(), what));
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(CommitAll(actor, scope));
  return out.Finish(req.out_path, req.force);
}

Status Vault::Destroy(const Identity& actor, const Identity& witness, const std::string& reg_no,
                      const std::string& reason) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  { CUSTODY_ASSIGN(auto wring, Unlock(witness)); }
  auto* me = state_.FindMember(Raw(actor.public_identity().ed25519));
  if (me->role() != format::ROLE_OFFICER)
    return Fail(Code::kAuth, "only a secrecy officer may destroy documents; '" +
                                 actor.public_identity().name + "' is " + RoleName(me->role()));
  if (actor.public_identity().ed25519 == witness.public_identity().ed25519)
    return Fail(Code::kUsage, "the witness must be a different identity from the officer");
  auto* d = state_.FindDocument(reg_no);
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring->Has(d->added().level()))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was already destroyed");
  if (reason.empty()) return Fail(Code::kUsage, "a reason for the destruction is required");
  // Overwrite in place: every key record that ever wrapped this document's
  // data key, then the ciphertext; sync before the tombstone is written.
  // The destruction is first committed (so it is never half visible), then
  // carried out: ciphertext overwritten and synced, then every key record
  // that ever wrapped the data key overwritten and synced. A crash in
  // between leaves a destroyed document whose bytes are still there; the
  // next write access (Open for writing) finishes the overwrite, and audit
  // reports it as pending until then.
  WriteScope scope(this);
  const std::string doc_id = d->added().doc_id();
  format::Event ev;
  auto* x = ev.mutable_document_destroyed();
  x->set_doc_id(doc_id);
  x->set_reg_no(reg_no);
  x->set_reason(reason);
  x->set_witness_ed25519(Raw(witness.public_identity().ed25519));
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor, &witness}));
  CUSTODY_TRY(CommitAll(actor, scope));
  if (auto s = EraseDestroyed(*state_.FindDocument(reg_no)); !s)
    return Fail(s.error().code, "the destruction of " + reg_no +
                                    " is recorded, but overwriting its bytes failed (" +
                                    s.error().message +
                                    "); the next write access to the vault completes it");
  return {};
}

Status Vault::EraseDestroyed(const format::DocumentState& d) {
  const auto& e = d.added().extent();
  std::vector<uint8_t> zeros(1 << 20, 0);
  for (uint64_t at = 0; at < e.length(); at += zeros.size()) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), e.length() - at));
    CUSTODY_TRY(container_->OverwriteCommitted(e.offset() + at, {zeros.data(), n}));
  }
  CUSTODY_TRY(container_->file()->Sync());
  std::vector<format::KeyRef> refs(d.old_keys().begin(), d.old_keys().end());
  refs.push_back(d.key());
  for (const auto& ref : refs) {
    CUSTODY_ASSIGN(auto rec, container_->ReadHeader(ref.offset()));
    std::vector<uint8_t> kz(rec.header.length, 0);
    CUSTODY_TRY(container_->OverwriteCommitted(rec.payload_offset(), kz));
  }
  return container_->file()->Sync();
}

Result<bool> Vault::ErasurePending(const format::DocumentState& d) const {
  if (!d.destroyed() || d.compacted_away()) return false;
  // Key records are overwritten last, after the ciphertext is synced: a
  // zero current key record means the whole erasure is durable.
  CUSTODY_ASSIGN(auto rec, container_->ReadHeader(d.key().offset()));
  std::string payload(rec.header.length, '\0');
  CUSTODY_TRY(container_->ReadAt(rec.payload_offset(),
                                 {reinterpret_cast<uint8_t*>(payload.data()), payload.size()}));
  return payload.find_first_not_of('\0') != std::string::npos;
}


}  // namespace custody::vault
