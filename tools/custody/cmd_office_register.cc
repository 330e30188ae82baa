// custody register import | report: the office register across many drives
// (tools/register/office_register.h; docs/REGISTER.md). Parses and prints only.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/clock.h"
#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "tools/register/office_register.h"

namespace custody::cli {

namespace {

// Inputs are JSON text of a few KiB to MiB; a bound keeps a hostile file out.
constexpr std::streamsize kMaxInput = std::streamsize{64} << 20;

Result<office::Input> ReadInput(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(Error{Code::kNotFound, "no such file " + path});
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (bytes.tellp() > kMaxInput) return std::unexpected(Error{Code::kCorrupt, path + ": larger than 64 MiB"});
  return office::Input{path, bytes.str()};
}

std::string E(const std::string& s) { return EscapeForTerminal(s); }

std::string ReportText(const std::string& db, const office::RegisterReport& r) {
  std::ostringstream out;
  out << "office register " << E(db) << " (schema version " << r.schema_version << ")\n\nmedia and their vaults\n";
  out << PadToWidth("MEDIUM", 28) << " " << PadToWidth("LABEL", 16) << " " << PadToWidth("VAULT ID", 32) << " "
      << PadToWidth("DOCS", 6) << " " << PadToWidth("AUDIT", 7) << " LAST AUDITED\n";
  for (const auto& v : r.vaults)
    out << PadToWidth(E(v.medium), 28) << " " << PadToWidth(E(v.label), 16) << " " << PadToWidth(v.vault_id, 32)
        << " " << PadToWidth(std::to_string(v.documents_live), 6) << " " << PadToWidth(v.ok ? "OK" : "FAILED", 7)
        << " " << v.last_audited << "\n";
  if (r.vaults.empty()) out << "(no audit on file)\n";
  out << "\ndocuments per level (each vault's newest yearly report)\n"
      << PadToWidth("LEVEL", 16) << " " << PadToWidth("VAULTS", 7) << " " << PadToWidth("REGISTERED", 11) << " "
      << PadToWidth("DESTROYED", 10) << " COPIES-OUTSTANDING\n";
  for (const auto& l : r.levels)
    out << PadToWidth(E(l.level), 16) << " " << PadToWidth(std::to_string(l.vaults), 7) << " "
        << PadToWidth(std::to_string(l.registered), 11) << " " << PadToWidth(std::to_string(l.documents_destroyed), 10)
        << " " << l.copies_outstanding << "\n";
  if (r.levels.empty()) out << "(no yearly report on file)\n";
  out << "\ncopies outstanding across all drives: " << r.copies_outstanding.size() << "\n";
  for (const auto& c : r.copies_outstanding)
    out << PadToWidth(E(c.copy), 22) << " " << PadToWidth(c.overdue ? "OVERDUE" : "issued", 8) << " "
        << PadToWidth(E(c.level), 14) << " " << PadToWidth(E(c.recipient), 20) << " return by "
        << (c.return_by.empty() ? "-" : c.return_by) << "  vault " << c.vault_id << "\n";
  if (r.since) {
    out << "\nnot audited since " << E(*r.since) << ": " << r.not_audited.size() << "\n";
    for (const auto& id : r.not_audited) out << "  " << id << "\n";
  }
  out << "\ndestruction and wipe certificates on file: " << r.certificates.size() << "\n";
  for (const auto& c : r.certificates)
    out << PadToWidth(c.kind, 12) << " " << c.id << " " << E(c.target) << " " << E(c.model) << " " << E(c.serial)
        << " " << E(c.method) << " " << E(c.result) << " by " << E(c.operator_name)
        << (c.witness_name.empty() ? "" : " witness " + E(c.witness_name)) << " (signatures " << c.signatures << ")\n";
  out << "\nrollbacks flagged: " << r.rollbacks.size() << "\n";
  for (const auto& x : r.rollbacks)
    out << "ROLLBACK   vault " << x.vault_id << ": " << E(x.source) << " saw " << x.seen_anchor << ", behind "
        << x.held_anchor << " on file\n";
  return out.str();
}

}  // namespace

void RegisterOfficeRegisterCommands(CLI::App& app) {
  auto* reg = app.add_subcommand(
      "register", "The office register: audits, copies lists, yearly reports and wipe certificates of many "
                  "vaults in one SQLite database (docs/REGISTER.md), and what an office asks across drives.");
  reg->require_subcommand(1);
  {
    struct Opts { std::string db; std::vector<std::string> files; };
    auto o = std::make_shared<Opts>();
    auto* cmd = reg->add_subcommand(
        "import", "Load 'audit --json', 'copies --json', 'report --json' outputs and wipe certificates into DB "
                  "(created if absent), in one transaction: a file that is no such output refuses the whole "
                  "import (exit 5). Importing a file again changes nothing; an audit behind what DB holds for its "
                  "vault is recorded and flagged as a rollback.");
    cmd->add_option("DB", o->db, "The register database (SQLite)")->required();
    cmd->add_option("FILE", o->files, "JSON files")->required();
    SetBody(cmd, [o] {
      std::vector<office::Input> inputs;
      for (const auto& f : o->files) {
        auto in = ReadInput(f);
        if (!in) return Report(in.error());
        inputs.push_back(std::move(*in));
      }
      auto lines = office::Import(o->db, inputs, SystemClock()->NowUnix());
      if (!lines) return Report(lines.error(), "nothing was imported; " + o->db + " is unchanged");
      for (const auto& l : *lines) std::cout << l.kind << "  " << E(l.name) << ": " << E(l.outcome) << "\n";
      return 0;
    });
  }
  {
    struct Opts { std::string db, pdf, since; bool json = false; };
    auto o = std::make_shared<Opts>();
    auto* cmd = reg->add_subcommand(
        "report", "Across all drives on file: media and their vaults, documents per level, copies outstanding "
                  "or overdue, drives not audited since a date, destruction and wipe certificates, rollbacks.");
    cmd->add_option("DB", o->db, "The register database")->required();
    cmd->add_flag("--json", o->json, "One JSON object on stdout");
    cmd->add_option("--pdf", o->pdf, "Also write a printable A4 PDF to this new file");
    cmd->add_option("--since", o->since, "List the vaults whose newest audit is before DATE (YYYY-MM-DD, UTC)");
    SetBody(cmd, [o] {
      std::optional<int64_t> since;
      if (!o->since.empty()) {
        auto end = ParseDate(o->since, "--since");  // the day's last second
        if (!end) return Report(end.error());
        since = *end - 86399;  // its first
      }
      auto r = office::BuildReport(o->db, SystemClock()->NowUnix(), since, o->since);
      if (!r) return Report(r.error());
      if (!o->pdf.empty())
        if (auto s = office::WriteReportPdf(o->pdf, o->db, *r); !s) return Report(s.error());
      std::cout << (o->json ? WriteJson(office::ReportJson(o->db, *r)) + "\n" : ReportText(o->db, *r));
      return 0;
    });
  }
}

}  // namespace custody::cli
