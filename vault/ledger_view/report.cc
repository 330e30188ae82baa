#include "vault/ledger_view/report.h"

namespace custody::vault {

namespace {

// Where a tally lands: one row per level name, added on first use (a
// level of the vault, or "public").
LevelYear& RowFor(YearReport& r, const std::string& level) {
  for (auto& row : r.levels)
    if (row.level == level) return row;
  r.levels.push_back(LevelYear{.level = level});
  return r.levels.back();
}

struct OutstandingCopy {
  std::string level;
  int64_t return_by_unix = 0;
};

}  // namespace

Result<YearReport> BuildYearReport(const Vault& vault, int year, const AuditAnchor* expect) {
  if (year < 1970 || year > 9999)
    return Fail(Code::kUsage, "--year takes a year from 1970 to 9999, not " + std::to_string(year));
  const auto [start, end] = UtcYearBounds(year);
  YearReport r;
  r.year = year;
  r.vault_id_hex = vault.id_hex();
  r.event_count = vault.event_count();
  r.ledger_head_hex = vault.ledger_head_hex();
  for (const auto& name : vault.level_names()) RowFor(r, name);
  std::map<std::string, OutstandingCopy> outstanding;  // "REG/N", as of the end of the year
  // Documents with a due date not yet met (handled or destroyed), as of the
  // end of the year: reg_no -> due date.
  std::map<std::string, int64_t> unhandled;
  bool dates_recorded = false;
  LedgerMemory memory;
  CUSTODY_TRY(vault.ForEachVerifiedEvent([&](const format::Event& ev, const std::vector<std::string>& signers) -> Status {
    LogEntry e = DescribeEvent(vault, ev, signers, memory);
    if (e.time_unix >= end) return {};
    const bool in_year = e.time_unix >= start;
    if (in_year) {
      ++r.events_in_year;
      ++r.acts_by_member[e.actor.name + " (" + e.actor.fingerprint + ")"];
      if (e.act.starts_with("event ")) ++r.unknown_events_in_year;
    }
    for (const TallyEntry& t : e.tallies) {
      // The copy's life runs across years: outstanding is the state at the
      // end of this one, whenever the copy was issued.
      switch (t.tally) {
        case Tally::kCopyIssued:
          outstanding[e.number] = {t.level, t.due_unix};
          break;
        case Tally::kCopyReturned:
        case Tally::kCopyDestroyed:
        case Tally::kCopyLost:
          outstanding.erase(e.number);
          break;
        case Tally::kRegistered:
          if (t.due_unix != 0) {
            unhandled[e.reg_no] = t.due_unix;
            dates_recorded = true;
          }
          break;
        case Tally::kHandled:
        case Tally::kDocumentDestroyed:
          unhandled.erase(e.reg_no);
          break;
        default:
          break;
      }
      if (!in_year) continue;
      LevelYear& row = RowFor(r, t.level);
      switch (t.tally) {
        case Tally::kRegistered: ++row.registered; break;
        case Tally::kCopyIssued: ++row.copies_issued; break;
        case Tally::kCopyReturned: ++row.copies_returned; break;
        case Tally::kCopyDestroyed: ++row.copies_destroyed; break;
        case Tally::kCopyLost: ++row.copies_lost; break;
        case Tally::kDocumentDestroyed: ++row.documents_destroyed; break;
        case Tally::kDeclassified:
          ++row.declassified_from;
          ++RowFor(r, t.to_level).declassified_to;
          ++r.declassified[{t.level, t.to_level}];
          break;
        case Tally::kHandled: break;
      }
    }
    return {};
  }, expect, LedgerWalk::kVisitWhileVerifying));  // `r` is dropped unless the whole chain verifies
  for (const auto& [number, c] : outstanding) {
    LevelYear& row = RowFor(r, c.level);
    ++row.copies_outstanding;
    if (c.return_by_unix != 0 && c.return_by_unix < end) ++row.copies_overdue;
  }
  if (dates_recorded) {
    uint64_t overdue = 0;
    for (const auto& [reg, due] : unhandled) overdue += due < end;
    r.documents_overdue = overdue;
  }
  return r;
}

}  // namespace custody::vault
