// Opening a vault: where its state comes from and why it can be trusted.
//
// Format v2 (FORMAT.md §5.5): authority — roster, roles, clearances, key
// slots, epochs — is derived only from the authority events, verified from
// the genesis along their hash links. The checkpoint is an untrusted index
// to those events plus a signed catalog cache; nothing in it can name a key
// or a member. Events after the checkpoint are replayed under every rule.
// Format v1 files are read-only here and replayed in full from their first
// event: their checkpoints vouch for themselves and are never used.
#include <set>

#include "crypto/hash.h"
#include "format/constants.h"
#include "vault/client_memory.h"
#include "vault/ledger/event_registry.h"
#include "vault/ops/internal.h"

namespace custody::vault {

namespace {

// R152: more authority events than this in one vault is not a vault.
constexpr int kMaxAuthorityEvents = 65536;

// Reads the EVENT record an untrusted pointer names and checks it hashes to
// `hash`. kCorrupt naming `what` otherwise.
Result<std::string> ReadEventAt(const Container& c, uint64_t offset, const std::string& hash,
                                const std::string& what) {
  auto ref = c.ReadHeader(offset);
  if (!ref || ref->header.type != format::RecordType::kEvent)
    return Fail(Code::kCorrupt, what + " does not point at a ledger event (offset " +
                                    std::to_string(offset) + ")");
  CUSTODY_ASSIGN(std::string payload, c.ReadPayload(*ref));
  if (crypto::HashToString(crypto::Blake2b256(payload)) != hash)
    return Fail(Code::kCorrupt, what + " does not hash to its reference");
  return payload;
}

// The last event the checkpoint covers pins where the authority chain ends
// (R109): it names the authority state it was made under, and is signed by
// a member live in that state. An index that leaves out a trailing
// authority event (a revoke) fails here; one that leaves out an earlier one
// breaks a later event's link.
Status CheckHeadEvent(const std::string& payload, const VaultState& s, uint64_t event_count) {
  CUSTODY_ASSIGN(VerifiedEvent head, VerifySignedEvent(payload, s));
  const format::Event& ev = head.event;
  if (ev.sequence() + 1 != event_count)
    return Fail(Code::kCorrupt, "the checkpoint's head event is not the last event it covers");
  for (const auto& key : head.signers) {
    const format::Member* m = s.FindMember(key);
    if (m == nullptr || m->revoked())
      return Fail(Code::kCorrupt, "the checkpoint's head event is signed by a revoked or unknown identity");
  }
  if (IsAuthorityKind(ev.kind_case())) {
    if (crypto::HashToString(crypto::Blake2b256(payload)) != s.AuthorityHead())
      return Fail(Code::kCorrupt, "the authority index does not end at the checkpoint's head event");
  } else if (ev.authority_seq() != s.authority.size() || ev.authority_head() != s.AuthorityHead()) {
    return Fail(Code::kCorrupt, "the authority index is incomplete: the head event names authority event " +
                                    std::to_string(ev.authority_seq()) + ", the index holds " +
                                    std::to_string(s.authority.size()));
  }
  return {};
}

// Roster, slots, epochs and levels from the authority events the checkpoint
// indexes, each verified (signatures, links, rules) from the genesis on.
Result<VaultState> ReplayAuthority(const Container& c, const format::Checkpoint& cp) {
  if (cp.authority_size() == 0 || cp.authority_size() > kMaxAuthorityEvents ||
      cp.event_count() == 0 || static_cast<uint64_t>(cp.authority_size()) > cp.event_count())
    return Fail(Code::kCorrupt, "checkpoint's authority index is out of range");
  VaultState s;
  s.authority_only = true;
  for (int i = 0; i < cp.authority_size(); ++i) {
    const auto& ref = cp.authority(i);
    const std::string what = "authority index entry " + std::to_string(i);
    CUSTODY_ASSIGN(std::string payload, ReadEventAt(c, ref.offset(), ref.hash(), what));
    auto replayed = ReplayEvent(payload, s, ref.offset());
    if (!replayed) return std::unexpected(replayed.error().With(what));
  }
  if (!s.linked)
    return Fail(Code::kCorrupt, "the authority chain of a format v2 vault carries no links");
  CUSTODY_ASSIGN(std::string head, ReadEventAt(c, cp.head_offset(), cp.ledger_head(),
                                               "the checkpoint's head event"));
  CUSTODY_TRY(CheckHeadEvent(head, s, cp.event_count()));
  s.authority_only = false;
  s.event_count = cp.event_count();
  s.ledger_head = cp.ledger_head();
  return s;
}

}  // namespace

// The newest checkpoint of a v2 vault: authority replayed from the chain,
// then the catalog, signed by a member live in that authority.
Status Vault::LoadCheckpoint(uint64_t* scan_from) {
  const auto& sb = container_->superblock();
  const std::string& path = container_->path();
  CUSTODY_ASSIGN(auto ref, container_->ReadHeader(sb.checkpoint_offset()));
  if (ref.header.type != format::RecordType::kCheckpoint)
    return Fail(Code::kCorrupt, path + ": superblock points at a record that is not a checkpoint");
  CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(ref));
  format::SignedCheckpoint scp;
  format::Checkpoint cp;
  if (!scp.ParseFromString(payload) || !cp.ParseFromString(scp.body()))
    return Fail(Code::kCorrupt, path + ": checkpoint does not parse");
  auto authority = ReplayAuthority(*container_, cp);
  if (!authority) return std::unexpected(authority.error().With(path + ": checkpoint"));
  *state_ = std::move(*authority);
  if (auto verified = VerifyCheckpoint(payload, *state_); !verified)
    return std::unexpected(verified.error().With(path));
  if (cp.vault_id() != sb.vault_id() || state_->vault_id != sb.vault_id() ||
      cp.event_count() > sb.event_count())
    return Fail(Code::kCorrupt, path + ": checkpoint belongs to another vault or a later state");
  head_offset_ = cp.head_offset();
  checkpoint_head_ = cp.ledger_head();
  if (auto s = AdoptCatalog(std::move(cp), pages_.get(), *state_); !s)
    return std::unexpected(s.error().With(path));
  if (auto s = state_->catalog.CheckRoot(); !s) return std::unexpected(s.error().With(path));
  if (auto s = state_->copies.CheckRoot(); !s) return std::unexpected(s.error().With(path));
  checkpoint_events_ = state_->event_count;
  checkpoint_offset_ = sb.checkpoint_offset();
  *scan_from = ref.payload_offset() + ref.header.length;
  return {};
}

Status Vault::ReplayFrom(uint64_t scan_from) {
  return container_->Scan(scan_from, [&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(ref));
    auto replayed = ReplayEvent(payload, *state_, ref.offset);
    if (!replayed)
      return std::unexpected(replayed.error().With("ledger event at offset " + std::to_string(ref.offset)));
    head_offset_ = ref.offset;
    replay_heads_.push_back(state_->ledger_head);
    return true;
  });
}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& path, Access access, Env* env,
                                           const Clock* clock, ClientMemory* memory) {
  CUSTODY_ASSIGN(auto v, OpenAs(path, access, env, clock, /*for_upgrade=*/false));
  if (memory != nullptr) CUSTODY_TRY(v->CheckRemembered(memory, access));
  CUSTODY_TRY(v->CheckBindings(access, memory));
  return v;
}

Status Vault::CheckRemembered(ClientMemory* memory, Access access) {
  const std::string& path = container_->path();
  CUSTODY_ASSIGN(auto remembered, memory->Load(state_->vault_id));
  std::string problem;
  if (remembered) {
    const RememberedState& r = *remembered;
    const std::string counts = std::to_string(state_->event_count) + " events, this client verified " +
                               std::to_string(r.event_count);
    if (r.genesis != state_->genesis) {
      problem = "FORK: another vault with the same id (a different first event)";
    } else if (r.event_count > state_->event_count) {
      problem = "ROLLBACK: the vault holds " + counts + " (an older copy, or a commit erased)";
    } else {
      CUSTODY_ASSIGN(bool extends, ExtendsRemembered(r.event_count, r.head, r.head_offset));
      if (!extends) problem = "FORK: the vault holds " + counts + ", and its history does not extend that";
    }
  }
  if (!problem.empty()) {
    const std::string msg = path + ": " + problem + " (remembered in " + memory->PathFor(state_->vault_id) + ")";
    if (access == Access::kWrite) return Fail(Code::kCorrupt, msg + "; refusing to write");
    warnings_.push_back(msg + "; read anyway, and not remembered");
    return {};
  }
  memory_ = memory;
  Remember();
  return {};
}

void Vault::Remember(bool durable) {
  if (memory_ == nullptr) return;
  RememberedState s{state_->vault_id, state_->genesis, state_->event_count, state_->ledger_head, head_offset_};
  if (auto saved = memory_->Save(s, durable); !saved)
    warnings_.push_back("could not remember the state of " + container_->path() + ": " + saved.error().message);
}

// R134. Events after the checkpoint were replayed (their heads are known);
// for older ones, the remembered head is found where it was and followed
// along the prev_hash links to the checkpoint's head: a chain of hashes is
// proof that this history extends the one verified before.
Result<bool> Vault::ExtendsRemembered(uint64_t count, const std::string& head, uint64_t head_offset) const {
  if (count == 0) return true;
  if (count == state_->event_count) return head == state_->ledger_head;
  if (count > checkpoint_events_) return replay_heads_.at(count - 1 - checkpoint_events_) == head;
  auto walk = [&](uint64_t from) -> Result<bool> {
    bool found = false, extends = false;
    uint64_t seq = 0;
    std::string prev;
    CUSTODY_TRY(container_->Scan(from, [&](const RecordRef& ref) -> Result<bool> {
      if (ref.header.type != format::RecordType::kEvent) return true;
      CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(ref));
      format::SignedEvent se;
      format::Event ev;
      if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body())) return false;
      const std::string hash = crypto::HashToString(crypto::Blake2b256(payload));
      if (!found) {
        found = ev.sequence() == count - 1 && hash == head;
        if (!found) return true;
      } else if (ev.sequence() != seq + 1 || ev.prev_hash() != prev) {
        return false;
      }
      seq = ev.sequence();
      prev = hash;
      if (seq + 1 == checkpoint_events_) {
        extends = hash == checkpoint_head_;
        return false;
      }
      return true;
    }));
    return extends;
  };
  // The remembered offset is a hint (compaction moves events); fall back to
  // the whole ledger.
  auto hinted = container_->ReadHeader(head_offset);
  if (hinted && hinted->header.type == format::RecordType::kEvent) {
    CUSTODY_ASSIGN(bool extends, walk(head_offset));
    if (extends) return true;
  }
  return walk(format::kLogStart);
}

Result<std::unique_ptr<Vault>> Vault::OpenAs(const std::string& path, Access access, Env* env,
                                             const Clock* clock, bool for_upgrade) {
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
  v->pages_ = std::make_unique<ContainerPageReader>(*v->container_);
  const auto& sb = v->container_->superblock();
  const bool v1 = sb.format_version() < format::kFirstLinkedFormatVersion;
  if (v1 && access == Access::kWrite && !for_upgrade)
    return Fail(Code::kUsage, path + " is a format v1 vault, which this version only reads; "
                                     "run 'custody upgrade " + path + " --as OFFICER' first");
  uint64_t scan_from = format::kLogStart;
  if (!v1 && sb.checkpoint_offset() != 0) CUSTODY_TRY(v->LoadCheckpoint(&scan_from));
  // Destructions the catalog claims are not acted on (a member could forge
  // one); only those of verified events replayed now (Destroy never commits
  // a checkpoint with its event, so a pending erasure is always among them):
  // the documents the replay changes.
  v->state_->catalog.TakeChanged();
  if (auto s = v->ReplayFrom(scan_from); !s) return std::unexpected(s.error().With(path));
  if (v->state_->ledger_head != sb.ledger_head() || v->state_->event_count != sb.event_count())
    return Fail(Code::kCorrupt, path + ": the ledger does not end where the superblock says");
  if (!v1 && !v->state_->linked)
    return Fail(Code::kCorrupt, path + ": a format v2 vault whose ledger carries no authority links");
  if (auto s = CheckOuterMarking(sb, *v->state_); !s) return std::unexpected(s.error().With(path));
  if (access == Access::kWrite) {
    for (const std::string& reg : v->state_->catalog.changed()) {
      CUSTODY_ASSIGN(const format::DocumentState* d, v->state_->FindDocument(reg));
      // Likewise a declassification's overwrite of the old wraps (its
      // commit carries no checkpoint either).
      if (d->erased_keys_size() > 0)
        CUSTODY_TRY_CTX(v->EraseSupersededKeys(*d), "finishing the declassification of " + reg);
      if (!d->destroyed()) continue;
      CUSTODY_ASSIGN(bool pending, v->ErasurePending(*d));
      if (pending) CUSTODY_TRY_CTX(v->EraseDestroyed(*d), "finishing the destruction of " + reg);
    }
  }
  return v;
}

}  // namespace custody::vault
