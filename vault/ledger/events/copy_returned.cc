// CopyReturned: FORMAT.md §3.8, rule R171.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyCopyReturned(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.copy_returned();
  // Only an officer takes a copy back: a holder cannot sign their own copy
  // off as returned.
  CUSTODY_TRY(RequireOfficer(e, s, "return a copy"));
  CUSTODY_ASSIGN(const format::CopyState* c, s.FindCopy(x.reg_no(), x.copy_no()));
  if (c == nullptr || c->issued().doc_id() != x.doc_id())
    return Broken(e, "return of a copy never issued");
  if (c->status() != format::COPY_ISSUED) return Broken(e, "copy returned twice");
  // A sealed copy comes back as the very file issued: its hash is bound.
  if (c->issued().sealed() && x.returned_hash() != c->issued().sealed_hash())
    return Broken(e, "sealed copy returned with other bytes than issued");
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, x.reg_no(), x.doc_id()));
  if (d == nullptr || d->copies_outstanding() == 0)
    return Broken(e, "return of a copy never issued");
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_copies_outstanding(doc.copies_outstanding() - 1);
  auto& copy = s.copies.Mutable(CopyKey(x.reg_no(), x.copy_no()));  // found by the check
  copy.set_status(format::COPY_RETURNED);
  copy.set_returned_unix(e.time_unix());
  copy.set_returned_by(e.actor_ed25519());
  return {};
}

}  // namespace custody::vault
