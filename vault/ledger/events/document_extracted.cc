// DocumentExtracted: FORMAT.md §3.8, rule R29.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyDocumentExtracted(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_extracted();
  CUSTODY_ASSIGN(const format::DocumentState* d, DocumentReadBy(e, s, x.reg_no(), x.doc_id(), "extract"));
  // v8: a version the document has had (R29).
  if (x.version() > (d->added().version() == 0 ? 1 : d->added().version()))
    return Broken(e, "extraction of a version the document never had");
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_extract_count(doc.extract_count() + 1);
  return {};
}

}  // namespace custody::vault
