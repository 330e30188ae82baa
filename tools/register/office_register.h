// The office register: the keyless outputs of many vaults (audit, copies and
// report --json, wipe certificates) gathered in one SQLite database, and the
// questions an office asks across its drives. Schema: docs/REGISTER.md.
// Knows SQLite and the JSON inputs; prints nothing (tools/custody does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace custody::office {

// PRAGMA user_version (and the schema_version table) of the databases this
// code writes. A database with a larger one is refused (kCorrupt).
inline constexpr int64_t kSchemaVersion = 1;

// One input file, as read from disk.
struct Input {
  std::string name;   // the file name, for messages
  std::string bytes;  // its contents
};

// What an import did, one line per input (kind and outcome).
struct ImportLine {
  std::string name;
  std::string kind;     // "audit", "copies", "report", "certificate"
  std::string outcome;  // "recorded", "already on file", "ROLLBACK flagged: …"
};

// Loads `inputs` into the register at `db_path` (created if absent), all in
// one transaction: any input that is not JSON or not one of the four kinds
// (kCorrupt, naming the file) leaves the database unchanged. `now_unix` is the
// import time recorded.
Result<std::vector<ImportLine>> Import(const std::string& db_path, const std::vector<Input>& inputs,
                                       int64_t now_unix);

struct VaultRow {
  std::string vault_id, label, medium;  // medium: the path the vault was audited at
  uint64_t events = 0;
  std::string ledger_head, highest_level, last_audited;
  uint64_t documents_live = 0, documents_destroyed = 0, problems = 0;
  bool ok = true;
};
struct LevelRow {
  std::string level;
  uint64_t vaults = 0, registered = 0, documents_destroyed = 0, copies_outstanding = 0;
};
struct CopyRow {
  std::string vault_id, copy, level, recipient, recipient_fingerprint, issued, return_by;
  bool overdue = false;
};
struct CertificateRow {
  std::string id, kind;  // kind: "destruction" (reason scrap) or "wipe"
  std::string reason, target, model, serial, method, result, finished, operator_name, witness_name;
  std::string signatures;  // "verified"
};
struct RollbackRow {
  std::string vault_id, seen_anchor, held_anchor, source, detected;
};
struct RegisterReport {
  int64_t schema_version = 0;
  std::vector<VaultRow> vaults;
  std::vector<LevelRow> levels;  // from each vault's newest yearly report
  std::vector<CopyRow> copies_outstanding;
  std::optional<std::string> since;           // --since, as given
  std::vector<std::string> not_audited;       // vault ids not audited since then
  std::vector<CertificateRow> certificates;
  std::vector<RollbackRow> rollbacks;
};

// Reads the register (read-only; kNotFound if there is none, kCorrupt if it
// is not one or is of a newer schema). `since_unix`: vaults whose newest
// audit is older are listed in not_audited.
Result<RegisterReport> BuildReport(const std::string& db_path, int64_t now_unix,
                                   std::optional<int64_t> since_unix, const std::string& since_text);

Json ReportJson(const std::string& db_path, const RegisterReport& r);
// A4 printout (vault/pdf), written as a new file.
Status WriteReportPdf(const std::string& path, const std::string& db_path, const RegisterReport& r);

}  // namespace custody::office
