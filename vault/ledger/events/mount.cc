// VaultMounted, VaultUnmounted, DocumentOpened: FORMAT.md §3.8, rules
// R178-R180 (v6). A mount session is the span between a VaultMounted and
// the VaultUnmounted naming it; a daemon that was killed leaves a session
// without an end, which the register shows as such. None of the three
// changes the state: they are the accountability record of who had the
// vault mounted, where, and which documents they opened.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {

// R179, R180: a session is named by the sequence of its VaultMounted, which
// came before the event that names it.
Status CheckSession(const format::Event& e, uint64_t mounted_at, std::string_view act) {
  if (mounted_at >= e.sequence()) return Broken(e, std::string(act) + " of a mount that comes later");
  return {};
}

}  // namespace

// Who may sign: any live member (R21a, checked for every event before these).
Status ApplyVaultMounted(const format::Event& e, const std::vector<std::string>&, VaultState&) {
  if (e.vault_mounted().host().size() > 255) return Broken(e, "mount host name over 255 bytes");
  return {};
}

Status ApplyVaultUnmounted(const format::Event& e, const std::vector<std::string>&, VaultState&) {
  return CheckSession(e, e.vault_unmounted().mounted_at(), "unmount");
}

Status ApplyDocumentOpened(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& x = e.document_opened();
  CUSTODY_TRY(DocumentReadBy(e, s, x.reg_no(), x.doc_id(), "open"));
  return CheckSession(e, x.mounted_at(), "open");
}

}  // namespace custody::vault
