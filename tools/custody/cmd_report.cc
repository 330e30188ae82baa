// custody report — the yearly report, from the ledger alone; needs no
// identity. The audit runs beside it and its problems are counted.
#include <iomanip>
#include <optional>
#include <iostream>
#include <sstream>

#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "vault/ledger_view/report.h"

namespace custody::cli {

namespace {

std::string ReportText(const std::string& path, const vault::YearReport& r) {
  std::ostringstream out;
  out << "yearly report " << r.year << " of vault " << path << " (id " << r.vault_id_hex << ")\n"
      << "anchor     " << r.event_count << ":" << r.ledger_head_hex << "\n"
      << "events     " << r.events_in_year << " in " << r.year;
  if (r.unknown_events_in_year) out << " (" << r.unknown_events_in_year << " of kinds this version does not count)";
  out << "\n\n";
  const int w = 12;
  out << std::left << std::setw(14) << "level" << std::right << std::setw(w) << "registered"
      << std::setw(w) << "copies" << std::setw(w) << "returned" << std::setw(w) << "destroyed"
      << std::setw(w) << "lost" << std::setw(w) << "outstanding" << std::setw(w) << "overdue"
      << std::setw(w) << "docs destr." << std::setw(w) << "declass." << "\n";
  for (const auto& l : r.levels)
    out << PadToWidth(EscapeForTerminal(l.level), 14) << std::right << std::setw(w) << l.registered
        << std::setw(w) << l.copies_issued << std::setw(w) << l.copies_returned << std::setw(w)
        << l.copies_destroyed << std::setw(w) << l.copies_lost << std::setw(w) << l.copies_outstanding
        << std::setw(w) << l.copies_overdue << std::setw(w) << l.documents_destroyed << std::setw(w)
        << l.declassified_from << "\n";
  out << "\n(copies: issued in the year; outstanding and overdue: at the end of " << r.year << ")\n";
  for (const auto& [move, n] : r.declassified)
    out << "declassified " << EscapeForTerminal(move.first) << " -> " << EscapeForTerminal(move.second)
        << ": " << n << "\n";
  if (r.declassified.empty()) out << "declassified: none\n";
  out << "documents overdue: "
      << (r.documents_overdue ? std::to_string(*r.documents_overdue) : "not recorded (the ledger holds no handle-by dates)")
      << "\n";
  for (const auto& [who, n] : r.acts_by_member) out << "acts by     " << EscapeForTerminal(who) << ": " << n << "\n";
  if (!r.audit_problems) out << "audit: not run\n";
  else if (*r.audit_problems == 0) out << "audit: OK (0 problems)\n";
  else {
    out << "audit: FAILED (" << *r.audit_problems << " problems)\n";
    for (const auto& p : r.problems) out << "PROBLEM    " << EscapeForTerminal(p.where) << ": " << EscapeForTerminal(p.message) << "\n";
  }
  return out.str();
}

std::string ReportJson(const std::string& path, const vault::YearReport& r) {
  Json j = Json::object();
  j["vault"] = path;
  j["vault_id"] = r.vault_id_hex;
  j["year"] = static_cast<uint64_t>(r.year);
  j["anchor"] = std::to_string(r.event_count) + ":" + r.ledger_head_hex;
  j["events_in_year"] = r.events_in_year;
  j["unknown_events_in_year"] = r.unknown_events_in_year;
  Json levels = Json::array();
  for (const auto& l : r.levels) {
    Json o = Json::object();
    o["level"] = l.level;
    o["registered"] = l.registered;
    o["copies_issued"] = l.copies_issued;
    o["copies_returned"] = l.copies_returned;
    o["copies_destroyed"] = l.copies_destroyed;
    o["copies_lost"] = l.copies_lost;
    o["copies_outstanding"] = l.copies_outstanding;
    o["copies_overdue"] = l.copies_overdue;
    o["documents_destroyed"] = l.documents_destroyed;
    o["declassified_from"] = l.declassified_from;
    o["declassified_to"] = l.declassified_to;
    levels.push_back(std::move(o));
  }
  j["levels"] = std::move(levels);
  Json declassified = Json::array();
  for (const auto& [move, n] : r.declassified) {
    Json o = Json::object();
    o["from"] = move.first;
    o["to"] = move.second;
    o["documents"] = n;
    declassified.push_back(std::move(o));
  }
  j["declassified"] = std::move(declassified);
  j["documents_overdue"] = r.documents_overdue ? Json(*r.documents_overdue) : Json();
  Json acts = Json::object();
  for (const auto& [who, n] : r.acts_by_member) acts[who] = n;
  j["acts_by_member"] = std::move(acts);
  j["audit_problems"] = r.audit_problems ? Json(*r.audit_problems) : Json();
  j["problems"] = AuditProblemsJson(r.problems);
  return WriteJson(j) + "\n";
}

}  // namespace

void RegisterReportCommand(CLI::App& app) {
  struct Opts { std::string vault, pdf, expect; int year = 0; bool json = false, no_audit = false; };
  auto o = std::make_shared<Opts>();
  auto* rep = app.add_subcommand(
      "report", "The yearly report from the verified ledger alone (no identity): per level, "
                "documents registered, copies issued / returned / destroyed / outstanding at year "
                "end, declassified, destroyed; and the problems a full audit finds (exit 5 after "
                "printing if there are any).");
  rep->add_option("VAULT", o->vault)->required();
  rep->add_option("--year", o->year, "The UTC calendar year, e.g. 2026")->required();
  rep->add_flag("--json", o->json, "One JSON object on stdout");
  rep->add_option("--pdf", o->pdf, "Also write a printable A4 PDF to this new file");
  rep->add_flag("--no-audit", o->no_audit, "Do not run the audit (the report says so)");
  AddExpectOption(rep, o->expect, "refuse (exit 5)");
  SetBody(rep, [o] {
    auto expect = ParseExpect(o->expect);
    if (!expect) return Report(expect.error());
    const std::optional<vault::AuditAnchor>& anchor = *expect;
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    auto r = vault::BuildYearReport(**v, o->year, anchor ? &*anchor : nullptr);
    if (!r) return Report(r.error());
    if (!o->no_audit) {
      auto audit = vault::Vault::Audit(o->vault, DefaultEnv(), anchor ? &*anchor : nullptr);
      if (!audit) return Report(audit.error().With("audit"));
      r->audit_problems = audit->problems.size();
      r->problems = audit->problems;
    }
    if (!o->pdf.empty()) {
      if (auto s = vault::WriteYearReportPdf(o->pdf, *r); !s) return Report(s.error());
    }
    std::cout << (o->json ? ReportJson(o->vault, *r) : ReportText(o->vault, *r));
    return r->audit_problems.value_or(0) == 0 ? 0 : static_cast<int>(Code::kCorrupt);
  });
}

}  // namespace custody::cli
