// Unit tests of the office register (tools/register): kinds told apart,
// idempotent import, rollbacks flagged, one transaction, newer schema refused.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "tests/testutil/temp_dir.h"
#include "tools/register/office_register.h"

namespace custody::office {
namespace {

constexpr int64_t kNow = 1796000000;  // 2026-11-29

std::string AuditJson(const std::string& id, uint64_t events, const std::string& head) {
  Json j = {{"vault", "/media/" + id + ".vault"}, {"vault_id", id}, {"label", "Drive " + id},
            {"highest_level_held", "secret"}, {"events", events}, {"ledger_head", head},
            {"anchor", std::to_string(events) + ":" + head}, {"documents_live", 2u}, {"documents_destroyed", 0u},
            {"problems", Json::array()}, {"ok", true}, {"audited", "2026-11-28T10:00:00Z"}};
  return j.dump();
}

int64_t Count(const std::string& db, const std::string& table) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

TEST_CASE("audits are imported once and a vault going back is flagged", "[register]") {
  testutil::TempDir dir;
  const std::string db = dir / "reg.db";
  auto first = Import(db, {{"a.json", AuditJson("aa", 10, "h10")}}, kNow);
  REQUIRE(first);
  CHECK((*first)[0].kind == "audit");
  CHECK((*first)[0].outcome == "recorded");
  auto again = Import(db, {{"a.json", AuditJson("aa", 10, "h10")}}, kNow + 5);
  REQUIRE(again);
  CHECK((*again)[0].outcome == "already on file");
  CHECK(Count(db, "audits") == 1);
  auto older = Import(db, {{"old.json", AuditJson("aa", 7, "h7")}}, kNow);
  REQUIRE(older);
  CHECK((*older)[0].outcome.starts_with("ROLLBACK"));
  auto fork = Import(db, {{"fork.json", AuditJson("aa", 10, "other")}}, kNow);
  REQUIRE(fork);
  CHECK((*fork)[0].outcome.starts_with("ROLLBACK"));
  auto r = BuildReport(db, kNow, std::nullopt, "");
  REQUIRE(r);
  REQUIRE(r->vaults.size() == 1);
  CHECK(r->vaults[0].events == 10);
  CHECK(r->vaults[0].ledger_head == "h10");
  CHECK(r->rollbacks.size() == 2);
  auto since = BuildReport(db, kNow, int64_t{1796100000}, "2026-12-01");
  REQUIRE(since);
  CHECK(since->not_audited == std::vector<std::string>{"aa"});
}

TEST_CASE("a bad input refuses the whole import", "[register]") {
  testutil::TempDir dir;
  const std::string db = dir / "reg.db";
  auto bad = Import(db, {{"a.json", AuditJson("aa", 1, "h")}, {"b.txt", "not json"}}, kNow);
  REQUIRE(!bad);
  CHECK(bad.error().code == Code::kCorrupt);
  CHECK(bad.error().message.starts_with("b.txt: not JSON"));
  auto wrong = Import(db, {{"w.json", R"({"x":1})"}}, kNow);
  REQUIRE(!wrong);
  CHECK(wrong.error().message.find("w.json") == 0);
  REQUIRE(Import(db, {{"a.json", AuditJson("aa", 1, "h")}}, kNow));
  auto copies = Import(db, {{"c.json", R"([{"copy":"R-1/1","reg_no":"R-1","state":"issued"}])"}}, kNow);
  REQUIRE(!copies);
  CHECK(Count(db, "copies") == 0);
  CHECK(Count(db, "audits") == 1);
}

TEST_CASE("copies never go back to issued; overdue is judged at report time", "[register]") {
  testutil::TempDir dir;
  const std::string db = dir / "reg.db";
  const std::string issued =
      R"([{"vault_id":"aa","copy":"R-1/1","reg_no":"R-1","state":"overdue","level":"secret","recipient":"Bob",)"
      R"("recipient_fingerprint":"ff","issued":"2026-01-01T00:00:00Z","return_by":"2026-02-01T23:59:59Z","returned":null,"disposed":null}])";
  std::string returned = issued;
  returned.replace(returned.find("overdue"), 7, "returned");
  REQUIRE(Import(db, {{"new.json", returned}}, kNow));
  REQUIRE(Import(db, {{"old.json", issued}}, kNow));
  auto r = BuildReport(db, kNow, std::nullopt, "");
  REQUIRE(r);
  CHECK(r->copies_outstanding.empty());
  testutil::TempDir dir2;
  REQUIRE(Import(dir2 / "r.db", {{"old.json", issued}}, kNow));
  auto r2 = BuildReport(dir2 / "r.db", kNow, std::nullopt, "");
  REQUIRE(r2);
  REQUIRE(r2->copies_outstanding.size() == 1);
  CHECK(r2->copies_outstanding[0].overdue);
}

TEST_CASE("a register of a newer schema version is refused", "[register]") {
  testutil::TempDir dir;
  const std::string db = dir / "reg.db";
  REQUIRE(Import(db, {{"a.json", AuditJson("aa", 1, "h")}}, kNow));
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "PRAGMA user_version = 2", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  auto r = BuildReport(db, kNow, std::nullopt, "");
  REQUIRE(!r);
  CHECK(r.error().code == Code::kCorrupt);
  CHECK(r.error().message.find("schema version 2; this custody knows up to version 1") != std::string::npos);
  auto i = Import(db, {{"b.json", AuditJson("bb", 1, "h")}}, kNow);
  REQUIRE(!i);
  CHECK(Count(db, "audits") == 1);
}

}  // namespace
}  // namespace custody::office
