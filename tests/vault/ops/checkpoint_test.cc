// Tests for vault/ops/commit.cc: the checkpoints a commit writes every 256
// events, and that Open and Audit use and verify them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

// ============================================================= Checkpoints

// Every commit writes the catalog pages it changed and a checkpoint
// (FORMAT.md §3.9, §3.16). Many commits (grants: one each, fdatasync
// skipped by the test Env) with documents on both sides: each checkpoint is
// used by the next open and verified by audit.
TEST_CASE("vault/CheckpointWrittenAfterManyEventsIsUsedAndVerified", "[vault][checkpoint]") {
  Fixture f;
  FaultyEnv env;
  env.skip_sync = true;
  std::vector<std::string> regs;
  {
    auto opened = Vault::Open(f.path, Vault::Access::kWrite, &env);
    REQUIRE(opened);
    auto& v = *opened;
    auto r = v->Add(*f.officer, {File(f.Input("a", "before the checkpoint")),
                                 File(f.Input("b", PseudoRandom(1100000, 91)))}, LevelAt(*v, 2));
    REQUIRE(r);
    regs = *r;  // 3 events so far
    int grants = 0;
    uint64_t last_checkpoint = v->TEST_container().superblock().checkpoint_offset();
    CHECK(last_checkpoint != 0);
    while (v->TEST_state().event_count < 300) {
      auto id = Identity::Generate("Member " + std::to_string(++grants));
      REQUIRE(v->Grant(*f.officer, id->public_identity(), vault::Role::kStaff, ClearanceAt(*v, grants % 4)));
      const uint64_t now = v->TEST_container().superblock().checkpoint_offset();
      CHECK(now > last_checkpoint);
      last_checkpoint = now;
    }
  }
  {
    auto opened = Vault::Open(f.path, Vault::Access::kWrite, &env);
    REQUIRE(opened);
    auto& v = *opened;
    CHECK(v->TEST_container().superblock().checkpoint_offset() != 0);
    CHECK(v->TEST_state().event_count == 300);
    CHECK(v->TEST_state().members.size() == 298);
    ExpectExtracts(*v, *f.officer, regs[0], "before the checkpoint", f.dir);
    ExpectExtracts(*v, *f.officer, regs[1], PseudoRandom(1100000, 91), f.dir);
    auto after = v->Add(*f.officer, {File(f.Input("c", "after the checkpoint"))}, LevelAt(*v, 1));
    REQUIRE(after);
    regs.push_back(after->at(0));
  }
  auto v = OpenWrite(f.path);
  CHECK(v->TEST_state().catalog.size() == 3);
  CHECK(v->TEST_state().event_count == 303);
  ExpectExtracts(*v, *f.officer, regs[2], "after the checkpoint", f.dir);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
  CHECK(audit->checkpoints_verified == 302);  // one per commit: 297 grants, 2 adds, 3 extracts
  CHECK(audit->events == 304);
  CHECK(audit->documents_live == 3);
}

// The literal scenario (300 tiny files in one Add). Slow (every document
// allocates a 12 MiB pipeline ring) but registered with CTest; select or
// skip it with the [slow] tag.
TEST_CASE("vault/CheckpointAfterThreeHundredTinyFilesInOneAdd", "[slow][vault][checkpoint]") {
  Fixture f;
  fs::create_directory(f.dir / "many");
  std::vector<vault::AddRequest> reqs;
  for (int i = 0; i < 300; ++i) {
    std::string p = f.dir / ("many/f" + std::to_string(i));
    WriteFileBytes(p, "tiny file number " + std::to_string(i));
    reqs.push_back(File(p));
  }
  std::vector<std::string> regs;
  {
    auto v = OpenWrite(f.path);
    auto r = v->Add(*f.officer, reqs, LevelAt(*v, 0));
    REQUIRE(r);
    regs = *r;
    REQUIRE(regs.size() == 300);
  }
  {
    auto v = OpenWrite(f.path);
    CHECK(v->TEST_container().superblock().checkpoint_offset() != 0);
    CHECK(v->TEST_state().event_count == 301);
    ExpectExtracts(*v, *f.officer, regs[0], "tiny file number 0", f.dir);
    ExpectExtracts(*v, *f.officer, regs[299], "tiny file number 299", f.dir);
    REQUIRE(v->Add(*f.officer, {File(f.Input("after", "after the checkpoint"))}, LevelAt(*v, 1)));
  }
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->checkpoints_verified >= 1);
  CHECK(audit->documents_live == 301);
}
