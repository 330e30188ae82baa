// Tests for vault/ops/vault.cc: creating and opening vaults (through the
// public Vault API on real files in a temp dir), what Open and Audit make of
// damaged files, and the writer's lock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/atomic_file.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

// =================================================================== Create

TEST_CASE("vault/CreatedVaultOpensWithCreatorAsOfficerClearedForEveryLevel", "[vault]") {
  Fixture f;
  auto v = Vault::Open(f.path, Vault::Access::kRead);
  REQUIRE(v);
  const auto& st = (*v)->TEST_state();
  CHECK(st.level_names == vault::kDefaultLevels);
  CHECK(st.label == "TEST ARCHIVE");
  CHECK(st.event_count == 1);
  REQUIRE(st.members.size() == 1);
  const auto* m = st.FindMember(std::string(reinterpret_cast<const char*>(
                                                f.officer->public_identity().ed25519.data()),
                                            32));
  REQUIRE(m != nullptr);
  CHECK(m->role() == format::ROLE_OFFICER);
  CHECK(m->clearance() == 3);
  CHECK(m->keys().name() == "Officer Olga");
  CHECK(st.catalog.size() == 0);
  CHECK((*v)->TEST_container().superblock().label() == "TEST ARCHIVE");
  auto list = (*v)->List(*f.officer, true);
  REQUIRE(list);
  CHECK(list->empty());
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->events == 1);
  CHECK(audit->highest_level_held == -1);
}

TEST_CASE("vault/CreateRefusesExistingPathAndBadLevelLists", "[vault]") {
  Fixture f;
  std::string before = ReadFileBytes(f.path);
  auto again = Vault::Create(f.path, *f.officer, vault::kDefaultLevels, "other");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Code::kIo);
  CHECK(ReadFileBytes(f.path) == before);

  std::vector<std::vector<std::string>> bad = {
      {}, {"secret", "secret"}, {"Secret"}, {"1st"}, {"has space"}, {""}, {"Секрет"},
      {"秘密!"}, {"\xff"}, {std::string(33, 'a')}, {"-secret"},
      std::vector<std::string>(17, "x")};
  for (size_t i = 0; i < 17; ++i) bad.back()[i] = "level" + std::to_string(i);
  for (const auto& levels : bad) {
    auto s = Vault::Create(f.dir / "bad.vault", *f.officer, levels, "x");
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kUsage);
    CHECK_FALSE(fs::exists(f.dir / "bad.vault"));
  }
  CHECK(Vault::Create(f.dir / "custom.vault", *f.officer, {"open", "closed-1"}, "x"));
  // Any script, lower case or caseless, up to 32 letters.
  CHECK(Vault::Create(f.dir / "zh.vault", *f.officer, {"内部", "秘密", "机密", "绝密"}, "x"));
  CHECK(Vault::Create(f.dir / "ru.vault", *f.officer, {"секретно", "très-secret", std::string(32, 'a')}, "x"));
}

TEST_CASE("vault/OpenOfMissingVaultIsNotFound", "[vault]") {
  Init();
  TempDir dir;
  auto v = Vault::Open(dir / "nope.vault", Vault::Access::kRead);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kNotFound);
  auto a = Vault::Audit(dir / "nope.vault");
  REQUIRE_FALSE(a);
  CHECK(a.error().code == Code::kNotFound);
}

// ============================================================ Integrity

TEST_CASE("vault/FlippedByteInExtentCorruptsOnlyThatDocument", "[vault][integrity]") {
  Fixture f;
  const std::string a = PseudoRandom(70000, 31), b = PseudoRandom(2200000, 32), c = "third";
  std::vector<std::string> regs;
  uint64_t flip_at = 0;
  {
    auto v = OpenWrite(f.path);
    auto r = v->Add(*f.officer, {File(f.Input("a", a)), File(f.Input("b", b)), File(f.Input("c", c))}, LevelAt(*v, 1));
    REQUIRE(r);
    regs = *r;
    const auto& e = v->TEST_state().FindDocument(regs[1]).value()->added().extent();
    flip_at = e.offset() + e.length() / 2;  // inside the second of three chunks
  }
  FlipByte(f.path, flip_at);
  auto v = OpenWrite(f.path);
  std::string msg = ExpectExtractFails(*v, *f.officer, regs[1], Code::kCorrupt, f.dir);
  CHECK(Contains(msg, regs[1]));
  ExpectExtracts(*v, *f.officer, regs[0], a, f.dir);
  ExpectExtracts(*v, *f.officer, regs[2], c, f.dir);
  // No partial output files (AtomicFile temporaries) were left beside the destination.
  for (const auto& entry : fs::directory_iterator(f.dir.path()))
    CHECK_FALSE(custody::IsAtomicFileTempName(entry.path().string()));
  v.reset();
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
  CHECK(audit->damaged_documents == std::vector<std::string>{regs[1]});
  CHECK(audit->documents_live == 3);
}

TEST_CASE("vault/FlippedByteInLedgerEventIsDetected", "[vault][integrity]") {
  Fixture f;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Add(*f.officer, {File(f.Input("a", "A"))}, LevelAt(*v, 0)));
  }
  // The first record (VaultCreated event) starts at the log start.
  FlipByte(f.path, format::kLogStart + format::kRecordHeaderSize + 20);
  auto v = Vault::Open(f.path, Vault::Access::kRead);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kCorrupt);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
}

TEST_CASE("vault/TornTailPastCommittedEndIsIgnored", "[vault][integrity]") {
  Fixture f;
  const std::string data = PseudoRandom(100000, 41);
  std::string reg;
  {
    auto v = OpenWrite(f.path);
    auto r = v->Add(*f.officer, {File(f.Input("a", data))}, LevelAt(*v, 2));
    REQUIRE(r);
    reg = r->at(0);
  }
  const uint64_t committed = Vault::Audit(f.path)->committed_end;
  // A crash mid-append: garbage (and a plausible record magic) past the end.
  AppendFile(f.path, "REC1" + PseudoRandom(5000, 42));
  {
    auto v = OpenWrite(f.path);
    CHECK(v->TEST_container().superblock().committed_end() == committed);
    ExpectExtracts(*v, *f.officer, reg, data, f.dir);
  }
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
  CHECK(audit->documents_live == 1);
  // Writing after a torn tail works and survives reopening.
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Add(*f.officer, {File(f.Input("b", "second"))}, LevelAt(*v, 0)));
  }
  auto v = OpenWrite(f.path);
  ExpectExtracts(*v, *f.officer, reg, data, f.dir);
  auto audit2 = Vault::Audit(f.path);
  REQUIRE(audit2);
  CHECK(audit2->ok());
  CHECK(audit2->documents_live == 2);
}

TEST_CASE("vault/DamagedNewestSuperblockFallsBackToPreviousCommit", "[vault][integrity]") {
  Fixture f;  // commit 1 in slot B
  std::string first, second;
  {
    auto v = OpenWrite(f.path);
    first = v->Add(*f.officer, {File(f.Input("a", "first"))}, LevelAt(*v, 0))->at(0);   // commit 2, slot A
    second = v->Add(*f.officer, {File(f.Input("b", "second"))}, LevelAt(*v, 0))->at(0);  // commit 3, slot B
    CHECK(v->TEST_container().active_slot() == 1);
  }
  FlipByte(f.path, format::kSuperblockOffsets[1] + 20);
  // Audit first: the next commit would rewrite slot B.
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
  CHECK(audit->sequence == 2);
  CHECK(std::any_of(audit->problems.begin(), audit->problems.end(),
                    [](const vault::AuditProblem& p) { return Contains(p.where, "superblock B"); }));
  auto v = OpenWrite(f.path);
  CHECK(v->TEST_container().active_slot() == 0);
  CHECK(v->TEST_state().FindDocument(first).value() != nullptr);
  CHECK(v->TEST_state().FindDocument(second).value() == nullptr);
  ExpectExtracts(*v, *f.officer, first, "first", f.dir);  // commits into slot B again
  v.reset();
  auto healed = Vault::Audit(f.path);
  REQUIRE(healed);
  CHECK(healed->ok());
}

TEST_CASE("vault/FileThatIsNotAVaultIsCorrupt", "[vault][integrity]") {
  Init();
  TempDir dir;
  struct Case {
    std::string name, bytes;
  };
  for (const Case& c : {Case{"random", PseudoRandom(20000, 51)}, Case{"short", "hello"},
                        Case{"empty", ""}, Case{"zeros", std::string(16384, '\0')}}) {
    CAPTURE(c.name);
    std::string p = dir / c.name;
    WriteFileBytes(p, c.bytes);
    auto v = Vault::Open(p, Vault::Access::kRead);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == Code::kCorrupt);
    auto w = Vault::Open(p, Vault::Access::kWrite);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == Code::kCorrupt);
    auto a = Vault::Audit(p);
    REQUIRE_FALSE(a);
    CHECK(a.error().code == Code::kCorrupt);
    CHECK(ReadFileBytes(p) == c.bytes);
  }
}

TEST_CASE("vault/TruncatedVaultIsNotOpenedAtTheTruncatedCommit", "[vault][integrity]") {
  Fixture f;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Add(*f.officer, {File(f.Input("a", PseudoRandom(50000, 3)))}, LevelAt(*v, 0)));
    REQUIRE(v->Add(*f.officer, {File(f.Input("b", PseudoRandom(50000, 4)))}, LevelAt(*v, 0)));
  }
  const uint64_t size = fs::file_size(f.path);
  fs::resize_file(f.path, size - 1000);
  auto v = Vault::Open(f.path, Vault::Access::kRead);
  if (v) {
    // Fell back to the older slot: the truncated commit is not used.
    CHECK((*v)->TEST_container().superblock().committed_end() <= size - 1000);
    auto audit = Vault::Audit(f.path);
    REQUIRE(audit);
    CHECK_FALSE(audit->ok());
  } else {
    CHECK(v.error().code == Code::kCorrupt);
  }
}

// ================================================================ Locking

TEST_CASE("vault/SecondWriterIsRefusedWhileLocked", "[vault][lock]") {
  Fixture f;
  auto first = OpenWrite(f.path);
  auto second = Vault::Open(f.path, Vault::Access::kWrite);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Code::kIo);
  CHECK(Contains(second.error().message, "locked"));
  // Readers take no lock.
  auto reader = Vault::Open(f.path, Vault::Access::kRead);
  REQUIRE(reader);
  first.reset();
  auto third = Vault::Open(f.path, Vault::Access::kWrite);
  CHECK(third);
}
