// Tests for vault/ops/documents.cc: adding documents (registration numbers,
// chunking, atomicity of a refused or failed Add) and listing them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/env.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/testutil/fixed_clock.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/vault.h"

// ================================================================== Add

TEST_CASE("vault/AddedDocumentsExtractBitExactIncludingEmptyAndMultiChunk", "[vault]") {
  Fixture f;
  const std::string empty;
  const std::string one = "x";
  const std::string exact_chunk = PseudoRandom(format::kChunkSize, 1);
  const std::string big = PseudoRandom(2 * format::kChunkSize + 512 * 1024 + 7, 2);  // 3 chunks
  std::vector<std::pair<std::string, std::string>> docs = {
      {"empty.txt", empty}, {"one.bin", one}, {"chunk.bin", exact_chunk}, {"big.bin", big}};
  std::vector<vault::AddRequest> reqs;
  for (const auto& [name, data] : docs) reqs.push_back(File(f.Input(name, data), "Title of " + name));

  std::vector<std::string> regs;
  {
    auto v = OpenWrite(f.path, &f.clock);  // pinned: the year is the clock's (kFixedNow, 2026)
    const int secret = LevelOf(*v, "secret");
    auto added = v->Add(*f.officer, reqs, LevelAt(*v, secret));
    REQUIRE(added);
    regs = *added;
    REQUIRE(regs.size() == 4);
    // Automatic numbers: level initials, year, sequence.
    REQUIRE(custody::UtcYear(f.clock.NowUnix()) == 2026);
    for (size_t i = 0; i < regs.size(); ++i) {
      CHECK(regs[i].rfind("S-", 0) == 0);
      CHECK(regs[i].substr(regs[i].size() - 5) == "0000" + std::to_string(i + 1));
      CHECK(regs[i] == "S-2026-0000" + std::to_string(i + 1));
    }
    CHECK(std::set<std::string>(regs.begin(), regs.end()).size() == 4);
    const auto* bigdoc = v->TEST_state().FindDocument(regs[3]).value();
    REQUIRE(bigdoc != nullptr);
    CHECK(bigdoc->added().extent().chunk_count() == 3);
    CHECK(bigdoc->added().extent().chunk_size() == format::kChunkSize);
    CHECK(v->TEST_state().FindDocument(regs[0]).value()->added().extent().chunk_count() == 1);
    // Same session extraction.
    for (size_t i = 0; i < docs.size(); ++i) ExpectExtracts(*v, *f.officer, regs[i], docs[i].second, f.dir);
  }
  // After reopening.
  auto v = OpenWrite(f.path);
  for (size_t i = 0; i < docs.size(); ++i) ExpectExtracts(*v, *f.officer, regs[i], docs[i].second, f.dir);
  auto list = v->List(*f.officer, false);
  REQUIRE(list);
  REQUIRE(list->size() == 4);
  for (const auto& info : *list) {
    auto it = std::find(regs.begin(), regs.end(), info.reg_no);
    REQUIRE(it != regs.end());
    size_t i = static_cast<size_t>(it - regs.begin());
    CHECK(info.title == "Title of " + docs[i].first);
    CHECK(info.file_name == docs[i].first);
    CHECK(info.size == docs[i].second.size());
    CHECK(info.level_name == "secret");
    CHECK(info.added_by == "Officer Olga");
    CHECK(info.extract_count == 2);
    CHECK_FALSE(info.destroyed);
  }
  // The vault holds no plaintext of the big file.
  std::string raw = ReadFileBytes(f.path);
  CHECK_FALSE(Contains(raw, big.substr(1000, 64)));
  CHECK_FALSE(Contains(raw, "Title of big.bin"));
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->documents_live == 4);
  CHECK(audit->highest_level_held == LevelOf(*v, "secret"));
}

TEST_CASE("vault/ExplicitRegistrationNumbersAreUsedAndDuplicatesRefused", "[vault]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  vault::AddRequest r = File(f.Input("a.txt", "A"));
  r.reg_no = "REG/2024-001";
  auto regs = v->Add(*f.officer, {r}, LevelAt(*v, 0));
  REQUIRE(regs);
  CHECK(regs->at(0) == "REG/2024-001");
  ExpectExtracts(*v, *f.officer, "REG/2024-001", "A", f.dir);
  auto dup = v->Add(*f.officer, {r}, LevelAt(*v, 0));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == Code::kUsage);
}

// ====================================================== Refused mutations

TEST_CASE("vault/RefusedAddLeavesVaultFileByteForByteIdentical", "[vault][atomic]") {
  Fixture f;
  auto staff = Identity::Generate("Staff");
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
    auto r = v->Add(*f.officer, {File(f.Input("taken.txt", "t"))}, LevelAt(*v, 0));
    REQUIRE(r);
  }
  const std::string before = ReadFileBytes(f.path);
  const std::string good = f.Input("good.txt", PseudoRandom(3000, 61));
  fs::create_directory(f.dir / "a-directory");
  {
    auto v = OpenWrite(f.path);
    auto above = v->Add(*staff, {File(good)}, LevelAt(*v, 2));
    REQUIRE_FALSE(above);
    CHECK(above.error().code == Code::kNotCleared);
    CHECK(ReadFileBytes(f.path) == before);

    auto missing = v->Add(*f.officer, {File(good), File(f.dir / "no-such-file")}, LevelAt(*v, 0));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::kNotFound);
    CHECK(ReadFileBytes(f.path) == before);

    auto dir = v->Add(*f.officer, {File(good), File(f.dir / "a-directory")}, LevelAt(*v, 0));
    REQUIRE_FALSE(dir);
    CHECK(dir.error().code == Code::kUsage);
    CHECK(ReadFileBytes(f.path) == before);

    vault::AddRequest bad_reg = File(good);
    bad_reg.reg_no = "-starts-with-dash";
    auto bad = v->Add(*f.officer, {bad_reg}, LevelAt(*v, 0));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Code::kUsage);

    vault::AddRequest d1 = File(good), d2 = File(good);
    d1.reg_no = d2.reg_no = "SAME-1";
    auto dup = v->Add(*f.officer, {d1, d2}, LevelAt(*v, 0));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == Code::kUsage);

    auto stranger = Identity::Generate("Stranger");
    auto auth = v->Add(*stranger, {File(good)}, LevelAt(*v, 0));
    REQUIRE_FALSE(auth);
    CHECK(auth.error().code == Code::kAuth);
    CHECK(ReadFileBytes(f.path) == before);
    CHECK(v->TEST_state().catalog.size() == 1);
  }
  CHECK(ReadFileBytes(f.path) == before);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->documents_live == 1);
}

namespace {
// Adds two files through `env` with enough writes for the first (extent
// header, chunk, key record, event) but not the second: the add fails with
// kIo part-way, after it began changing the vault.
void AddFailingPartWay(Vault& v, Fixture& f, FaultyEnv& env) {
  env.writes_left = 5;
  auto r = v.Add(*f.officer, {File(f.Input("a", "first file")), File(f.Input("b", PseudoRandom(2000000, 5)))},
                 LevelAt(v, 0));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kIo);
  env.writes_left = -1;
}
}  // namespace

TEST_CASE("vault/AddFailingPartWayLeavesFileAsItWasAfterClose", "[vault][atomic]") {
  Fixture f;
  const std::string before = ReadFileBytes(f.path);
  FaultyEnv env;
  {
    auto opened = Vault::Open(f.path, Vault::Access::kWrite, &env);
    REQUIRE(opened);
    auto& v = *opened;
    AddFailingPartWay(*v, f, env);
  }
  CHECK(ReadFileBytes(f.path) == before);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->documents_live == 0);
}

// Regression (fixed by Vault::WriteScope). Was: a failed Add left its partial
// work (documents already appended and applied to the in-memory state) in the
// open Vault, and the next successful commit on the same Vault published it.
// Now the handle refuses further writes and the file is back at its commit.
TEST_CASE("vault/FailedAddIsNotPublishedByTheNextCommit", "[vault][atomic]") {
  Fixture f;
  FaultyEnv env;
  {
    auto opened = Vault::Open(f.path, Vault::Access::kWrite, &env);
    REQUIRE(opened);
    auto& v = *opened;
    AddFailingPartWay(*v, f, env);
    // The handle that failed part-way refuses to publish anything more.
    auto refused = v->Add(*f.officer, {File(f.Input("c", "third file"))}, LevelAt(*v, 0));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("reopen") != std::string::npos);
  }
  {
    auto reopened = Vault::Open(f.path, Vault::Access::kWrite, &env);
    REQUIRE(reopened);
    REQUIRE((*reopened)->Add(*f.officer, {File(f.Input("c", "third file"))}, LevelAt(*(*reopened), 0)));
  }
  auto v = Vault::Open(f.path, Vault::Access::kRead);
  REQUIRE(v);
  CHECK((*v)->TEST_state().catalog.size() == 1);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->documents_live == 1);
}

// ========================================================= Clock seam

// Registration numbers carry the year of the vault's clock (never today's
// date), and documents carry its time. Note (today's behaviour, asserted
// as such): the sequence counter is per level, not per year, so it continues
// across a change of year (S-2031-00001, then S-2032-00002).
TEST_CASE("vault/AutomaticRegistrationNumbersUseTheVaultClocksYear", "[vault][clock]") {
  const int64_t march_2031 = 1930089600;  // 2031-03-01 00:00:00 UTC
  const int64_t march_2032 = 1961712000;  // 2032-03-01 00:00:00 UTC
  REQUIRE(custody::UtcYear(march_2031) == 2031);
  REQUIRE(custody::UtcYear(march_2032) == 2032);
  Fixture f(march_2031);
  std::string first, second;
  {
    auto opened = Vault::Open(f.path, Vault::Access::kWrite, custody::DefaultEnv(), &f.clock);
    REQUIRE(opened);
    auto& v = *opened;
    auto a = v->Add(*f.officer, {File(f.Input("a.txt", "first"))}, LevelAt(*v, LevelOf(*v, "secret")));
    REQUIRE(a);
    REQUIRE(a->size() == 1);
    first = a->at(0);
    CHECK(first == "S-2031-00001");

    f.clock.Set(march_2032);
    auto b = v->Add(*f.officer, {File(f.Input("b.txt", "second"))}, LevelAt(*v, LevelOf(*v, "secret")));
    REQUIRE(b);
    REQUIRE(b->size() == 1);
    second = b->at(0);
    CHECK(second == "S-2032-00002");
  }
  // The event times are the pinned clock's, as List reports them.
  auto v = OpenWrite(f.path, &f.clock);
  auto list = v->List(*f.officer, false);
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  for (const auto& info : *list) {
    CAPTURE(info.reg_no);
    if (info.reg_no == first) {
      CHECK(info.added_unix == march_2031);
    } else {
      CHECK(info.reg_no == second);
      CHECK(info.added_unix == march_2032);
    }
  }
}
