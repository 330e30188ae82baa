// The yearly report's counts for a constructed history at pinned times.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "tests/vault/ledger_view/ledger_view_fixture.h"
#include "vault/ledger_view/report.h"

namespace custody::testutil {
namespace {

const vault::LevelYear& Row(const vault::YearReport& r, const std::string& level) {
  for (const auto& l : r.levels)
    if (l.level == level) return l;
  FAIL("no row " << level);
  return r.levels.front();
}

TEST_CASE("ReportCountsTheYearExactly", "[report]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto r25 = vault::BuildYearReport(*v, 2025);
  REQUIRE(r25);
  CHECK(r25->vault_id_hex == v->id_hex());
  CHECK(r25->event_count == v->event_count());
  CHECK(r25->events_in_year == 14);
  REQUIRE(r25->levels.size() == 4);
  CHECK(Row(*r25, "secret").registered == 2);
  CHECK(Row(*r25, "confidential").registered == 1);
  CHECK(Row(*r25, "internal").registered == 1);  // the last hour of 2025
  CHECK(Row(*r25, "top-secret").registered == 0);
  CHECK(Row(*r25, "secret").copies_issued == 3);
  CHECK(Row(*r25, "secret").copies_returned == 1);
  CHECK(Row(*r25, "secret").copies_outstanding == 2);
  CHECK(Row(*r25, "secret").copies_overdue == 0);
  CHECK(Row(*r25, "confidential").documents_destroyed == 1);
  CHECK(Row(*r25, "secret").documents_destroyed == 0);
  CHECK(r25->declassified.empty());
  // Due 5 days after registration (the default profile): alpha and bravo
  // (June) are overdue at the end of 2025, charlie was destroyed, delta
  // (registered in its last hour) is due in 2026.
  CHECK(r25->documents_overdue == std::optional<uint64_t>(2));
  CHECK(r25->acts_by_member.at("Officer Olga (" + f.officer->public_identity().Fingerprint() + ")") == 13);
  CHECK(r25->acts_by_member.at("Staff Sam (" + f.sam->public_identity().Fingerprint() + ")") == 1);

  auto r26 = vault::BuildYearReport(*v, 2026);
  REQUIRE(r26);
  CHECK(r26->events_in_year == 4);
  CHECK(Row(*r26, "internal").registered == 1);
  CHECK(Row(*r26, "secret").registered == 0);
  CHECK(Row(*r26, "secret").copies_issued == 1);
  CHECK(Row(*r26, "secret").copies_returned == 1);
  CHECK(Row(*r26, "secret").copies_outstanding == 2);  // one of 2025, the new one
  CHECK(Row(*r26, "secret").copies_overdue == 1);      // due 2026-02-01
  CHECK(Row(*r26, "confidential").documents_destroyed == 0);
  CHECK(r26->documents_overdue == std::optional<uint64_t>(4));  // alpha, bravo, delta, echo
  CHECK(r26->acts_by_member.at("王芳 (" + f.fang->public_identity().Fingerprint() + ")") == 3);

  auto r24 = vault::BuildYearReport(*v, 2024);
  REQUIRE(r24);
  CHECK(r24->events_in_year == 0);
  for (const auto& l : r24->levels) CHECK(l.copies_outstanding == 0);
}

TEST_CASE("ReportRefusesAHistoryRewrittenBehindTheCheckpoint", "[report]") {
  HistoryFixture f;
  RewriteEventText(f, "PURPOSE-c2", "PURPOSE-XX");
  auto v = f.OpenRead();
  auto r = vault::BuildYearReport(*v, 2026);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kCorrupt);
}

TEST_CASE("ReportRefusesAYearOutOfRange", "[report]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto r = vault::BuildYearReport(*v, 1969);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kUsage);
}

TEST_CASE("ReportPdfIsWrittenAndNeverOverwritesAFile", "[report]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto r = vault::BuildYearReport(*v, 2025);
  REQUIRE(r);
  const std::string pdf = f.dir / "report.pdf";
  REQUIRE(vault::WriteYearReportPdf(pdf, *r));
  const std::string bytes = ReadFileBytes(pdf);
  CHECK(bytes.starts_with("%PDF-"));
  CHECK(bytes.find("%%EOF") != std::string::npos);
  auto again = vault::WriteYearReportPdf(pdf, *r);
  REQUIRE_FALSE(again);
  CHECK(ReadFileBytes(pdf) == bytes);
}

// A report long enough for several pages: every page carries the vault
// id, the anchor and "page N of M" (checked with pdftotext when present).
TEST_CASE("ReportPdfFootsEveryPageWithTheVaultIdAndAnchor", "[report]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto r = vault::BuildYearReport(*v, 2025);
  REQUIRE(r);
  r->audit_problems = 120;
  for (int i = 0; i < 120; ++i) r->problems.push_back({"record at " + std::to_string(8192 + i), "checksum mismatch"});
  const std::string pdf = f.dir / "long.pdf";
  REQUIRE(vault::WriteYearReportPdf(pdf, *r));
  const std::string bytes = ReadFileBytes(pdf);
  size_t pages = 0;
  for (size_t at = bytes.find("/Type /Page"); at != std::string::npos; at = bytes.find("/Type /Page", at + 1))
    if (bytes.compare(at, 12, "/Type /Pages") != 0) ++pages;
  REQUIRE(pages >= 2);
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) return;
  for (size_t p = 1; p <= pages; ++p) {
    const std::string txt = f.dir / ("page" + std::to_string(p) + ".txt");
    const std::string cmd = "pdftotext -f " + std::to_string(p) + " -l " + std::to_string(p) + " '" + pdf +
                            "' '" + txt + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string text = ReadFileBytes(txt);
    CHECK(Contains(text, r->vault_id_hex));
    CHECK(Contains(text, std::to_string(r->event_count) + ":" + r->ledger_head_hex));
    CHECK(Contains(text, "page " + std::to_string(p) + " of " + std::to_string(pages)));
  }
}

}  // namespace
}  // namespace custody::testutil
