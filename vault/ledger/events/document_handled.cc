// DocumentHandled: FORMAT.md §3.8, rule R176.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyDocumentHandled(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_handled();
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, x.reg_no(), x.doc_id()));
  if (d == nullptr) return Broken(e, "handling of an unknown document");
  auto* m = s.FindMember(e.actor_ed25519());
  if (!m || m->revoked() || m->clearance() < static_cast<int32_t>(d->added().level()))
    return Broken(e, "document handled by someone not cleared");
  if (d->destroyed()) return Broken(e, "handling of a destroyed document");
  if (d->handled_unix() != 0) return Broken(e, "document handled twice");
  auto& doc = s.catalog.Mutable(x.reg_no());
  doc.set_handled_unix(e.time_unix() == 0 ? 1 : e.time_unix());
  doc.set_handled_by(e.actor_ed25519());
  return {};
}

}  // namespace custody::vault
