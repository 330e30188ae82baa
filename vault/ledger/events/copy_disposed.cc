// CopyDisposed: FORMAT.md §3.8, rule R173.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
Status CheckCopyDisposed(const format::Event& e, const std::vector<std::string>& signers,
                         const VaultState& s) {
  const auto& x = e.copy_disposed();
  CUSTODY_TRY(RequireOfficer(e, s, "disposal of a copy"));
  CUSTODY_ASSIGN(const format::CopyState* c, s.FindCopy(x.reg_no(), x.copy_no()));
  if (c == nullptr || c->issued().doc_id() != x.doc_id())
    return Broken(e, "disposal of a copy never issued");
  if (x.reason().empty()) return Broken(e, "disposal of a copy without a reason");
  if (x.lost()) {
    // Only a copy out of the office's hands can be lost; no one witnesses
    // a loss, so the event names no witness.
    if (!x.witness_ed25519().empty()) return Broken(e, "a lost copy with a witness");
    if (c->status() != format::COPY_ISSUED) return Broken(e, "a copy not outstanding declared lost");
    return {};
  }
  // Destroyed like a document (R30): an officer and a distinct witness from
  // the roster, who signs second. An issued copy destroyed by its holder
  // under witness, or a returned one destroyed by the office.
  if (signers.size() < 2 || signers[1] != x.witness_ed25519() || signers[1] == e.actor_ed25519() ||
      !IsLiveMember(s, signers[1]))
    return Broken(e, "copy destroyed without a distinct witness from the roster");
  if (c->status() != format::COPY_ISSUED && c->status() != format::COPY_RETURNED)
    return Broken(e, "copy disposed of twice");
  return {};
}
}  // namespace

Status ApplyCopyDisposed(const format::Event& e, const std::vector<std::string>& signers,
                         VaultState& s) {
  CUSTODY_TRY(CheckCopyDisposed(e, signers, s));
  const auto& x = e.copy_disposed();
  CUSTODY_ASSIGN(const format::CopyState* found, s.FindCopy(x.reg_no(), x.copy_no()));  // held: checked
  if (found->status() == format::COPY_ISSUED) {
    CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, x.reg_no(), x.doc_id()));
    if (d == nullptr || d->copies_outstanding() == 0)
      return Broken(e, "disposal of a copy never issued");
    auto& doc = s.catalog.Mutable(x.reg_no());
    doc.set_copies_outstanding(doc.copies_outstanding() - 1);
  }
  auto& copy = s.copies.Mutable(CopyKey(x.reg_no(), x.copy_no()));
  copy.set_status(x.lost() ? format::COPY_LOST : format::COPY_DESTROYED);
  copy.set_disposed_unix(e.time_unix());
  copy.set_disposed_by(e.actor_ed25519());
  copy.set_witness(x.witness_ed25519());
  copy.set_reason(x.reason());
  return {};
}

}  // namespace custody::vault
