// The register's dates (REQUIREMENTS.md 1.4, 1.5, 4.7): marking a
// document handled, and what is overdue.
#include "vault/ops/internal.h"

namespace custody::vault {

Status Vault::MarkHandled(const Identity& actor, const std::string& reg_no, const std::string& note) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring->Has(d->added().level()))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was destroyed");
  if (d->handled_unix() != 0)
    return Fail(Code::kUsage, "document " + reg_no + " was already handled on " +
                                  UtcDateTime(d->handled_unix()) + " by " + MemberName(d->handled_by()));
  format::Event ev;
  auto* x = ev.mutable_document_handled();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(reg_no);
  x->set_note(note);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  return CommitAll(actor, scope);
}

Result<std::vector<DueItem>> Vault::ListDue(int64_t now) const {
  std::vector<DueItem> overdue, ended, withdrawn;
  CUSTODY_TRY(state_->catalog.ForEach([&](const format::DocumentState& d) -> Status {
    if (d.destroyed()) return {};
    const auto& a = d.added();
    const std::string level = d.is_public() ? "public" : state_->level_names[a.level()];
    const std::string who = MemberName(a.custodian_ed25519().empty() ? d.added_by() : a.custodian_ed25519());
    if (a.due_unix() != 0 && d.handled_unix() == 0 && now > a.due_unix())
      overdue.push_back({"document", a.reg_no(), level, a.due_unix(), who});
    if (!d.is_public() && a.classified_until_unix() != 0 && now > a.classified_until_unix())
      ended.push_back({"classification", a.reg_no(), level, a.classified_until_unix(), who});
    // v8: taken out of its folder; an officer destroys it with a witness or restores it.
    if (d.withdrawn()) withdrawn.push_back({"withdrawn", a.reg_no(), level, d.withdrawn_unix(), MemberName(d.withdrawn_by())});
    return {};
  }));
  CUSTODY_TRY(state_->copies.ForEach([&](const format::CopyState& c) -> Status {
    const auto& x = c.issued();
    if (c.status() != format::COPY_ISSUED || x.return_by_unix() == 0 || now <= x.return_by_unix()) return {};
    overdue.push_back({"copy", x.reg_no() + "/" + std::to_string(x.copy_no()),
                       x.level() < state_->level_names.size() ? state_->level_names[x.level()] : "?",
                       x.return_by_unix(), x.recipient().name()});
    return {};
  }));
  overdue.insert(overdue.end(), ended.begin(), ended.end());
  overdue.insert(overdue.end(), withdrawn.begin(), withdrawn.end());
  return overdue;
}

}  // namespace custody::vault
