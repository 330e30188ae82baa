// Import and report of the office register (office_register.h). Every SQL
// statement here is plain SQL-92 with ON CONFLICT (SQLite ≥ 3.24 and
// PostgreSQL ≥ 9.5 spell it alike): see README "Office register".
#include "tools/register/office_register.h"

#include <ctime>

#include "tools/register/sqlite_db.h"
#include "vault/disposal/certificate.h"

namespace custody::office {

namespace {

// The schema of docs/REGISTER.md, version 1.
constexpr const char* kSchema = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE vaults (
  vault_id TEXT PRIMARY KEY, label TEXT NOT NULL, medium TEXT NOT NULL,
  events INTEGER NOT NULL, ledger_head TEXT NOT NULL);
CREATE TABLE audits (
  vault_id TEXT NOT NULL REFERENCES vaults(vault_id), events INTEGER NOT NULL,
  ledger_head TEXT NOT NULL, medium TEXT NOT NULL, label TEXT NOT NULL,
  highest_level TEXT NOT NULL, documents_live INTEGER NOT NULL,
  documents_destroyed INTEGER NOT NULL, problems INTEGER NOT NULL, ok INTEGER NOT NULL,
  audited TEXT NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (vault_id, events, ledger_head));
CREATE TABLE rollbacks (
  vault_id TEXT NOT NULL, events INTEGER NOT NULL, ledger_head TEXT NOT NULL,
  held_events INTEGER NOT NULL, held_head TEXT NOT NULL, source TEXT NOT NULL, detected TEXT NOT NULL,
  PRIMARY KEY (vault_id, events, ledger_head));
CREATE TABLE level_years (
  vault_id TEXT NOT NULL, year INTEGER NOT NULL, level TEXT NOT NULL, anchor_events INTEGER NOT NULL,
  registered INTEGER NOT NULL, documents_destroyed INTEGER NOT NULL,
  copies_outstanding INTEGER NOT NULL, copies_overdue INTEGER NOT NULL,
  PRIMARY KEY (vault_id, year, level));
CREATE TABLE copies (
  vault_id TEXT NOT NULL, copy TEXT NOT NULL, reg_no TEXT NOT NULL, level TEXT NOT NULL,
  state TEXT NOT NULL, recipient TEXT NOT NULL, recipient_fingerprint TEXT NOT NULL,
  issued TEXT NOT NULL, return_by TEXT, returned TEXT, disposed TEXT,
  PRIMARY KEY (vault_id, copy));
CREATE TABLE certificates (
  id TEXT PRIMARY KEY, reason TEXT NOT NULL, target_kind TEXT NOT NULL, target TEXT NOT NULL,
  model TEXT NOT NULL, serial TEXT NOT NULL, method TEXT NOT NULL, result TEXT NOT NULL,
  finished TEXT NOT NULL, operator_name TEXT NOT NULL, witness_name TEXT NOT NULL,
  signatures TEXT NOT NULL, body TEXT NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
PRAGMA user_version = 1;
)sql";

Error Bad(const std::string& file, const std::string& why) {
  return Error{Code::kCorrupt, file + ": " + why};
}

// j[key], or null when j is no object or has no such member (const
// operator[] must not be used on a missing key).
const Json& At(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return std::string();
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t Num(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? static_cast<int64_t>(it->get<uint64_t>()) : 0;
}
bool Has(const Json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (!j.contains(k)) return false;
  return true;
}

Result<int64_t> UserVersion(Db& db) {
  CUSTODY_ASSIGN(Stmt s, db.Prepare("PRAGMA user_version"));
  CUSTODY_ASSIGN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

Status CheckVersion(Db& db, int64_t version) {
  if (version > kSchemaVersion)
    return std::unexpected(Error{Code::kCorrupt, "register database " + db.path() + " is of schema version " +
                                                     std::to_string(version) + "; this custody knows up to version " +
                                                     std::to_string(kSchemaVersion) + " (use a newer custody)"});
  return {};
}

// "EVENTS:HEAD" → (events, head); false if it is not one.
bool SplitAnchor(const std::string& anchor, int64_t& events, std::string& head) {
  const size_t colon = anchor.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    events = std::stoll(anchor.substr(0, colon));
  } catch (...) {
    return false;
  }
  head = anchor.substr(colon + 1);
  return !head.empty();
}

class Importer {
 public:
  Importer(Db& db, std::string now) : db_(db), now_(std::move(now)) {}

  Result<ImportLine> Audit(const std::string& file, const Json& j) {
    const std::string id = Str(j, "vault_id"), head = Str(j, "ledger_head");
    const int64_t events = Num(j, "events");
    if (id.empty() || head.empty()) return std::unexpected(Bad(file, "an audit without vault_id or ledger_head"));
    ImportLine line{file, "audit", "recorded"};
    const int64_t problems = At(j, "problems").is_array() ? static_cast<int64_t>(At(j, "problems").size()) : 0;
    const bool ok = At(j, "ok").is_boolean() && At(j, "ok").get<bool>();
    // An audit already on file changes nothing.
    CUSTODY_ASSIGN(Stmt seen, db_.Prepare("SELECT 1 FROM audits WHERE vault_id=? AND events=? AND ledger_head=?"));
    seen.Bind(id).Bind(events).Bind(head);
    CUSTODY_ASSIGN(bool known, seen.Step());
    if (known) return ImportLine{file, "audit", "already on file"};
    CUSTODY_ASSIGN(Stmt held, db_.Prepare("SELECT events, ledger_head FROM vaults WHERE vault_id=?"));
    held.Bind(id);
    CUSTODY_ASSIGN(bool have, held.Step());
    bool newest = true;
    if (have) {
      const int64_t held_events = held.Int(0);
      const std::string held_head = held.Text(1);
      // Behind what the register holds, or the same count with another head.
      if (events < held_events || (events == held_events && head != held_head)) {
        newest = false;
        CUSTODY_ASSIGN(Stmt rb, db_.Prepare("INSERT INTO rollbacks VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"));
        CUSTODY_TRY(rb.Bind(id).Bind(events).Bind(head).Bind(held_events).Bind(held_head).Bind(file).Bind(now_).Run());
        line.outcome = "ROLLBACK flagged: " + std::to_string(events) + ":" + head + " is behind " +
                       std::to_string(held_events) + ":" + held_head + " on file";
      }
    }
    if (newest) {
      CUSTODY_ASSIGN(Stmt v, db_.Prepare(
          "INSERT INTO vaults VALUES (?,?,?,?,?) ON CONFLICT (vault_id) DO UPDATE SET "
          "label=excluded.label, medium=excluded.medium, events=excluded.events, ledger_head=excluded.ledger_head"));
      // The registered medium (format v7's media register) when the audit
      // found the file on one, else the path it read.
      const std::string medium = Str(j, "medium").empty() ? Str(j, "vault") : Str(j, "medium");
      CUSTODY_TRY(v.Bind(id).Bind(Str(j, "label")).Bind(medium).Bind(events).Bind(head).Run());
    }
    CUSTODY_ASSIGN(Stmt a, db_.Prepare("INSERT INTO audits VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
    const std::string audited = Str(j, "audited").empty() ? now_ : Str(j, "audited");
    CUSTODY_TRY(a.Bind(id).Bind(events).Bind(head).Bind(Str(j, "vault")).Bind(Str(j, "label"))
                    .Bind(Str(j, "highest_level_held")).Bind(Num(j, "documents_live"))
                    .Bind(Num(j, "documents_destroyed")).Bind(problems).Bind(int64_t{ok}).Bind(audited).Bind(file).Run());
    return line;
  }

  Result<ImportLine> Report(const std::string& file, const Json& j) {
    const std::string id = Str(j, "vault_id");
    int64_t events = 0;
    std::string head;
    if (id.empty() || !SplitAnchor(Str(j, "anchor"), events, head) || !At(j, "levels").is_array())
      return std::unexpected(Bad(file, "a yearly report without vault_id, anchor or levels"));
    const int64_t year = Num(j, "year");
    bool changed = false;
    for (const Json& l : At(j, "levels")) {
      // A newer report of the same year replaces an older one; an older one changes nothing.
      CUSTODY_ASSIGN(Stmt s, db_.Prepare(
          "INSERT INTO level_years VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (vault_id, year, level) DO UPDATE SET "
          "anchor_events=excluded.anchor_events, registered=excluded.registered, "
          "documents_destroyed=excluded.documents_destroyed, copies_outstanding=excluded.copies_outstanding, "
          "copies_overdue=excluded.copies_overdue WHERE excluded.anchor_events > level_years.anchor_events"));
      CUSTODY_TRY(s.Bind(id).Bind(year).Bind(Str(l, "level")).Bind(events).Bind(Num(l, "registered"))
                      .Bind(Num(l, "documents_destroyed")).Bind(Num(l, "copies_outstanding"))
                      .Bind(Num(l, "copies_overdue")).Run());
      changed = changed || Changes() > 0;
    }
    return ImportLine{file, "report", changed ? "recorded" : "already on file"};
  }

  Result<ImportLine> Copies(const std::string& file, const Json& j) {
    bool changed = false;
    for (const Json& c : j) {
      if (!c.is_object() || !Has(c, {"copy", "reg_no", "state"}))
        return std::unexpected(Bad(file, "an array that is not a copies list (custody copies --json)"));
      if (Str(c, "vault_id").empty())
        return std::unexpected(Bad(file, "a copies list that names no vault (vault_id): made by an older custody"));
      std::string state = Str(c, "state");
      if (state == "overdue") state = "issued";  // overdue is judged at report time
      auto t = [&](const char* key) { return Str(c, key); };  // null: no such time
      // A copy returned, destroyed or lost stays so: an older list cannot bring it back.
      CUSTODY_ASSIGN(Stmt s, db_.Prepare(
          "INSERT INTO copies VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (vault_id, copy) DO UPDATE SET "
          "state=excluded.state, returned=excluded.returned, disposed=excluded.disposed "
          "WHERE copies.state = 'issued' AND excluded.state <> 'issued'"));
      CUSTODY_TRY(s.Bind(Str(c, "vault_id")).Bind(Str(c, "copy")).Bind(Str(c, "reg_no")).Bind(Str(c, "level"))
                      .Bind(state).Bind(Str(c, "recipient")).Bind(Str(c, "recipient_fingerprint"))
                      .Bind(Str(c, "issued")).Bind(t("return_by")).Bind(t("returned")).Bind(t("disposed")).Run());
      changed = changed || Changes() > 0;
    }
    return ImportLine{file, "copies", j.empty() ? "an empty list: nothing to record" : changed ? "recorded" : "already on file"};
  }

  Result<ImportLine> Certificate(const std::string& file, const std::string& bytes) {
    auto v = vault::disposal::VerifyCertificate(bytes);
    if (!v) return std::unexpected(Error{Code::kCorrupt, file + ": certificate refused: " + v.error().message});
    const Json& b = v->body;
    const Json& media = At(b, "media");
    const std::string id = Str(At(b, "certificate"), "id");
    CUSTODY_ASSIGN(Stmt s, db_.Prepare("INSERT INTO certificates VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"));
    const std::string target = Str(media, "device").empty() ? Str(media, "path") : Str(media, "device");
    CUSTODY_TRY(s.Bind(id).Bind(Str(b, "reason")).Bind(Str(media, "target_kind")).Bind(target)
                    .Bind(Str(media, "model")).Bind(Str(media, "serial")).Bind(Str(At(b, "sanitization"), "method"))
                    .Bind(vault::disposal::RecordedVerdict(b)).Bind(Str(At(b, "times"), "finished"))
                    .Bind(v->operator_signatory.name).Bind(v->witness ? v->witness->name : std::string())
                    .Bind(std::string("verified")).Bind(v->body_bytes).Run());
    return ImportLine{file, "certificate", Changes() > 0 ? "recorded (signatures verified)" : "already on file"};
  }

  int64_t Changes() {
    auto s = db_.Prepare("SELECT changes()");
    if (!s || !s->Step().value_or(false)) return 0;
    return s->Int(0);
  }

 private:
  Db& db_;
  std::string now_;
};

// RFC 3339 UTC, as the JSON inputs spell times (so that they compare as text).
std::string Iso(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Result<std::vector<ImportLine>> Import(const std::string& db_path, const std::vector<Input>& inputs,
                                       int64_t now_unix) {
  // Each input is parsed and classified before the database is touched.
  struct Parsed { const Input* in; Json json; std::string kind; };
  std::vector<Parsed> parsed;
  for (const Input& in : inputs) {
    Json j = Json::parse(in.bytes, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::unexpected(Bad(in.name, "not JSON (expected the output of custody audit, copies or report --json, or a wipe certificate)"));
    std::string kind;
    if (j.is_object() && Has(j, {"vault_id", "ledger_head", "anchor", "ok"})) kind = "audit";
    else if (j.is_object() && Has(j, {"vault_id", "year", "anchor", "levels"})) kind = "report";
    else if (j.is_object() && Str(At(At(j, "body"), "certificate"), "format") == vault::disposal::kCertificateFormat)
      kind = "certificate";
    else if (j.is_array()) kind = "copies";
    else
      return std::unexpected(Bad(in.name, "JSON of no kind the register takes (an audit, copies or report --json, "
                                          "or a wipe certificate)"));
    parsed.push_back({&in, std::move(j), kind});
  }
  CUSTODY_ASSIGN(auto db, Db::Open(db_path, /*create=*/true));
  CUSTODY_TRY(db->Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Result<std::vector<ImportLine>> {
    CUSTODY_ASSIGN(int64_t version, UserVersion(*db));
    CUSTODY_TRY(CheckVersion(*db, version));
    if (version == 0) CUSTODY_TRY(db->Exec(kSchema));
    Importer im(*db, Iso(now_unix));
    std::vector<ImportLine> lines;
    for (const Parsed& p : parsed) {
      Result<ImportLine> line = p.kind == "audit"    ? im.Audit(p.in->name, p.json)
                                : p.kind == "report" ? im.Report(p.in->name, p.json)
                                : p.kind == "copies" ? im.Copies(p.in->name, p.json)
                                                     : im.Certificate(p.in->name, p.in->bytes);
      if (!line) return std::unexpected(line.error());
      lines.push_back(std::move(*line));
    }
    return lines;
  };
  auto lines = body();
  if (!lines) {
    (void)db->Exec("ROLLBACK");
    return lines;
  }
  CUSTODY_TRY(db->Exec("COMMIT"));
  return lines;
}

Result<RegisterReport> BuildReport(const std::string& db_path, int64_t now_unix,
                                   std::optional<int64_t> since_unix, const std::string& since_text) {
  CUSTODY_ASSIGN(auto db, Db::Open(db_path, /*create=*/false));
  CUSTODY_ASSIGN(int64_t version, UserVersion(*db));
  CUSTODY_TRY(CheckVersion(*db, version));
  if (version == 0)
    return std::unexpected(Error{Code::kCorrupt, db_path + " is not a custody register (no schema version)"});
  RegisterReport r;
  r.schema_version = version;
  {
    CUSTODY_ASSIGN(Stmt s, db->Prepare(
        "SELECT v.vault_id, v.label, v.medium, v.events, v.ledger_head, a.highest_level, a.documents_live, "
        "a.documents_destroyed, a.problems, a.ok, (SELECT MAX(audited) FROM audits b WHERE b.vault_id = v.vault_id) "
        "FROM vaults v JOIN audits a ON a.vault_id = v.vault_id AND a.events = v.events AND "
        "a.ledger_head = v.ledger_head ORDER BY v.medium, v.vault_id"));
    for (;;) {
      CUSTODY_ASSIGN(bool row, s.Step());
      if (!row) break;
      VaultRow v{s.Text(0), s.Text(1), s.Text(2), static_cast<uint64_t>(s.Int(3)), s.Text(4), s.Text(5), s.Text(10),
                 static_cast<uint64_t>(s.Int(6)), static_cast<uint64_t>(s.Int(7)), static_cast<uint64_t>(s.Int(8)),
                 s.Int(9) != 0};
      r.vaults.push_back(v);
      if (since_unix && v.last_audited < Iso(*since_unix)) r.not_audited.push_back(v.vault_id);
    }
  }
  if (since_unix) r.since = since_text;
  {
    // Each vault's newest year on file, summed per level.
    CUSTODY_ASSIGN(Stmt s, db->Prepare(
        "SELECT level, COUNT(DISTINCT vault_id), SUM(registered), SUM(documents_destroyed), SUM(copies_outstanding) "
        "FROM level_years l WHERE year = (SELECT MAX(year) FROM level_years m WHERE m.vault_id = l.vault_id) "
        "GROUP BY level ORDER BY level"));
    for (;;) {
      CUSTODY_ASSIGN(bool row, s.Step());
      if (!row) break;
      r.levels.push_back({s.Text(0), static_cast<uint64_t>(s.Int(1)), static_cast<uint64_t>(s.Int(2)),
                          static_cast<uint64_t>(s.Int(3)), static_cast<uint64_t>(s.Int(4))});
    }
  }
  {
    const std::string now = Iso(now_unix);
    CUSTODY_ASSIGN(Stmt s, db->Prepare(
        "SELECT vault_id, copy, level, recipient, recipient_fingerprint, issued, return_by FROM copies "
        "WHERE state = 'issued' ORDER BY vault_id, reg_no, copy"));
    for (;;) {
      CUSTODY_ASSIGN(bool row, s.Step());
      if (!row) break;
      CopyRow c{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6), false};
      c.overdue = !c.return_by.empty() && c.return_by < now;
      r.copies_outstanding.push_back(c);
    }
  }
  {
    CUSTODY_ASSIGN(Stmt s, db->Prepare(
        "SELECT id, reason, target, model, serial, method, result, finished, operator_name, witness_name, signatures "
        "FROM certificates ORDER BY finished, id"));
    for (;;) {
      CUSTODY_ASSIGN(bool row, s.Step());
      if (!row) break;
      CertificateRow c;
      c.id = s.Text(0), c.reason = s.Text(1), c.target = s.Text(2), c.model = s.Text(3), c.serial = s.Text(4);
      c.method = s.Text(5), c.result = s.Text(6), c.finished = s.Text(7), c.operator_name = s.Text(8);
      c.witness_name = s.Text(9), c.signatures = s.Text(10);
      c.kind = c.reason == "scrap" ? "destruction" : "wipe";
      r.certificates.push_back(c);
    }
  }
  {
    CUSTODY_ASSIGN(Stmt s, db->Prepare(
        "SELECT vault_id, events, ledger_head, held_events, held_head, source, detected FROM rollbacks "
        "ORDER BY detected, vault_id"));
    for (;;) {
      CUSTODY_ASSIGN(bool row, s.Step());
      if (!row) break;
      r.rollbacks.push_back({s.Text(0), std::to_string(s.Int(1)) + ":" + s.Text(2),
                             std::to_string(s.Int(3)) + ":" + s.Text(4), s.Text(5), s.Text(6)});
    }
  }
  return r;
}

Json ReportJson(const std::string& db_path, const RegisterReport& r) {
  auto or_null = [](const std::string& s) { return s.empty() ? Json() : Json(s); };
  Json j = Json::object();
  j["register"] = db_path;
  j["schema_version"] = static_cast<uint64_t>(r.schema_version);
  Json vaults = Json::array();
  for (const VaultRow& v : r.vaults)
    vaults.push_back({{"vault_id", v.vault_id}, {"label", v.label}, {"medium", v.medium},
                      {"anchor", std::to_string(v.events) + ":" + v.ledger_head},
                      {"highest_level_held", v.highest_level}, {"documents_live", v.documents_live},
                      {"documents_destroyed", v.documents_destroyed}, {"problems", v.problems}, {"ok", v.ok},
                      {"last_audited", or_null(v.last_audited)}});
  j["vaults"] = std::move(vaults);
  Json levels = Json::array();
  for (const LevelRow& l : r.levels)
    levels.push_back({{"level", l.level}, {"vaults", l.vaults}, {"registered", l.registered},
                      {"documents_destroyed", l.documents_destroyed}, {"copies_outstanding", l.copies_outstanding}});
  j["levels"] = std::move(levels);
  Json copies = Json::array();
  for (const CopyRow& c : r.copies_outstanding)
    copies.push_back({{"vault_id", c.vault_id}, {"copy", c.copy}, {"level", c.level},
                      {"recipient", {{"name", c.recipient}, {"fingerprint", c.recipient_fingerprint}}},
                      {"issued", c.issued}, {"return_by", or_null(c.return_by)}, {"overdue", c.overdue}});
  j["copies_outstanding"] = std::move(copies);
  j["since"] = r.since ? Json(*r.since) : Json();
  Json not_audited = Json::array();
  for (const auto& id : r.not_audited) not_audited.push_back(id);
  j["not_audited_since"] = std::move(not_audited);
  Json certs = Json::array();
  for (const CertificateRow& c : r.certificates)
    certs.push_back({{"id", c.id}, {"kind", c.kind}, {"reason", c.reason}, {"target", c.target},
                     {"model", c.model}, {"serial", c.serial}, {"method", c.method}, {"result", c.result},
                     {"finished", or_null(c.finished)}, {"operator", c.operator_name},
                     {"witness", or_null(c.witness_name)}, {"signatures_valid", c.signatures == "verified"}});
  j["certificates"] = std::move(certs);
  Json rb = Json::array();
  for (const RollbackRow& x : r.rollbacks)
    rb.push_back({{"vault_id", x.vault_id}, {"seen", x.seen_anchor}, {"held", x.held_anchor},
                  {"source", x.source}, {"detected", x.detected}});
  j["rollbacks"] = std::move(rb);
  return j;
}

}  // namespace custody::office
