#include "vault/ledger/event_registry.h"

namespace custody::vault {

namespace {
// One line per kind. A table rather than self-registration from each
// events/*.cc: the linker drops unreferenced objects of a static library, so
// self-registered kinds could silently vanish; here every kind is referenced.
constexpr EventKind kEventKinds[] = {
    {format::Event::kVaultCreated, "vault_created", "§3.8, §5.4 R25", &ApplyVaultCreated, true},
    {format::Event::kGranted, "granted", "§3.8, §5.4 R26", &ApplyGranted, true},
    {format::Event::kRevoked, "revoked", "§3.8, §5.4 R27", &ApplyRevoked, true},
    {format::Event::kDocumentAdded, "document_added", "§3.8, §5.4 R28", &ApplyDocumentAdded, false},
    {format::Event::kDocumentExtracted, "document_extracted", "§3.8, §5.4 R29", &ApplyDocumentExtracted, false},
    {format::Event::kDocumentDestroyed, "document_destroyed", "§3.8, §5.4 R30", &ApplyDocumentDestroyed, false},
    {format::Event::kCompacted, "compacted", "§3.8, §3.13, §5.4 R55", &ApplyCompacted, false},
    {format::Event::kUpgraded, "upgraded", "§3.8, §3.15, §5.4 R105", &ApplyUpgraded, true},
    {format::Event::kCopyIssued, "copy_issued", "§3.8, §5.4 R170", &ApplyCopyIssued, false},
    {format::Event::kCopyReturned, "copy_returned", "§3.8, §5.4 R171", &ApplyCopyReturned, false},
    {format::Event::kCopyDisposed, "copy_disposed", "§3.8, §5.4 R173", &ApplyCopyDisposed, false},
    {format::Event::kDeclassificationReviewed, "declassification_reviewed", "§3.8, §5.4 R174", &ApplyDeclassificationReviewed, false},
    {format::Event::kDeclassificationWithdrawn, "declassification_withdrawn", "§3.8, §5.4 R174a", &ApplyDeclassificationWithdrawn, false},
    {format::Event::kDeclassificationApproved, "declassification_approved", "§3.8, §5.4 R175", &ApplyDeclassificationApproved, false},
    {format::Event::kDocumentHandled, "document_handled", "§3.8, §5.4 R176", &ApplyDocumentHandled, false},
    {format::Event::kVaultMounted, "vault_mounted", "§3.8, §5.4 R178", &ApplyVaultMounted, false},
    {format::Event::kVaultUnmounted, "vault_unmounted", "§3.8, §5.4 R179", &ApplyVaultUnmounted, false},
    {format::Event::kDocumentOpened, "document_opened", "§3.8, §5.4 R180", &ApplyDocumentOpened, false},
    {format::Event::kMediumRegistered, "medium_registered", "§3.8, §5.4 R182", &ApplyMediumRegistered, true},
    {format::Event::kMediumCheckedOut, "medium_checked_out", "§3.8, §5.4 R183", &ApplyMediumCheckedOut, true},
    {format::Event::kMediumCheckedIn, "medium_checked_in", "§3.8, §5.4 R184", &ApplyMediumCheckedIn, true},
    {format::Event::kHostBound, "host_bound", "§3.8, §5.4 R185", &ApplyHostBound, true},
    {format::Event::kOpenOutsideBindings, "open_outside_bindings", "§3.8, §5.4 R186", &ApplyOpenOutsideBindings, false},
    {format::Event::kBackupMade, "backup_made", "§3.8, §5.4 R187", &ApplyBackupMade, false},
    {format::Event::kDocumentRenamed, "document_renamed", "§3.8, §5.4 R189", &ApplyDocumentRenamed, false},
    {format::Event::kDocumentWithdrawn, "document_withdrawn", "§3.8, §5.4 R190", &ApplyDocumentWithdrawn, false},
    {format::Event::kDocumentRestored, "document_restored", "§3.8, §5.4 R191", &ApplyDocumentRestored, false},
    {format::Event::kDocumentRevised, "document_revised", "§3.8, §5.4 R192", &ApplyDocumentRevised, false},
};
}  // namespace

std::span<const EventKind> EventKinds() { return kEventKinds; }

const EventKind* FindEventKind(format::Event::KindCase kind) {
  for (const auto& k : kEventKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

bool IsAuthorityKind(format::Event::KindCase kind) {
  const EventKind* k = FindEventKind(kind);
  return k != nullptr && k->authority;
}

}  // namespace custody::vault
