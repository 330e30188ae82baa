// The yearly report's counts for a constructed history at pinned times.
#include <catch2/catch.hpp>

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
  CHECK_FALSE(r25->documents_overdue.has_value());
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

}  // namespace
}  // namespace custody::testutil
