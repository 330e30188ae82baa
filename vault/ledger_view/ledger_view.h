// The ledger as people read it: one line per event for `custody log`, and
// the counters of the yearly report (`custody report`), both from one table
// (event_view.cc: one entry per kind of format::Event).
//
// Everything here is keyless: the ledger names documents by registration
// number only, never by title (titles are encrypted under level keys), and
// the events come through Vault::ForEachVerifiedEvent, so nothing is shown
// that is not part of the history Open verified. Titles are added only by
// the caller, from what an identity may decrypt (TitlesFor).
//
// Not thread-safe: a LedgerView is a plain value built by one walk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "vault/vault.h"

namespace custody::vault {

// A person an event names: a roster member (by key), or a recipient named
// only by the public identity recorded in the event.
struct LogParty {
  std::string name;         // "(not in roster)" if the key was never a member
  std::string fingerprint;  // 16 hex: PublicIdentity::Fingerprint
};

// What a report counts for one event; `level` is the level name the count
// goes to (the document's level at that time).
enum class Tally {
  kRegistered,         // a document added
  kCopyIssued,
  kCopyReturned,       // ends an outstanding copy
  kCopyDestroyed,      // ends an outstanding copy (CopyDisposed, destroyed with a witness)
  kCopyLost,           // ends an outstanding copy (CopyDisposed, lost)
  kDocumentDestroyed,
  kDeclassified,       // from `level` to `to_level` ("public" included)
  kHandled,            // a document dealt with (DocumentHandled)
};
struct TallyEntry {
  Tally tally;
  std::string level;
  std::string to_level;  // kDeclassified only
  int64_t due_unix = 0;  // kCopyIssued: its return-by date; kRegistered: its due date (0: none)
};

// One ledger event, readable.
struct LogEntry {
  uint64_t sequence = 0;
  int64_t time_unix = 0;
  std::string kind;     // the oneof field name, e.g. "copy_issued"
  std::string act;      // "copy issued"; "event <field name>" for a kind this version does not know
  std::string reg_no;   // the document, if the event is about one
  std::string number;   // reg_no, or "REG/N" for a copy
  std::string level;    // the document's level name, if any
  LogParty actor;
  // Another person the event names, with the word for their part:
  // "witness", "to" (a copy's recipient, a grant's member), "member".
  std::vector<std::pair<std::string, LogParty>> others;
  // Free text and facts in the clear, in order: ("purpose", …), ("scope", …),
  // ("reason", …), ("copy", "3 of 5"), ("clearance", "secret") …
  std::vector<std::pair<std::string, std::string>> details;
  std::vector<TallyEntry> tallies;
  std::string title;    // empty unless the caller added it (TitlesFor)
};

// What a walk of the ledger remembers from one event to the next.
struct LedgerMemory {
  // Each document's level (reg_no -> level name) and each copy's
  // ("REG/N" -> level name), as the events so far set them.
  std::map<std::string, std::string> levels;
  // Parties already looked up, by raw Ed25519 key (and recorded name).
  std::map<std::string, LogParty> parties;
  // Pending declassification reviews: reg_no -> the level reviewed to.
  std::map<std::string, std::string> reviews;
};

// The one table: `event` (signed by `signers`, actor first) as a LogEntry,
// updating `memory`. Kinds this version does not know become
// "event <field name>" with no tallies (so a newer ledger still reads).
LogEntry DescribeEvent(const Vault& vault, const format::Event& event,
                       const std::vector<std::string>& signers, LedgerMemory& memory);

struct LogFilter {
  std::string reg;           // a document (its copies included) or one copy "REG/N"; empty: all
  int64_t since_unix = 0;    // events at or after this time; 0: all
  std::optional<AuditAnchor> expect;  // see Vault::ForEachVerifiedEvent
};

// Walks the verified ledger (Vault::ForEachVerifiedEvent) and hands each
// entry that passes `filter` to `fn`, in ledger order. kCorrupt before any
// entry if the ledger read does not verify.
Status ForEachLogEntry(const Vault& vault, const LogFilter& filter,
                       const std::function<Status(LogEntry&&)>& fn);

// reg_no -> title for every document `reader` may read (live ones: titles
// of destroyed documents are gone with their keys). kAuth if `reader` is
// not a live member.
Result<std::map<std::string, std::string>> TitlesFor(const Vault& vault, const Identity& reader);

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) as Unix seconds; kUsage otherwise.
Result<int64_t> ParseUtcTime(const std::string& text);
// [start of `year`, start of `year + 1`) in UTC, as Unix seconds.
std::pair<int64_t, int64_t> UtcYearBounds(int year);

}  // namespace custody::vault
