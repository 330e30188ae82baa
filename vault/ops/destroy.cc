// Destruction: an officer and a witness sign it; then the document's
// ciphertext and every key record that ever wrapped its data key are
// overwritten in place (FORMAT.md §3.7, "Destroyed documents").
#include <algorithm>

#include "format/constants.h"
#include "vault/ops/internal.h"

namespace custody::vault {

Result<Level> Vault::CheckDestroy(const PublicIdentity& officer, const PublicIdentity& witness,
                                  const std::string& reg_no, const std::string& reason,
                                  bool force) const {
  CUSTODY_ASSIGN(const format::Member* me, RequireMember(*state_, officer, container_->path()));
  CUSTODY_TRY(RequireMember(*state_, witness, container_->path()));
  CUSTODY_TRY(RequireOfficer(*me, officer, "destroy documents"));
  CUSTODY_TRY(RequireDistinctCosigner(officer, witness, "witness", "officer"));
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  // The roster's clearance; Destroy also requires the unwrapped level key.
  if (me->clearance() < 0 || d->added().level() > static_cast<uint32_t>(me->clearance()))
    return Fail(Code::kNotCleared, "'" + officer.name + "' is not cleared for document " + reg_no);
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was already destroyed");
  if (reason.empty()) return Fail(Code::kUsage, "a reason for the destruction is required");
  // Destroying the original does not bring its copies back: an officer
  // must decide that knowingly. (Writer-side: the ledger accepts it.)
  if (d->copies_outstanding() > 0 && !force) {
    // The document's own copies, each looked up (O(log n) pages apiece),
    // not every copy of the vault.
    const uint32_t n = d->copies_outstanding();
    const uint32_t issued = d->copies_issued();
    std::string which;
    for (uint32_t k = 1; k <= issued; ++k) {
      CUSTODY_ASSIGN(const format::CopyState* c, state_->FindCopy(reg_no, k));
      if (c != nullptr && c->status() == format::COPY_ISSUED)
        which += (which.empty() ? "" : ", ") + reg_no + "/" + std::to_string(k);
    }
    return Fail(Code::kUsage, "document " + reg_no + " has " + std::to_string(n) +
                                  (n == 1 ? " copy" : " copies") + " outstanding (" + which +
                                  "); get them returned first, or use --force");
  }
  return Level(d->added().level());
}

Status Vault::Destroy(const Identity& actor, const Identity& witness, const std::string& reg_no,
                      const std::string& reason, bool force) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  CUSTODY_ASSIGN(Level level,
                 CheckDestroy(actor.public_identity(), witness.public_identity(), reg_no, reason, force));
  if (!ring->Has(level.index()))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  // The destruction is committed first (so it is never half visible), then
  // carried out: ciphertext overwritten and synced, then every key record
  // that ever wrapped the data key overwritten and synced. A crash in
  // between leaves a destroyed document whose bytes are still there; the
  // next write access (Open for writing) finishes the overwrite, and audit
  // reports it as pending until then.
  WriteScope scope(this);
  format::Event ev;
  auto* x = ev.mutable_document_destroyed();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(reg_no);
  x->set_reason(reason);
  x->set_witness_ed25519(SigningKeyOf(witness));
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor, &witness}));
  // No checkpoint in this commit: an erasure left pending by a crash is then
  // always completed from the verified DocumentDestroyed event replayed on
  // open, never from a catalog entry (see Vault::OpenAs).
  CUSTODY_TRY(CommitAll(actor, scope, CheckpointPolicy::kNever));
  CUSTODY_ASSIGN(const format::DocumentState* destroyed, state_->FindDocument(reg_no));
  if (auto s = EraseDestroyed(*destroyed); !s)
    return Fail(s.error().code, "the destruction of " + reg_no +
                                    " is recorded, but overwriting its bytes failed (" +
                                    s.error().message +
                                    "); the next write access to the vault completes it");
  return {};
}

// Every key record a document's entry names: the superseded wraps, the
// earlier versions', then the current one (the order in which they are overwritten).
static std::vector<format::KeyRef> EveryKeyRef(const format::DocumentState& d) {
  std::vector<format::KeyRef> refs(d.old_keys().begin(), d.old_keys().end());
  for (const auto& v : d.earlier_versions()) refs.push_back(v.key());  // v8
  refs.push_back(d.key());
  return refs;
}

// What a destruction overwrites must be the document's own records: an
// EXTENT record exactly where and as long as the catalog says, and KEY
// records. A catalog entry pointing anywhere else (a superblock, an event,
// another document) is damage, and nothing is overwritten.
Status Vault::CheckErasable(const format::DocumentState& d) const {
  const std::string what = "document " + d.added().reg_no() + ": ";
  for (const format::Extent* version : DocumentExtents(d)) {
    const auto& e = *version;
    auto ext = e.offset() >= format::kLogStart + format::kRecordHeaderSize
                   ? container_->ReadHeader(e.offset() - format::kRecordHeaderSize)
                   : Result<RecordRef>(Fail(Code::kCorrupt, "before the log"));
    if (!ext || ext->header.type != format::RecordType::kExtent || ext->payload_offset() != e.offset() ||
        ext->header.length != e.length())
      return Fail(Code::kCorrupt, what + "its ciphertext is not where the catalog says; nothing overwritten");
  }
  const std::vector<format::KeyRef> refs = EveryKeyRef(d);
  for (const auto& ref : refs) {
    auto rec = container_->ReadHeader(ref.offset());
    if (!rec || rec->header.type != format::RecordType::kKey)
      return Fail(Code::kCorrupt, what + "a key record is not where the catalog says; nothing overwritten");
  }
  return {};
}

Status Vault::EraseDestroyed(const format::DocumentState& d) {
  CUSTODY_TRY(CheckErasable(d));
  std::vector<uint8_t> zeros(1 << 20, 0);
  for (const format::Extent* version : DocumentExtents(d)) {  // every version's ciphertext
    const auto& e = *version;
    for (uint64_t at = 0; at < e.length(); at += zeros.size()) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), e.length() - at));
      CUSTODY_TRY(container_->OverwriteCommitted(e.offset() + at, {zeros.data(), n}));
    }
  }
  CUSTODY_TRY(container_->file()->Sync());
  const std::vector<format::KeyRef> refs = EveryKeyRef(d);
  for (const auto& ref : refs) {
    CUSTODY_ASSIGN(auto rec, container_->ReadHeader(ref.offset()));
    CUSTODY_ASSIGN(bool foreign, HoldsAnotherDocumentsKey(*container_, rec, d.added().doc_id()));
    if (foreign) continue;
    std::vector<uint8_t> kz(rec.header.length, 0);
    CUSTODY_TRY(container_->OverwriteCommitted(rec.payload_offset(), kz));
  }
  return container_->file()->Sync();
}

// The references come from a catalog entry a member may have signed (the
// destroy or approval replayed on open marks it changed): a key record of
// another document, still holding bytes, is never this one's to overwrite.
// It is left alone; audit reports the lying entry (R166).
namespace {
// What a key record an erasure names holds now. Bytes that are no key at
// all are what a torn overwrite of this document's own record leaves (a
// zeroed prefix: protobuf tag 0 never parses): they are overwritten again.
enum class KeyRecordHolds { kZeros, kAnotherDocumentsKey, kToOverwrite };
Result<KeyRecordHolds> InspectKeyRecord(const Container& c, const RecordRef& rec, const std::string& doc_id) {
  CUSTODY_ASSIGN(std::string payload, c.ReadPayloadUnchecked(rec));
  if (payload.find_first_not_of('\0') == std::string::npos) return KeyRecordHolds::kZeros;
  format::WrappedDocumentKey wrap;
  if (wrap.ParseFromString(payload) && wrap.doc_id() != doc_id) return KeyRecordHolds::kAnotherDocumentsKey;
  return KeyRecordHolds::kToOverwrite;
}
}  // namespace

Result<bool> HoldsAnotherDocumentsKey(const Container& c, const RecordRef& rec, const std::string& doc_id) {
  CUSTODY_ASSIGN(KeyRecordHolds holds, InspectKeyRecord(c, rec, doc_id));
  return holds == KeyRecordHolds::kAnotherDocumentsKey;
}

Result<bool> Vault::ErasurePending(const format::DocumentState& d) const {
  if (!d.destroyed() || d.compacted_away()) return false;
  // The key records are overwritten after the ciphertext is synced, but
  // with one sync after them all: a crash may keep any subset of those
  // writes, whole or torn (the current record zeroed, an old one not). The
  // erasure is durable only when nothing is left to overwrite.
  const std::vector<format::KeyRef> refs = EveryKeyRef(d);
  for (const auto& ref : refs) {
    CUSTODY_ASSIGN(auto rec, container_->ReadHeader(ref.offset()));
    CUSTODY_ASSIGN(KeyRecordHolds holds, InspectKeyRecord(*container_, rec, d.added().doc_id()));
    if (holds == KeyRecordHolds::kToOverwrite) return true;
  }
  return false;
}

}  // namespace custody::vault
