// DocumentAdded: FORMAT.md §3.8, rule R28.
#include "format/constants.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
// R28a: the register's details. A due date, when recorded, is the one the
// vault's profile gives (the actor cannot grant themselves more time); a
// custodian is a live member cleared for the level. Documents registered
// before 0.4 carry none of them (all zero), which stays valid.
Status CheckRegistrationDetails(const format::Event& e, const VaultState& s) {
  const auto& a = e.document_added();
  if (a.due_unix() != 0 && a.due_unix() != s.DueUnix(e.time_unix(), a.urgent()))
    return Broken(e, "document due at another time than the vault's profile gives");
  if (a.due_unix() == 0 && a.urgent()) return Broken(e, "urgent document without a due date");
  if (a.classified_until_unix() != 0 && a.classified_until_unix() <= e.time_unix())
    return Broken(e, "classification period that ends before the document is registered");
  if (a.originator().size() > kMaxRegNoBytes * 8) return Broken(e, "document originator too long");
  if (!a.custodian_ed25519().empty()) {
    const format::Member* c = s.FindMember(a.custodian_ed25519());
    if (c == nullptr || c->revoked() || c->clearance() < static_cast<int32_t>(a.level()))
      return Broken(e, "document custodian not a member cleared for its level");
  }
  return {};
}

Status CheckDocumentAdded(const format::Event& e, const VaultState& s) {
  const auto& a = e.document_added();
  auto* m = s.FindMember(e.actor_ed25519());
  if (!m || m->revoked()) return Broken(e, "document added by a non-member");
  if (a.level() >= s.level_names.size()) return Broken(e, "document at an unknown level");
  if (static_cast<int32_t>(a.level()) > m->clearance())
    return Broken(e, "document added above the actor's clearance");
  if (a.doc_id().size() != 16 || a.reg_no().empty() || a.reg_no().size() > kMaxRegNoBytes)
    return Broken(e, "duplicate or malformed document " + a.reg_no().substr(0, kMaxRegNoBytes));
  // R28: the catalog is read for the number; a document id is checked
  // against the documents held in memory (all of them, when replaying from
  // the genesis; FORMAT.md §3.16 on what an open from a checkpoint checks).
  CUSTODY_ASSIGN(const format::DocumentState* same, s.FindDocument(a.reg_no()));
  if (same != nullptr || s.catalog.HoldsDocId(a.doc_id()))
    return Broken(e, "duplicate or malformed document " + a.reg_no());
  if (!ValidKeyRef(a.key(), a.doc_id()) || a.extent().root_hash().size() != 32 || a.version() != 1)
    return Broken(e, "document without a valid key reference or extent hash");
  if (!ValidExtentGeometry(a.extent())) return Broken(e, "document extent geometry out of range");
  return CheckRegistrationDetails(e, s);
}
}  // namespace

Status ApplyDocumentAdded(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(CheckDocumentAdded(e, s));
  const auto& a = e.document_added();
  format::DocumentState d;
  *d.mutable_added() = a;
  *d.mutable_key() = a.key();
  d.set_added_by(e.actor_ed25519());
  s.catalog.Insert(std::move(d));
  ++s.reg_counters[a.level()];
  ++s.live_documents[a.level()];
  return {};
}

}  // namespace custody::vault
