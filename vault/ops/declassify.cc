// Two-person declassification (REQUIREMENTS.md 1.11, 1.12; FORMAT.md §3.8
// R174-R175): a review by one officer, an approval by another, and the move
// of the document's key to the new level, the old wraps overwritten.
#include "crypto/hash.h"
#include "vault/keys/document_key.h"
#include "vault/ops/internal.h"

namespace custody::vault {

namespace {
std::string Name(const Identity& id) { return "'" + id.public_identity().name + "'"; }
}  // namespace

// The checks every step shares, before anything is written: an officer,
// cleared for the document's current level, on a live document.
Result<const format::DocumentState*> Vault::DeclassificationTarget(const Identity& officer,
                                                                  const KeyRing& ring,
                                                                  const std::string& reg_no,
                                                                  std::string_view act) const {
  const format::Member* me = state_->FindMember(SigningKeyOf(officer));
  CUSTODY_TRY(RequireOfficer(*me, officer, act));
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring.Has(d->added().level()))
    return Fail(Code::kNotCleared, Name(officer) + " is not cleared for document " + reg_no + " (" +
                                       state_->level_names[d->added().level()] + ")");
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was destroyed");
  return d;
}

Status Vault::ReviewDeclassification(const Identity& officer, const std::string& reg_no,
                                     std::optional<Level> to, const std::string& reason) {
  if (to) CUSTODY_TRY(CheckLevel(*to));
  CUSTODY_ASSIGN(auto ring, Unlock(officer));
  CUSTODY_ASSIGN(const format::DocumentState* d,
                 DeclassificationTarget(officer, *ring, reg_no, "review a declassification"));
  const uint32_t level = d->added().level();
  const std::string now_name = d->is_public() ? "public" : state_->level_names[level];
  if (to ? to->index() >= level : d->is_public())
    return Fail(Code::kUsage, "declassifying " + reg_no + " must lower its level; it is " + now_name +
                                  (to ? ", not above " + state_->level_names[to->index()] : ""));
  if (reason.empty()) return Fail(Code::kUsage, "a reason for the declassification is required");
  if (d->earlier_versions_size() > 0)
    return Fail(Code::kUsage, "document " + reg_no + " has " + std::to_string(d->earlier_versions_size()) +
                                  " earlier version(s), which a declassification would leave at " + now_name +
                                  "; this version cannot declassify a revised document");
  if (d->has_review()) {
    const auto& r = d->review();
    if (r.reviewer() == SigningKeyOf(officer))
      return Fail(Code::kUsage, Name(officer) + " already reviewed " + reg_no + " on " +
                                    UtcDateTime(r.reviewed_unix()) +
                                    "; a second officer approves it (declassify --approve)");
    return Fail(Code::kUsage, "a declassification of " + reg_no + " reviewed by " +
                                  MemberName(r.reviewer()) +
                                  " is pending; approve or withdraw it first");
  }
  format::Event ev;
  auto* x = ev.mutable_declassification_reviewed();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(reg_no);
  x->set_from_level(level);
  x->set_to_level(to ? to->index() : 0);
  x->set_to_public(!to);
  x->set_reason(reason);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Status Vault::WithdrawDeclassification(const Identity& officer, const std::string& reg_no,
                                       const std::string& reason) {
  CUSTODY_ASSIGN(auto ring, Unlock(officer));
  CUSTODY_ASSIGN(const format::DocumentState* d,
                 DeclassificationTarget(officer, *ring, reg_no, "withdraw a declassification"));
  if (!d->has_review())
    return Fail(Code::kNotFound, "no declassification of " + reg_no + " is pending");
  format::Event ev;
  auto* x = ev.mutable_declassification_withdrawn();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(reg_no);
  x->set_reason(reason);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Status Vault::ApproveDeclassification(const Identity& officer, const std::string& reg_no) {
  CUSTODY_ASSIGN(auto ring, Unlock(officer));
  CUSTODY_ASSIGN(const format::DocumentState* d,
                 DeclassificationTarget(officer, *ring, reg_no, "approve a declassification"));
  if (!d->has_review())
    return Fail(Code::kNotFound, "no declassification of " + reg_no +
                                     " is pending; an officer reviews it first (declassify --review)");
  const format::DeclassificationReview review = d->review();
  if (review.reviewer() == SigningKeyOf(officer))
    return Fail(Code::kUsage, Name(officer) + " reviewed this declassification of " + reg_no +
                                  "; a different officer must approve it");
  // The data key and metadata, wrapped anew under the target level's
  // current key. The data itself does not change (its chunks are bound to
  // the document, not to a level).
  const uint32_t from = d->added().level(), to = review.to_level();
  CUSTODY_ASSIGN(auto wrap, LoadWrap(*d));
  auto old_key = LevelKeyAt(*ring, *state_, from, wrap.epoch());
  if (!old_key) return std::unexpected(old_key.error().With("document " + reg_no));
  auto data_key = UnwrapDataKey(old_key->span(), state_->vault_id, wrap);
  if (!data_key) return Fail(Code::kCorrupt, "document " + reg_no + ": its data key does not unwrap");
  CUSTODY_ASSIGN(auto meta, OpenMetadata(old_key->span(), state_->vault_id, wrap));
  const std::string doc_id = d->added().doc_id();
  const std::string new_wrap =
      WrapDocumentKey(ring->Key(to), {state_->vault_id, doc_id, to, state_->epochs[to]},
                      data_key->span(), meta)
          .SerializeAsString();
  WriteScope scope(this);
  CUSTODY_ASSIGN(uint64_t key_at, container_->Append(format::RecordType::kKey, new_wrap));
  format::Event ev;
  auto* x = ev.mutable_declassification_approved();
  x->set_doc_id(doc_id);
  x->set_reg_no(reg_no);
  x->mutable_key()->set_offset(key_at);
  x->mutable_key()->set_hash(crypto::HashToString(crypto::Blake2b256(new_wrap)));
  x->mutable_key()->set_doc_id(doc_id);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  // As for a destruction: no checkpoint in this commit, so an overwrite cut
  // short by a crash is completed on the next write access from the
  // verified event, never from a catalog entry someone could forge.
  CUSTODY_TRY(CommitAll(officer, scope, CheckpointPolicy::kNever));
  CUSTODY_ASSIGN(const format::DocumentState* moved, state_->FindDocument(reg_no));
  if (auto s = EraseSupersededKeys(*moved); !s)
    return Fail(s.error().code, "the declassification of " + reg_no +
                                    " is recorded, but overwriting its old key records failed (" +
                                    s.error().message + "); the next write access to the vault completes it");
  return {};
}

Status Vault::EraseSupersededKeys(const format::DocumentState& d) {
  // Checked first, all of them: only KEY records are ever overwritten.
  for (const auto& ref : d.erased_keys()) {
    auto rec = container_->ReadHeader(ref.offset());
    if (!rec || rec->header.type != format::RecordType::kKey)
      return Fail(Code::kCorrupt, "document " + d.added().reg_no() +
                                      ": a superseded key record is not where the ledger says; nothing overwritten");
  }
  bool wrote = false;
  for (const auto& ref : d.erased_keys()) {
    CUSTODY_ASSIGN(auto rec, container_->ReadHeader(ref.offset()));
    CUSTODY_ASSIGN(std::string payload, container_->ReadPayloadUnchecked(rec));
    if (payload.find_first_not_of('\0') == std::string::npos) continue;
    // The list may come from a catalog entry a member signed, not from the
    // approval itself: only this document's own superseded wraps are ever
    // erased, never its current one (HoldsAnotherDocumentsKey, destroy.cc).
    CUSTODY_ASSIGN(bool foreign, HoldsAnotherDocumentsKey(*container_, rec, d.added().doc_id()));
    if (foreign || ref.offset() == d.key().offset()) continue;
    std::vector<uint8_t> zeros(rec.header.length, 0);
    CUSTODY_TRY(container_->OverwriteCommitted(rec.payload_offset(), zeros));
    wrote = true;
  }
  return wrote ? container_->file()->Sync() : Status{};
}

}  // namespace custody::vault
