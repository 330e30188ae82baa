// The rules and the effect of each kind of ledger event, one file each in
// this folder, named after the kind's field in format::Event's `kind` oneof
// (the three declassification kinds share declassification.cc and its rules
// for the pending review; the three mount kinds share mount.cc; media, hosts and backups share
// bindings.cc; renaming, withdrawal, restoring and revision share document_life.cc).
// Internal to vault/ledger: reached through the registry (event_registry.h).
//
// Every function has the same contract. It is called by VaultState::Apply
// after the checks common to all events (R18, R21a, R22) and before
// event_count is incremented. It checks the kind's rule (FORMAT.md §5.4,
// rule id in the registry) against `state` and `signers` (raw Ed25519 keys,
// signatures already verified, actor first). If every check holds it applies
// the effect to `state` and returns ok; otherwise it returns Broken(...)
// (kCorrupt naming the rule) and `state` is unchanged: all checks come
// before the first change. It touches neither event_count nor ledger_head.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/ledger/state.h"

namespace custody::vault {

using ApplyEventFn = Status (*)(const format::Event& e, const std::vector<std::string>& signers,
                                VaultState& state);

Status ApplyVaultCreated(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyGranted(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyRevoked(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentAdded(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentExtracted(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentDestroyed(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyUpgraded(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyCompacted(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyCopyIssued(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyCopyReturned(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyCopyDisposed(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDeclassificationReviewed(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDeclassificationWithdrawn(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDeclassificationApproved(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentHandled(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyVaultMounted(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyVaultUnmounted(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentOpened(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyMediumRegistered(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyMediumCheckedOut(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyMediumCheckedIn(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyHostBound(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyOpenOutsideBindings(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyBackupMade(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentRenamed(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentWithdrawn(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentRestored(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);
Status ApplyDocumentRevised(const format::Event& e, const std::vector<std::string>& signers, VaultState& state);

// Not a kind: R188, Event.host (v7) is well formed where present. Checked
// for every event by VaultState::Apply.
Status CheckEventHost(const format::Event& e);

}  // namespace custody::vault
