// The yearly report on paper, laid out like the wipe certificate (shared
// helpers: vault/pdf/pdf_writer.h).
#include <string>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/env.h"
#include "vault/ledger_view/report.h"
#include "vault/pdf/pdf_writer.h"

namespace custody::vault {

namespace {

using pdf::PageWriter;

std::string N(uint64_t n) { return std::to_string(n); }

void WriteCounts(PageWriter& w, const YearReport& r) {
  w.Heading("Per level");
  const std::vector<double> widths = {86, 52, 52, 52, 62, 66, 58, 71};
  w.TableRow({"level", "registered", "copies issued", "copies returned", "copies destroyed / lost",
              "outstanding at year end (overdue)", "documents destroyed", "declassified from / to"},
             widths, /*bold=*/true);
  for (const LevelYear& l : r.levels)
    w.TableRow({l.level, N(l.registered), N(l.copies_issued), N(l.copies_returned),
                N(l.copies_destroyed) + " / " + N(l.copies_lost),
                N(l.copies_outstanding) + " (" + N(l.copies_overdue) + ")", N(l.documents_destroyed),
                N(l.declassified_from) + " / " + N(l.declassified_to)},
               widths);
}

void WriteDetails(PageWriter& w, const YearReport& r) {
  w.Heading("Declassified");
  if (r.declassified.empty()) w.Paragraph("No document was declassified in " + std::to_string(r.year) + ".");
  for (const auto& [move, n] : r.declassified) w.Row(move.first + " → " + move.second, N(n));
  w.Heading("Documents overdue at year end");
  w.Paragraph(r.documents_overdue ? N(*r.documents_overdue)
                                  : "Not recorded: this vault's ledger holds no handle-by dates.");
  w.Heading("Acts by member");
  if (r.acts_by_member.empty()) w.Paragraph("No act was recorded in " + std::to_string(r.year) + ".");
  for (const auto& [who, n] : r.acts_by_member) w.Row(who, N(n) + " signed event(s)");
  w.Heading("Audit");
  if (!r.audit_problems) {
    w.Paragraph("The audit was not run for this report.");
  } else if (*r.audit_problems == 0) {
    w.Paragraph("custody audit found no problem.");
  } else {
    w.Paragraph("custody audit found " + N(*r.audit_problems) + " problem(s):");
    for (const auto& p : r.problems) w.Row(p.where, p.message);
  }
}

}  // namespace

Status WriteYearReportPdf(const std::string& path, const YearReport& r) {
  const std::string anchor = N(r.event_count) + ":" + r.ledger_head_hex;
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(DefaultEnv(), path, 0644));
  pdf::PdfOptions options;
  options.title = "Custody yearly report " + std::to_string(r.year);
  options.footer = [&](int page, int pages) {
    return "Yearly report " + std::to_string(r.year) + " · vault " + r.vault_id_hex + " · page " +
           std::to_string(page) + " of " + std::to_string(pages) + "\nledger anchor " + anchor;
  };
  CUSTODY_TRY(pdf::RenderPdf(out->temp_path(), options, [&](PageWriter& w) {
    w.Title("Yearly report of classification work, " + std::to_string(r.year));
    w.Row("Vault", r.vault_id_hex);
    w.Row("Ledger anchor", anchor + " (events:head; 'custody audit --expect' checks it)");
    w.Row("Period", std::to_string(r.year) + "-01-01 to " + std::to_string(r.year) + "-12-31 (UTC)");
    w.Row("Events in the year", N(r.events_in_year) +
                                    (r.unknown_events_in_year
                                         ? " (" + N(r.unknown_events_in_year) + " of kinds this version does not count)"
                                         : ""));
    w.Paragraph("Counted from the signed ledger alone, without any key; documents are named by "
                "registration number only. This printout is not itself signed.");
    WriteCounts(w, r);
    WriteDetails(w, r);
    w.Heading("Signatures");
    w.SignatureBlock("Secrecy officer", "");
    w.SignatureBlock("Office head", "");
  }));
  return out->Commit(/*replace=*/false);
}

}  // namespace custody::vault
