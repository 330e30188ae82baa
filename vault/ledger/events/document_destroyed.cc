// DocumentDestroyed: FORMAT.md §3.8, rule R30.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyDocumentDestroyed(const format::Event& e, const std::vector<std::string>& signers,
                              VaultState& s) {
  const auto& d = e.document_destroyed();
  const std::string& actor = e.actor_ed25519();
  CUSTODY_TRY(RequireOfficer(e, s, "destroy"));
  if (signers.size() < 2 || signers[1] != d.witness_ed25519() || signers[1] == actor ||
      !IsLiveMember(s, signers[1]))
    return Broken(e, "destroy without a distinct witness from the roster");
  CUSTODY_ASSIGN(const auto* doc, FindNamedDocument(s, d.reg_no(), d.doc_id()));
  if (doc == nullptr) return Broken(e, "destroy of an unknown document");
  if (doc->destroyed()) return Broken(e, "document destroyed twice");
  auto& target = s.catalog.Mutable(d.reg_no());
  --s.live_documents[target.added().level()];
  target.set_destroyed(true);
  target.set_destroyed_unix(e.time_unix());
  target.set_destroyed_by(actor);
  return {};
}

}  // namespace custody::vault
