// DocumentExtracted: FORMAT.md §3.8, rule R29.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyDocumentExtracted(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_extracted();
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, x.reg_no(), x.doc_id()));
  if (d == nullptr) return Broken(e, "extract of an unknown document");
  auto* m = s.FindMember(e.actor_ed25519());
  if (!m || m->revoked() || m->clearance() < static_cast<int32_t>(d->added().level()))
    return Broken(e, "extract by someone not cleared");
  if (d->destroyed()) return Broken(e, "extract of a destroyed document");
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_extract_count(doc.extract_count() + 1);
  return {};
}

}  // namespace custody::vault
