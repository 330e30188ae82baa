// The readable ledger (custody log): the right line per event, no title
// ever, filters, and a forged history refused before anything is shown.
#include <catch2/catch.hpp>

#include "tests/vault/ledger_view/ledger_view_fixture.h"

namespace custody::testutil {
namespace {

std::string Flatten(const vault::LogEntry& e) {
  std::string s = e.kind + "|" + e.act + "|" + e.reg_no + "|" + e.number + "|" + e.level + "|" + e.actor.name;
  for (const auto& [k, p] : e.others) s += "|" + k + "=" + p.name;
  for (const auto& [k, v] : e.details) s += "|" + k + "=" + v;
  return s + "|" + e.title;
}

vault::LogFilter Filter(const std::string& reg, int64_t since = 0) {
  vault::LogFilter f;
  f.reg = reg;
  f.since_unix = since;
  return f;
}

TEST_CASE("LogShowsEveryEventInOrderWithItsActAndParties", "[ledger_view]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto entries = AllEntries(*v);
  REQUIRE(entries.size() == v->event_count());
  std::vector<std::string> acts;
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].sequence == i);
    acts.push_back(entries[i].act);
  }
  // A plaintext copy is preceded by its extraction (FORMAT.md §3.8).
  CHECK(acts == std::vector<std::string>{"created", "granted", "granted", "added", "added", "added",
                                         "extracted", "copy issued", "copy issued", "copy issued",
                                         "copy returned", "extracted", "destroyed", "added",
                                         "copy returned", "extracted", "copy issued", "added"});
  const auto& destroyed = entries[12];
  CHECK(destroyed.number == f.conf);
  CHECK(destroyed.level == "confidential");
  CHECK(destroyed.actor.name == "Officer Olga");
  REQUIRE(destroyed.others.size() == 1);
  CHECK(destroyed.others[0].first == "witness");
  CHECK(destroyed.others[0].second.name == "王芳");
  CHECK(destroyed.others[0].second.fingerprint == f.fang->public_identity().Fingerprint());
  CHECK(Flatten(destroyed).find("reason=superseded") != std::string::npos);
  const auto& copy = entries[9];
  CHECK(copy.number == f.secret[0] + "/3");
  CHECK(Flatten(copy).find("copy=3 of 3") != std::string::npos);
  CHECK(Flatten(copy).find("scope=Ops room") != std::string::npos);
  CHECK(entries[14].number == f.secret[0] + "/2");
  CHECK(entries[14].actor.name == "王芳");
  CHECK(entries[11].actor.name == "Staff Sam");
  CHECK(entries[1].others.at(0).second.name == "Staff Sam");
}

TEST_CASE("LogNeverNamesATitle", "[ledger_view]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  for (const auto& e : AllEntries(*v)) CHECK(Flatten(e).find("TITLE-") == std::string::npos);
}

TEST_CASE("TitlesForGivesOnlyWhatTheReaderIsClearedFor", "[ledger_view]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto sam = vault::TitlesFor(*v, *f.sam);
  REQUIRE(sam);
  for (const auto& [reg, title] : *sam) CHECK(title.find("SECRET") == std::string::npos);
  CHECK(sam->size() == 2);  // the two internal documents; the confidential one is destroyed
  auto fang = vault::TitlesFor(*v, *f.fang);
  REQUIRE(fang);
  CHECK(fang->at(f.secret[0]) == "TITLE-SECRET-ALPHA");
}

TEST_CASE("LogFiltersByDocumentCopyAndTime", "[ledger_view]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  auto doc = AllEntries(*v, Filter(f.secret[0]));
  CHECK(doc.size() == 7);  // added, extracted for the copies, 3 issued, 2 returned
  for (const auto& e : doc) CHECK(e.reg_no == f.secret[0]);
  auto one = AllEntries(*v, Filter(f.secret[0] + "/2"));
  REQUIRE(one.size() == 2);
  CHECK(one[0].act == "copy issued");
  CHECK(one[1].act == "copy returned");
  auto since = AllEntries(*v, Filter("", kNewYear2026));
  REQUIRE(since.size() == 4);
  for (const auto& e : since) CHECK(e.time_unix >= kNewYear2026);
}

// Someone who can rewrite the file changes an event's text (same length)
// and recomputes the record checksum; the event lies before the signed
// checkpoint, so Open does not read it. The walk must refuse before
// showing any event.
TEST_CASE("LogRefusesAnEventRewrittenBehindTheCheckpoint", "[ledger_view]") {
  HistoryFixture f;
  RewriteEventText(f, "PURPOSE-c1", "PURPOSE-XX");
  auto v = f.OpenRead();  // the checkpoint and the head are intact
  int visited = 0;
  auto s = v->ForEachVerifiedEvent([&](const format::Event&, const std::vector<std::string>&) -> Status {
    ++visited;
    return {};
  });
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  CHECK(visited == 0);
}

TEST_CASE("LogRefusesAFlippedByteInAnEvent", "[ledger_view]") {
  HistoryFixture f;
  uint64_t at = 0;
  {
    auto v = f.OpenRead();
    REQUIRE(v->TEST_container().Scan(8192, [&](const vault::RecordRef& ref) -> Result<bool> {
      if (ref.header.type != format::RecordType::kEvent) return true;
      at = ref.payload_offset() + 20;  // inside event 0's body
      return false;
    }));
  }
  FlipByte(f.path, at);
  auto v = vault::Vault::Open(f.path, vault::Vault::Access::kRead);
  if (!v) {
    CHECK(v.error().code == Code::kCorrupt);  // Open itself may read event 0 (the genesis)
    return;
  }
  auto s = vault::ForEachLogEntry(**v, {}, [](vault::LogEntry&&) -> Status { FAIL("shown"); return {}; });
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
}

// A kind this version has no entry for (here: none set) still reads, and
// counts nothing: a newer ledger's events are shown, not dropped.
TEST_CASE("AnUnknownKindPrintsGenericallyAndCountsNothing", "[ledger_view]") {
  HistoryFixture f;
  auto v = f.OpenRead();
  format::Event ev;
  ev.set_sequence(7);
  ev.set_time_unix(kFeb2026);
  ev.set_actor_ed25519(std::string(f.fang->public_identity().ed25519.begin(), f.fang->public_identity().ed25519.end()));
  vault::LedgerMemory memory;
  const std::string witness(f.sam->public_identity().ed25519.begin(), f.sam->public_identity().ed25519.end());
  auto e = vault::DescribeEvent(*v, ev, {ev.actor_ed25519(), witness}, memory);
  CHECK(e.act.starts_with("event "));
  CHECK(e.actor.name == "王芳");
  REQUIRE(e.others.size() == 1);
  CHECK(e.others[0].second.name == "Staff Sam");
  CHECK(e.tallies.empty());
}

}  // namespace
}  // namespace custody::testutil
