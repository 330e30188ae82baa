// CopyIssued: FORMAT.md §3.8, rule R170.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// Who may receive the copy: anyone named by full public keys when it is
// sealed (only their key opens it); a live member cleared for the level when
// it is plaintext, since the ledger then vouches that the bytes went to
// someone allowed to read them.
Status CheckRecipient(const format::Event& e, const VaultState& s, uint32_t level) {
  const auto& x = e.copy_issued();
  const auto& r = x.recipient();
  if (r.ed25519().size() != 32 || r.x25519().size() != 32)
    return Broken(e, "copy to a malformed identity");
  if (x.sealed()) return {};
  const format::Member* m = s.FindMember(r.ed25519());
  if (m == nullptr || m->revoked() || m->clearance() < static_cast<int32_t>(level))
    return Broken(e, "plaintext copy to someone not cleared");
  return {};
}
// R170a: where the vault's profile says so, a second officer cleared for
// the level approves the copy by signing it second (REQUIREMENTS.md 1.3,
// 1.6: copying at the higher levels needs approval).
Status CheckCosigner(const format::Event& e, const std::vector<std::string>& signers,
                     const VaultState& s, uint32_t level) {
  const std::string& cosigner = e.copy_issued().cosigner_ed25519();
  const bool needed = s.cosign_copies_from >= 0 && static_cast<int64_t>(level) >= s.cosign_copies_from;
  if (!needed && cosigner.empty()) return {};
  const format::Member* m = s.FindMember(cosigner);
  if (signers.size() < 2 || signers[1] != cosigner || cosigner == e.actor_ed25519() ||
      !IsOfficer(s, cosigner) || m->clearance() < static_cast<int32_t>(level))
    return Broken(e, "copy without the co-signature of a second officer cleared for its level");
  return {};
}
}  // namespace

Status ApplyCopyIssued(const format::Event& e, const std::vector<std::string>& signers, VaultState& s) {
  const auto& x = e.copy_issued();
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, x.reg_no(), x.doc_id()));
  if (d == nullptr) return Broken(e, "copy of an unknown document");
  const uint32_t level = d->added().level();
  const format::Member* actor = s.FindMember(e.actor_ed25519());
  if (!actor || actor->revoked() || actor->clearance() < static_cast<int32_t>(level))
    return Broken(e, "copy issued by someone not cleared");
  if (d->destroyed()) return Broken(e, "copy of a destroyed document");
  // Numbers are dense and in order: a copy can be neither skipped (hidden
  // between two others) nor issued twice under one number.
  if (uint64_t{x.copy_no()} != uint64_t{d->copies_issued()} + 1 || x.copy_no() > x.of())
    return Broken(e, "copy number out of sequence");
  // A replay from the genesis never holds the next number already; a copy
  // tree a forged checkpoint named might.
  CUSTODY_ASSIGN(const format::CopyState* taken, s.FindCopy(x.reg_no(), x.copy_no()));
  if (taken != nullptr) return Broken(e, "copy number out of sequence");
  if (x.level() != level) return Broken(e, "copy marked with another level than its document's");
  if (x.scope().empty()) return Broken(e, "copy without a distribution scope");
  if (x.sealed() != (x.sealed_hash().size() == 32) || (!x.sealed() && !x.sealed_hash().empty()))
    return Broken(e, "copy's sealed-file hash does not match its kind");
  if (x.return_by_unix() < 0) return Broken(e, "copy with a negative return-by date");
  CUSTODY_TRY(CheckRecipient(e, s, level));
  CUSTODY_TRY(CheckCosigner(e, signers, s, level));
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_copies_issued(x.copy_no());
  doc.set_copies_outstanding(doc.copies_outstanding() + 1);
  format::CopyState c;
  *c.mutable_issued() = x;
  c.set_issued_by(e.actor_ed25519());
  c.set_issued_unix(e.time_unix());
  c.set_status(format::COPY_ISSUED);
  s.copies.Insert(std::move(c));
  return {};
}

}  // namespace custody::vault
