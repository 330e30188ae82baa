// Reading the whole ledger back for a person (custody log, custody report):
// Vault::ForEachVerifiedEvent. Open verified the newest checkpoint (signed
// by a live member) and replayed every event after it; this walk proves
// that the events it hands out are exactly those, by the hash chain.
#include "base/encoding.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "vault/ops/internal.h"

namespace custody::vault {

namespace {

// An EVENT record's payload, parsed; kCorrupt naming the offset otherwise.
Status ParseEventAt(std::string_view payload, uint64_t offset, format::SignedEvent* se,
                    format::Event* ev) {
  if (!se->ParseFromArray(payload.data(), static_cast<int>(payload.size())) || !ev->ParseFromString(se->body()))
    return Fail(Code::kCorrupt, "ledger event at offset " + std::to_string(offset) + " does not parse");
  return {};
}

}  // namespace

std::string Vault::id_hex() const { return ToHex(state_->vault_id); }
uint64_t Vault::event_count() const { return state_->event_count; }
std::string Vault::ledger_head_hex() const { return ToHex(state_->ledger_head); }

std::optional<MemberSummary> Vault::MemberByKey(const std::string& ed25519) const {
  const format::Member* m = state_->FindMember(ed25519);
  if (m == nullptr) return std::nullopt;
  MemberSummary s;
  s.name = m->keys().name();
  s.fingerprint = ToHex(crypto::HashToString(crypto::Blake2b256(ed25519)).substr(0, 8));
  s.role = RoleName(m->role());
  s.revoked = m->revoked();
  s.clearance = m->clearance();
  s.until_unix = m->until_unix();
  return s;
}

std::vector<crypto::Ed25519Public> RosterKeysOf(const VaultState& state) {
  std::vector<crypto::Ed25519Public> keys;
  for (const auto& [raw, m] : state.members) {
    crypto::Ed25519Public k{};
    if (raw.size() != k.size()) continue;  // the roster's rules admit 32-byte keys only
    std::copy(raw.begin(), raw.end(), k.begin());
    keys.push_back(k);
  }
  return keys;
}

std::vector<crypto::Ed25519Public> Vault::RosterKeys() const { return RosterKeysOf(*state_); }

Status Vault::ForEachVerifiedEventBytes(const std::function<Status(std::string_view)>& fn) const {
  return WalkVerifiedEvents([](const format::Event&, const std::vector<std::string>&) -> Status { return {}; },
                            nullptr, LedgerWalk::kVisitWhileVerifying, &fn);
}

Result<transparency::MerkleTree> Vault::LedgerTree() const {
  transparency::MerkleTree tree;
  CUSTODY_TRY(ForEachVerifiedEventBytes([&](std::string_view bytes) -> Status {
    tree.Append(bytes);
    return {};
  }));
  return tree;
}

Status Vault::WalkVerifiedEvents(const LedgerEventVisitor& visit, const AuditAnchor* expect, LedgerWalk walk,
                                 const std::function<Status(std::string_view)>* bytes) const {
  const std::string& path = container_->path();
  // Pass 1: the chain, from event 0, through the checkpoint's head to the
  // head Open verified. Nothing is shown until all of it holds.
  std::vector<crypto::Hash256> hashes;
  hashes.reserve(state_->event_count);
  std::string prev(32, '\0');
  auto broken = [&](uint64_t offset, const std::string& why) {
    return Fail(Code::kCorrupt, "ledger event at offset " + std::to_string(offset) + " " + why);
  };
  const bool visit_now = walk == LedgerWalk::kVisitWhileVerifying;
  std::vector<std::string> signers;
  auto visit_one = [&](const format::SignedEvent& se, const format::Event& ev) -> Status {
    signers.clear();
    for (const auto& sig : se.signatures()) signers.push_back(sig.signer_ed25519());
    return visit(ev, signers);
  };
  auto scanned = container_->ScanEvents(format::kLogStart, [&](const RecordRef& ref,
                                                                std::string_view payload) -> Result<bool> {
    format::SignedEvent se;
    format::Event ev;
    CUSTODY_TRY(ParseEventAt(payload, ref.offset, &se, &ev));
    if (ev.sequence() != hashes.size())
      return broken(ref.offset, "has sequence " + std::to_string(ev.sequence()) + ", expected " +
                                    std::to_string(hashes.size()));
    if (ev.prev_hash() != prev) return broken(ref.offset, "does not chain to the one before");
    if (ev.vault_id() != state_->vault_id) return broken(ref.offset, "belongs to another vault");
    hashes.push_back(crypto::Blake2b256(payload));
    if (bytes != nullptr) CUSTODY_TRY((*bytes)(payload));
    prev = crypto::HashToString(hashes.back());
    if (hashes.size() == checkpoint_events_ && prev != checkpoint_head_)
      return broken(ref.offset, "is not the one the signed checkpoint covers (history rewritten)");
    if (visit_now) CUSTODY_TRY(visit_one(se, ev));
    return hashes.size() < state_->event_count;
  });
  if (!scanned) return std::unexpected(scanned.error().With(path + ": the ledger is not shown"));
  if (hashes.size() != state_->event_count || prev != state_->ledger_head)
    return Fail(Code::kCorrupt, path + ": the ledger read back (" + std::to_string(hashes.size()) +
                                    " events) does not end at the verified head (" +
                                    std::to_string(state_->event_count) + " events); the ledger is not shown");
  if (expect != nullptr) {
    const std::string head = expect->event_count == 0 ? ToHex(std::string(32, '\0'))
                             : expect->event_count <= hashes.size()
                                 ? ToHex(crypto::HashToString(hashes[expect->event_count - 1]))
                                 : "";
    if (head != expect->ledger_head_hex)
      return Fail(Code::kCorrupt, path + ": the ledger does not hold the anchor " +
                                      std::to_string(expect->event_count) + ":" + expect->ledger_head_hex +
                                      " (" + std::to_string(hashes.size()) +
                                      " events): rolled back, truncated or rewritten since; the ledger is not shown");
  }
  if (visit_now) return {};
  // Pass 2: the same bytes again (the file is read twice, not held in
  // memory), each checked against pass 1 before it is visited.
  uint64_t seq = 0;
  auto shown = container_->ScanEvents(format::kLogStart, [&](const RecordRef& ref,
                                                             std::string_view payload) -> Result<bool> {
    if (seq >= hashes.size() || crypto::Blake2b256(payload) != hashes[seq])
      return broken(ref.offset, "changed while it was read");
    format::SignedEvent se;
    format::Event ev;
    CUSTODY_TRY(ParseEventAt(payload, ref.offset, &se, &ev));
    CUSTODY_TRY(visit_one(se, ev));
    return ++seq < hashes.size();
  });
  if (!shown && shown.error().code == Code::kCorrupt) return std::unexpected(shown.error().With(path));
  return shown;
}

}  // namespace custody::vault
