// The register report on paper (vault/pdf layout, like the yearly report).
#include <string>

#include "base/atomic_file.h"
#include "base/env.h"
#include "tools/register/office_register.h"
#include "vault/pdf/pdf_writer.h"

namespace custody::office {

Status WriteReportPdf(const std::string& path, const std::string& db_path, const RegisterReport& r) {
  using vault::pdf::PageWriter;
  auto N = [](uint64_t n) { return std::to_string(n); };
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(DefaultEnv(), path, 0644));
  vault::pdf::PdfOptions options;
  options.title = "Custody office register";
  options.footer = [&](int page, int pages) {
    return "Office register " + db_path + " · page " + std::to_string(page) + " of " + std::to_string(pages);
  };
  CUSTODY_TRY(vault::pdf::RenderPdf(out->temp_path(), options, [&](PageWriter& w) {
    w.Title("Office register of media, vaults and certificates");
    w.Row("Register", db_path);
    w.Row("Vaults on file", N(r.vaults.size()));
    w.Heading("Media and their vaults");
    const std::vector<double> vw = {150, 90, 110, 60, 89};
    w.TableRow({"medium", "label", "vault id", "documents", "audit"}, vw, /*bold=*/true);
    for (const VaultRow& v : r.vaults)
      w.TableRow({v.medium, v.label, v.vault_id, N(v.documents_live),
                  (v.ok ? "OK " : "FAILED ") + v.last_audited}, vw);
    w.Heading("Documents per level (each vault's newest yearly report)");
    const std::vector<double> lw = {150, 70, 90, 90, 99};
    w.TableRow({"level", "vaults", "registered", "destroyed", "copies outstanding"}, lw, true);
    for (const LevelRow& l : r.levels)
      w.TableRow({l.level, N(l.vaults), N(l.registered), N(l.documents_destroyed), N(l.copies_outstanding)}, lw);
    w.Heading("Copies outstanding");
    if (r.copies_outstanding.empty()) w.Paragraph("No copy is outstanding.");
    const std::vector<double> cw = {110, 80, 120, 100, 89};
    if (!r.copies_outstanding.empty()) w.TableRow({"copy", "level", "recipient", "return by", "state"}, cw, true);
    for (const CopyRow& c : r.copies_outstanding)
      w.TableRow({c.copy, c.level, c.recipient, c.return_by.empty() ? "—" : c.return_by,
                  c.overdue ? "OVERDUE" : "issued"}, cw);
    if (r.since) {
      w.Heading("Not audited since " + *r.since);
      if (r.not_audited.empty()) w.Paragraph("Every vault was audited since then.");
      for (const auto& id : r.not_audited) w.Paragraph(id);
    }
    w.Heading("Destruction and wipe certificates on file");
    if (r.certificates.empty()) w.Paragraph("None.");
    for (const CertificateRow& c : r.certificates)
      w.Row(c.kind + " " + c.id, c.target + " " + c.model + " " + c.serial + ", " + c.method + ", " + c.result +
                                     ", signatures " + c.signatures);
    w.Heading("Rollbacks flagged");
    if (r.rollbacks.empty()) w.Paragraph("None.");
    for (const RollbackRow& x : r.rollbacks)
      w.Row(x.vault_id, "audit " + x.source + " saw " + x.seen_anchor + ", behind " + x.held_anchor);
  }));
  return out->Commit(/*replace=*/false);
}

}  // namespace custody::office
