// Tests for vault/ops/destroy.cc: witnessed destruction, the overwrite of
// ciphertext and key records, and who may destroy.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/storage/extent_stream.h"
#include "vault/vault.h"

TEST_CASE("vault/DestroyWithWitnessOverwritesAndIsAuditable", "[vault][destroy]") {
  Fixture f;
  auto witness = Identity::Generate("Witness Wanda");
  const std::string doomed = PseudoRandom(1200000, 21);
  const std::string kept = PseudoRandom(5000, 22);
  std::string doomed_reg, kept_reg, ciphertext_sample;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    auto regs = v->Add(*f.officer, {File(f.Input("doomed.bin", doomed), "Doomed"),
                                    File(f.Input("kept.bin", kept), "Kept")}, LevelAt(*v, 2));
    REQUIRE(regs);
    doomed_reg = regs->at(0);
    kept_reg = regs->at(1);
    const auto& e = v->TEST_state().FindDocument(doomed_reg).value()->added().extent();
    std::string raw = ReadFileBytes(f.path);
    ciphertext_sample = raw.substr(e.offset() + 100000, 64);
    REQUIRE(Contains(raw, ciphertext_sample));
    REQUIRE(v->Destroy(*f.officer, *witness, doomed_reg, "retention period expired"));
    std::string msg = ExpectExtractFails(*v, *f.officer, doomed_reg, Code::kNotFound, f.dir);
    CHECK(Contains(msg, "destroyed"));
    ExpectExtracts(*v, *f.officer, kept_reg, kept, f.dir);
    // Destroying again is refused.
    auto again = v->Destroy(*f.officer, *witness, doomed_reg, "again");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == Code::kNotFound);
  }
  auto v = OpenWrite(f.path);
  std::string msg = ExpectExtractFails(*v, *f.officer, doomed_reg, Code::kNotFound, f.dir);
  CHECK(Contains(msg, "destroyed"));
  ExpectExtracts(*v, *f.officer, kept_reg, kept, f.dir);

  auto live = v->List(*f.officer, false);
  REQUIRE(live);
  REQUIRE(live->size() == 1);
  CHECK(live->at(0).reg_no == kept_reg);
  auto all = v->List(*f.officer, true);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  for (const auto& d : *all) {
    if (d.reg_no != doomed_reg) continue;
    CHECK(d.destroyed);
    CHECK(d.title.empty());
    CHECK(d.destroyed_by == "Officer Olga");
  }
  // Ciphertext is gone from the file; the extent is all zero.
  std::string raw = ReadFileBytes(f.path);
  CHECK_FALSE(Contains(raw, ciphertext_sample));
  const auto* d = v->TEST_state().FindDocument(doomed_reg).value();
  REQUIRE(d != nullptr);
  auto zeroed = vault::ExtentIsZeroed(v->TEST_container(), d->added().extent());
  REQUIRE(zeroed);
  CHECK(*zeroed);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
  CHECK(audit->documents_destroyed == 1);
  CHECK(audit->documents_live == 1);
  CHECK(audit->signatures_verified >= audit->events + 1);  // destroy is signed twice
}

// v2 revokes link keys instead of re-wrapping (FORMAT.md §3.14), so a
// document keeps its one key record across a revoke; destroying it
// afterwards overwrites that record, and audit finds no superseded one.
TEST_CASE("vault/DestroyAfterRevokeOverwritesTheDocumentsKeyRecord", "[vault][destroy][revoke]") {
  Fixture f;
  auto witness = Identity::Generate("Witness");
  auto leaver = Identity::Generate("Leaver");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
  REQUIRE(v->Grant(*f.officer, leaver->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "rotated then destroyed"))}, LevelAt(*v, 1));
  REQUIRE(regs);
  REQUIRE(v->Revoke(*f.officer, leaver->public_identity()));
  REQUIRE(v->TEST_state().FindDocument(regs->at(0)).value()->old_keys_size() == 0);
  REQUIRE(v->TEST_state().FindDocument(regs->at(0)).value()->key().offset() != 0);
  REQUIRE(v->Destroy(*f.officer, *witness, regs->at(0), "shred"));
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
  CHECK(audit->documents_destroyed == 1);
}

TEST_CASE("vault/DestroyWithWitnessEqualToActorIsRefused", "[vault][destroy]") {
  Fixture f;
  auto staff = Identity::Generate("Staff");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 3)));
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "still here"))}, LevelAt(*v, 0));
  REQUIRE(regs);
  const std::string before = ReadFileBytes(f.path);

  auto same = v->Destroy(*f.officer, *f.officer, regs->at(0), "no witness");
  REQUIRE_FALSE(same);
  CHECK(same.error().code == Code::kUsage);
  CHECK(ReadFileBytes(f.path) == before);
  // Staff may not destroy, even with an officer as witness.
  auto by_staff = v->Destroy(*staff, *f.officer, regs->at(0), "x");
  REQUIRE_FALSE(by_staff);
  CHECK(by_staff.error().code == Code::kAuth);
  // A reason is required.
  auto no_reason = v->Destroy(*f.officer, *staff, regs->at(0), "");
  REQUIRE_FALSE(no_reason);
  CHECK(no_reason.error().code == Code::kUsage);
  // A witness from outside the roster is refused.
  auto outsider = Identity::Generate("Outsider");
  auto out = v->Destroy(*f.officer, *outsider, regs->at(0), "x");
  REQUIRE_FALSE(out);
  CHECK(out.error().code == Code::kAuth);
  CHECK(ReadFileBytes(f.path) == before);
  ExpectExtracts(*v, *f.officer, regs->at(0), "still here", f.dir);
}

// A destroy overwrites its key records with one sync after them all, so a
// crash may tear that write: a zeroed prefix, the old bytes after it. That
// is no key any more (it does not parse), but it is not erased either: the
// next write open must overwrite it again, not take it for another
// document's record and leave it (the crash harness found this).
TEST_CASE("vault/ATornKeyRecordOverwriteIsFinishedByTheNextWriteOpen", "[vault][destroy][crash]") {
  Fixture f;
  auto witness = Identity::Generate("Witness");
  std::string reg, key_bytes;
  uint64_t key_at = 0;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "torn erasure"))}, LevelAt(*v, 1));
    REQUIRE(regs);
    reg = regs->at(0);
    auto rec = v->TEST_container().ReadHeader(v->TEST_state().FindDocument(reg).value()->key().offset());
    REQUIRE(rec);
    key_at = rec->payload_offset();
    key_bytes = ReadFileBytes(f.path).substr(key_at, rec->header.length);
    REQUIRE(key_bytes.size() > 16);
    REQUIRE(v->Destroy(*f.officer, *witness, reg, "shred"));
  }
  // The torn write: only the first half of the zeros reached the disk.
  {
    std::fstream io(f.path, std::ios::in | std::ios::out | std::ios::binary);
    const size_t half = key_bytes.size() / 2;
    io.seekp(static_cast<std::streamoff>(key_at + half));
    io.write(key_bytes.data() + half, static_cast<std::streamsize>(key_bytes.size() - half));
  }
  auto before = Vault::Audit(f.path);
  REQUIRE(before);
  REQUIRE_FALSE(before->ok());  // the torn record is reported
  { auto v = OpenWrite(f.path); }
  CHECK(ReadFileBytes(f.path).substr(key_at, key_bytes.size()) == std::string(key_bytes.size(), '\0'));
  auto after = Vault::Audit(f.path);
  REQUIRE(after);
  for (const auto& p : after->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(after->ok());
}
