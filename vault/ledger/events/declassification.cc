// Two-person declassification (REQUIREMENTS.md 1.11, 1.12): the
// DeclassificationReviewed, DeclassificationWithdrawn and
// DeclassificationApproved kinds, FORMAT.md §3.8, rules R174, R174a, R175.
// One file for the three: they share the pending review's rules.
#include "format/constants.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// The document named by the event, live, and an actor who is an officer
// cleared for its current level.
Result<const format::DocumentState*> ClearedOfficerOnLiveDocument(const format::Event& e,
                                                                 const VaultState& s,
                                                                 const std::string& reg_no,
                                                                 const std::string& doc_id,
                                                                 std::string_view act) {
  CUSTODY_TRY(RequireOfficer(e, s, act));
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, reg_no, doc_id));
  if (d == nullptr) return Broken(e, std::string(act) + " of an unknown document");
  if (d->destroyed()) return Broken(e, std::string(act) + " of a destroyed document");
  if (s.FindMember(e.actor_ed25519())->clearance() < static_cast<int32_t>(d->added().level()))
    return Broken(e, std::string(act) + " by an officer not cleared for the document's level");
  return d;
}
}  // namespace

Status ApplyDeclassificationReviewed(const format::Event& e, const std::vector<std::string>&,
                                     VaultState& s) {
  const auto& x = e.declassification_reviewed();
  CUSTODY_ASSIGN(const auto* d, ClearedOfficerOnLiveDocument(e, s, x.reg_no(), x.doc_id(),
                                                            "declassification review"));
  const uint32_t level = d->added().level();
  if (x.from_level() != level) return Broken(e, "declassification review from another level than the document's");
  const bool lowers = x.to_public() ? x.to_level() == 0 && !d->is_public() : x.to_level() < level;
  if (!lowers) return Broken(e, "declassification that does not lower the level");
  if (x.reason().empty()) return Broken(e, "declassification review without a reason");
  // v8: earlier versions' key records stay wrapped at the old level; a
  // declassification moves one version only, so it is not allowed.
  if (d->earlier_versions_size() > 0) return Broken(e, "declassification of a document with earlier versions");
  if (d->has_review())
    return Broken(e, d->review().reviewer() == e.actor_ed25519()
                         ? "second declassification review by the same officer"
                         : "declassification review while another is pending");
  auto& doc = s.catalog.Mutable(x.reg_no());
  auto* r = doc.mutable_review();
  r->set_reviewer(e.actor_ed25519());
  r->set_reviewed_unix(e.time_unix());
  r->set_to_level(x.to_level());
  r->set_to_public(x.to_public());
  r->set_reason(x.reason());
  return {};
}

Status ApplyDeclassificationWithdrawn(const format::Event& e, const std::vector<std::string>&,
                                      VaultState& s) {
  const auto& x = e.declassification_withdrawn();
  CUSTODY_ASSIGN(const auto* d, ClearedOfficerOnLiveDocument(e, s, x.reg_no(), x.doc_id(),
                                                            "declassification withdrawal"));
  if (!d->has_review()) return Broken(e, "declassification withdrawn with no pending review");
  s.catalog.Mutable(x.reg_no()).clear_review();
  return {};
}

Status ApplyDeclassificationApproved(const format::Event& e, const std::vector<std::string>&,
                                     VaultState& s) {
  const auto& x = e.declassification_approved();
  CUSTODY_ASSIGN(const auto* d, ClearedOfficerOnLiveDocument(e, s, x.reg_no(), x.doc_id(),
                                                            "declassification approval"));
  if (!d->has_review()) return Broken(e, "declassification approved with no pending review");
  // The second person of REQUIREMENTS.md 1.12: never the reviewer.
  if (d->review().reviewer() == e.actor_ed25519())
    return Broken(e, "declassification approved by its reviewer");
  const auto& k = x.key();
  if (k.hash().size() != 32 || k.doc_id() != x.doc_id() || k.offset() < format::kLogStart ||
      k.offset() == d->key().offset())
    return Broken(e, "declassification approval without a valid new key reference");
  for (const auto& old : d->old_keys())
    if (old.offset() == k.offset()) return Broken(e, "declassification approval without a valid new key reference");
  const uint32_t from = d->added().level();
  auto& doc = s.catalog.Mutable(x.reg_no());
  const format::DeclassificationReview review = doc.review();
  // Every record that wrapped the data key under a higher level is
  // overwritten by the writer after this commit; audit checks it (R175).
  for (const auto& old : doc.old_keys()) *doc.add_erased_keys() = old;
  *doc.add_erased_keys() = doc.key();
  doc.clear_old_keys();
  *doc.mutable_key() = k;
  doc.mutable_added()->set_level(review.to_level());
  doc.set_is_public(review.to_public());
  doc.clear_review();
  --s.live_documents[from];
  ++s.live_documents[review.to_level()];
  return {};
}

}  // namespace custody::vault
