// Opening a vault: where its state comes from and why it can be trusted.
//
// Format v2 (FORMAT.md §5.2): authority — roster, roles, clearances, key
// slots, epochs — is derived only from the authority events, verified from
// the genesis along their hash links. The checkpoint is an untrusted index
// to those events plus a signed catalog cache; nothing in it can name a key
// or a member. Events after the checkpoint are replayed under every rule.
// Format v1 files are read-only here and replayed in full from their first
// event: their checkpoints vouch for themselves and are never used.
#include "crypto/hash.h"
#include "format/constants.h"
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
  if (auto s = AdoptCatalog(std::move(cp), *state_); !s) return std::unexpected(s.error().With(path));
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
    return true;
  });
}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& path, Access access, Env* env,
                                           const Clock* clock) {
  return OpenAs(path, access, env, clock, /*for_upgrade=*/false);
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
  const auto& sb = v->container_->superblock();
  const bool v1 = sb.format_version() < format::kFormatVersion;
  if (v1 && access == Access::kWrite && !for_upgrade)
    return Fail(Code::kUsage, path + " is a format v1 vault, which this version only reads; "
                                     "run 'custody upgrade " + path + " --as OFFICER' first");
  uint64_t scan_from = format::kLogStart;
  if (!v1 && sb.checkpoint_offset() != 0) CUSTODY_TRY(v->LoadCheckpoint(&scan_from));
  if (auto s = v->ReplayFrom(scan_from); !s) return std::unexpected(s.error().With(path));
  if (v->state_->ledger_head != sb.ledger_head() || v->state_->event_count != sb.event_count())
    return Fail(Code::kCorrupt, path + ": the ledger does not end where the superblock says");
  if (!v1 && !v->state_->linked)
    return Fail(Code::kCorrupt, path + ": a format v2 vault whose ledger carries no authority links");
  if (auto s = CheckOuterMarking(sb, *v->state_); !s) return std::unexpected(s.error().With(path));
  if (access == Access::kWrite) {
    for (const auto& [reg, d] : v->state_->documents) {
      CUSTODY_ASSIGN(bool pending, v->ErasurePending(d));
      if (pending) CUSTODY_TRY_CTX(v->EraseDestroyed(d), "finishing the destruction of " + reg);
    }
  }
  return v;
}

}  // namespace custody::vault
