// The yearly report (REQUIREMENTS.md "Reporting"; `custody report`): what
// the office classified, copied, declassified and destroyed in one UTC
// year, per level, counted from the verified ledger alone (no key), with
// the audit's verdict beside it.
//
// Counts come from the tallies of ledger_view.h's one table: an event is
// counted in the year of its time_unix (the writer's clock, UTC).
// Outstanding and overdue copies are the state at the end of the year
// (events before 1 January of the next year). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "vault/ledger_view/ledger_view.h"
#include "vault/vault.h"

namespace custody::vault {

struct LevelYear {
  std::string level;
  uint64_t registered = 0;
  uint64_t copies_issued = 0;
  uint64_t copies_returned = 0;
  uint64_t copies_destroyed = 0;   // CopyDisposed (destroyed) events; 0 until the ledger has them
  uint64_t copies_lost = 0;        // CopyDisposed (lost)
  uint64_t copies_outstanding = 0; // at the end of the year
  uint64_t copies_overdue = 0;     // of those, past their return-by date at the end of the year
  uint64_t documents_destroyed = 0;
  uint64_t declassified_from = 0;  // documents moved down from this level
  uint64_t declassified_to = 0;    // documents moved down to this level
};

struct YearReport {
  int year = 0;
  std::string vault_id_hex;
  std::string ledger_head_hex;  // the anchor: event_count:ledger_head
  uint64_t event_count = 0;
  std::vector<LevelYear> levels;  // the vault's levels in order, then "public" if anything went there
  // (from, to) -> documents declassified in the year.
  std::map<std::pair<std::string, std::string>, uint64_t> declassified;
  uint64_t events_in_year = 0;
  std::map<std::string, uint64_t> acts_by_member;  // "name (fingerprint)" -> events they signed first
  uint64_t unknown_events_in_year = 0;  // kinds this version does not know (counted nowhere else)
  // Documents past their due date at year end, neither handled nor
  // destroyed by then: nullopt if no document in the ledger records a due
  // date (every one registered before 0.4).
  std::optional<uint64_t> documents_overdue;
  // Filled in by the caller from Vault::Audit (nullopt: not run).
  std::optional<uint64_t> audit_problems;
  std::vector<AuditProblem> problems;
};

// Counts `year` (UTC) from the verified ledger. kCorrupt if the ledger read
// does not verify (Vault::ForEachVerifiedEvent); kUsage for a year outside
// 1970..9999.
// With `expect`, the ledger must hold that anchor (Vault::ForEachVerifiedEvent).
Result<YearReport> BuildYearReport(const Vault& vault, int year, const AuditAnchor* expect = nullptr);

// Writes the report as a printable A4 PDF (vault/pdf/pdf_writer.h) to a new
// file `path` (kIo if it exists: never overwritten), every page footed with
// the vault id, the ledger anchor and "page N of M".
Status WriteYearReportPdf(const std::string& path, const YearReport& report);

}  // namespace custody::vault
