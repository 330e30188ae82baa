// A document's life in a mounted folder (format v8): DocumentRenamed,
// DocumentWithdrawn, DocumentRestored and DocumentRevised. FORMAT.md §3.8,
// rules R189-R192.
//
// What a forger gains by writing one: nothing without a member's signature
// (R18). A member gains only what the rules allow: a staff member renames,
// withdraws and revises documents of the levels they are cleared for, never
// above; only an officer restores; a withdrawn or destroyed document cannot
// be renamed or revised; a version number only ever goes up by one, so an
// earlier version can neither be dropped nor replayed as the current one.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// The document an event of this file acts on: named by number and id, and
// the actor a live member cleared for its level. Not destroyed; not
// withdrawn unless `withdrawn_ok`.
Result<const format::DocumentState*> DocumentChangedBy(const format::Event& e, const VaultState& s,
                                                       const std::string& reg_no, const std::string& doc_id,
                                                       std::string_view act) {
  CUSTODY_ASSIGN(const format::DocumentState* d, DocumentReadBy(e, s, reg_no, doc_id, act));
  if (d->withdrawn()) return Broken(e, std::string(act) + " of a withdrawn document");
  return d;
}

// The document's current key record becomes a superseded one (overwritten
// with the others when the document is destroyed).
void ReplaceKey(format::DocumentState& doc, const format::KeyRef& key) {
  *doc.add_old_keys() = doc.key();
  *doc.mutable_key() = key;
}
}  // namespace

Status ApplyDocumentRenamed(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_renamed();
  CUSTODY_TRY(DocumentChangedBy(e, s, x.reg_no(), x.doc_id(), "renaming"));
  if (!ValidKeyRef(x.key(), x.doc_id())) return Broken(e, "renaming without a valid key reference");
  ReplaceKey(s.catalog.Mutable(x.reg_no()), x.key());
  return {};
}

Status ApplyDocumentWithdrawn(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_withdrawn();
  CUSTODY_TRY(DocumentChangedBy(e, s, x.reg_no(), x.doc_id(), "withdrawal"));
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_withdrawn(true);
  doc.set_withdrawn_unix(e.time_unix() == 0 ? 1 : e.time_unix());
  doc.set_withdrawn_by(e.actor_ed25519());
  return {};
}

Status ApplyDocumentRestored(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_restored();
  CUSTODY_TRY(RequireOfficer(e, s, "restoring"));
  CUSTODY_ASSIGN(const format::DocumentState* d, DocumentReadBy(e, s, x.reg_no(), x.doc_id(), "restoring"));
  if (!d->withdrawn()) return Broken(e, "restoring a document that is not withdrawn");
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_withdrawn(false);
  doc.clear_withdrawn_unix();
  doc.clear_withdrawn_by();
  return {};
}

Status ApplyDocumentRevised(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_revised();
  CUSTODY_ASSIGN(const format::DocumentState* d, DocumentChangedBy(e, s, x.reg_no(), x.doc_id(), "revision"));
  if (x.version() != d->added().version() + 1)
    return Broken(e, "revision that is not the next version");
  if (!ValidKeyRef(x.key(), x.doc_id())) return Broken(e, "revision without a valid key reference");
  if (!ValidExtentGeometry(x.extent())) return Broken(e, "revision extent geometry out of range");
  auto& doc = s.catalog.Mutable(x.reg_no());
  auto* earlier = doc.add_earlier_versions();
  earlier->set_version(doc.added().version());
  *earlier->mutable_extent() = doc.added().extent();
  *earlier->mutable_key() = doc.key();  // its own data key: still readable, erased on destroy
  doc.mutable_added()->set_version(x.version());
  *doc.mutable_added()->mutable_extent() = x.extent();
  *doc.mutable_key() = x.key();
  return {};
}

}  // namespace custody::vault
