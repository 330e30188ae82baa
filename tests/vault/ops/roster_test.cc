// Tests for vault/ops/roster.cc (grant, revoke) and the access control of
// every operation: clearances, roles, identities outside the roster.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/vault.h"

// ========================================================== Access control

TEST_CASE("vault/ListHidesDocumentsAboveClearance", "[vault][access]") {
  Fixture f;
  auto staff = Identity::Generate("Staff Sam");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, LevelOf(*v, "confidential"))));
  auto secret = v->Add(*f.officer, {File(f.Input("s.txt", "nightfall"), "Operation Nightfall")}, LevelAt(*v, LevelOf(*v, "secret")));
  REQUIRE(secret);
  auto conf = v->Add(*f.officer, {File(f.Input("c.txt", "budget"), "Budget 2025")}, LevelAt(*v, LevelOf(*v, "confidential")));
  REQUIRE(conf);
  auto internal = v->Add(*f.officer, {File(f.Input("i.txt", "menu"), "Canteen menu")}, LevelAt(*v, LevelOf(*v, "internal")));
  REQUIRE(internal);

  auto list = v->List(*staff, true);
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  for (const auto& d : *list) {
    CHECK(d.reg_no != secret->at(0));
    CHECK_FALSE(Contains(d.title, "Nightfall"));
    CHECK(d.level.index() <= static_cast<uint32_t>(LevelOf(*v, "confidential")));
  }
  auto officer_list = v->List(*f.officer, true);
  REQUIRE(officer_list);
  CHECK(officer_list->size() == 3);
  ExpectExtracts(*v, *staff, conf->at(0), "budget", f.dir);
  ExpectExtracts(*v, *staff, internal->at(0), "menu", f.dir);
}

TEST_CASE("vault/ExtractAboveClearanceIsNotCleared", "[vault][access]") {
  Fixture f;
  auto staff = Identity::Generate("Staff Sam");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, LevelOf(*v, "confidential"))));
  auto secret = v->Add(*f.officer, {File(f.Input("s.txt", "nightfall"))}, LevelAt(*v, LevelOf(*v, "secret")));
  REQUIRE(secret);
  ExpectExtractFails(*v, *staff, secret->at(0), Code::kNotCleared, f.dir);
  // A document that does not exist is kNotFound.
  ExpectExtractFails(*v, *staff, "S-1999-99999", Code::kNotFound, f.dir);
  // Staff may not add above clearance either.
  auto add = v->Add(*staff, {File(f.Input("x.txt", "x"))}, LevelAt(*v, LevelOf(*v, "secret")));
  REQUIRE_FALSE(add);
  CHECK(add.error().code == Code::kNotCleared);
  // The refused extraction recorded nothing.
  CHECK(v->TEST_state().FindDocument(secret->at(0)).value()->extract_count() == 0);
}

TEST_CASE("vault/IdentityNotInRosterGetsAuth", "[vault][access]") {
  Fixture f;
  auto stranger = Identity::Generate("Stranger");
  auto v = OpenWrite(f.path);
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "A"))}, LevelAt(*v, 0));
  REQUIRE(regs);
  auto list = v->List(*stranger, false);
  REQUIRE_FALSE(list);
  CHECK(list.error().code == Code::kAuth);
  ExpectExtractFails(*v, *stranger, regs->at(0), Code::kAuth, f.dir);
  auto add = v->Add(*stranger, {File(f.Input("b.txt", "B"))}, LevelAt(*v, 0));
  REQUIRE_FALSE(add);
  CHECK(add.error().code == Code::kAuth);
  auto grant = v->Grant(*stranger, stranger->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 3));
  REQUIRE_FALSE(grant);
  CHECK(grant.error().code == Code::kAuth);
  // An identity with the same name but other keys is a stranger too.
  auto impostor = Identity::Generate("Officer Olga");
  ExpectExtractFails(*v, *impostor, regs->at(0), Code::kAuth, f.dir);
}

TEST_CASE("vault/OnlyOfficersMayGrantAndCannotGrantAboveOwnClearance", "[vault][access]") {
  Fixture f;
  auto staff = Identity::Generate("Staff Sam");
  auto other = Identity::Generate("Other");
  auto junior = Identity::Generate("Junior Officer");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  auto g = v->Grant(*staff, other->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0));
  REQUIRE_FALSE(g);
  CHECK(g.error().code == Code::kAuth);
  REQUIRE(v->Grant(*f.officer, junior->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 1)));
  auto high = v->Grant(*junior, other->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 2));
  REQUIRE_FALSE(high);
  CHECK(high.error().code == Code::kNotCleared);
  // An officer cannot lower their own clearance, nor one above their own.
  auto self = v->Grant(*junior, junior->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 0));
  REQUIRE_FALSE(self);
  CHECK(self.error().code == Code::kUsage);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK(audit->ok());
  CHECK(audit->members.size() == 3);
}

// Lowering a clearance takes keys away: like a revoke, every level the
// member held gets a fresh key; they keep the lower levels' new keys only,
// so a level key they saved before is no use for anything added after.
TEST_CASE("vault/LoweringAClearanceRotatesTheLevelsHeld", "[vault][access][revoke]") {
  Fixture f;
  auto sam = Identity::Generate("Staff Sam");
  const std::string sam_key(reinterpret_cast<const char*>(sam->public_identity().ed25519.data()), 32);
  std::string secret_reg, internal_reg;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, sam->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 2)));
    secret_reg = v->Add(*f.officer, {File(f.Input("s.txt", "secret plan"))}, LevelAt(*v, 2))->at(0);
    ExpectExtracts(*v, *sam, secret_reg, "secret plan", f.dir);
    REQUIRE(v->Grant(*f.officer, sam->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    CHECK(v->TEST_state().epochs == std::vector<uint32_t>{1, 1, 1, 0});
    CHECK(v->TEST_state().FindMember(sam_key)->clearance() == 0);
    CHECK_FALSE(v->TEST_state().FindMember(sam_key)->revoked());
    ExpectExtractFails(*v, *sam, secret_reg, Code::kNotCleared, f.dir);
    internal_reg = v->Add(*sam, {File(f.Input("i.txt", "after lowering"))}, LevelAt(*v, 0))->at(0);
    ExpectExtracts(*v, *f.officer, internal_reg, "after lowering", f.dir);
  }
  auto v = OpenWrite(f.path);
  ExpectExtracts(*v, *sam, internal_reg, "after lowering", f.dir);
  ExpectExtractFails(*v, *sam, secret_reg, Code::kNotCleared, f.dir);
  CHECK(vault::FindSlot(v->TEST_state(), sam_key, 0) != nullptr);
  for (uint32_t level = 1; level < 4; ++level) CHECK(vault::FindSlot(v->TEST_state(), sam_key, level) == nullptr);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
}

// Regression (fixed). Was: Vault::Extract's kNotCleared message indexes level_names with the
// member's clearance, which is -1 for an auditor (no levels) — an
// out-of-bounds read. Run in a child process so a crash cannot take the
// test binary down.
TEST_CASE("vault/AuditorWithoutClearanceExtractIsNotClearedWithoutCrashing", "[vault][access]") {
  Fixture f;
  auto auditor = Identity::Generate("Auditor Ann");
  std::string reg;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, auditor->public_identity(), vault::Role::kAuditor, ClearanceAt(*v, -1)));
    auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "A"))}, LevelAt(*v, 0));
    REQUIRE(regs);
    reg = regs->at(0);
    // An auditor lists the register (issue 9): every document, no name.
    auto list = v->List(*auditor, true);
    REQUIRE(list);
    REQUIRE(list->size() == 1);
    CHECK(list->at(0).reg_no == reg);
    CHECK(list->at(0).title.empty());
    CHECK(list->at(0).file_name.empty());
    CHECK(list->at(0).size == 0);
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Let a crash be a crash (not Catch's report from the child).
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE}) ::signal(sig, SIG_DFL);
    int rc = 100;
    try {
      auto v = Vault::Open(f.path, Vault::Access::kWrite);
      if (v) {
        auto s = (*v)->Extract(*auditor, To(reg, f.dir / "auditor-out"));
        rc = s ? 101 : static_cast<int>(s.error().code);
      }
    } catch (...) {
      rc = 102;
    }
    ::_exit(rc);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == static_cast<int>(Code::kNotCleared));
}

// ================================================================== Revoke

TEST_CASE("vault/RevokeRotatesKeysAndLocksOutTheRevokedIdentity", "[vault][revoke]") {
  Fixture f;
  auto alice = Identity::Generate("Alice (secret)");
  auto bob = Identity::Generate("Bob (confidential)");
  const std::string conf_data = PseudoRandom(1500000, 11);
  const std::string secret_data = "the secret plan";
  const std::string top_data = "top secret plan";
  std::string conf_reg, secret_reg, top_reg;
  {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, alice->public_identity(), vault::Role::kStaff, ClearanceAt(*v, LevelOf(*v, "secret"))));
    REQUIRE(v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, LevelOf(*v, "confidential"))));
    conf_reg = v->Add(*f.officer, {File(f.Input("c.bin", conf_data))}, LevelAt(*v, 1))->at(0);
    secret_reg = v->Add(*f.officer, {File(f.Input("s.txt", secret_data))}, LevelAt(*v, 2))->at(0);
    top_reg = v->Add(*f.officer, {File(f.Input("t.txt", top_data))}, LevelAt(*v, 3))->at(0);
    ExpectExtracts(*v, *alice, secret_reg, secret_data, f.dir);
    CHECK(v->TEST_state().epochs == std::vector<uint32_t>{0, 0, 0, 0});

    REQUIRE(v->Revoke(*f.officer, alice->public_identity()));
    // Levels 0..secret rotated; top-secret untouched.
    CHECK(v->TEST_state().epochs == std::vector<uint32_t>{1, 1, 1, 0});
    ExpectExtractFails(*v, *alice, secret_reg, Code::kAuth, f.dir);
    ExpectExtractFails(*v, *alice, conf_reg, Code::kAuth, f.dir);
    auto l = v->List(*alice, true);
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kAuth);
    ExpectExtracts(*v, *bob, conf_reg, conf_data, f.dir);
    ExpectExtracts(*v, *f.officer, secret_reg, secret_data, f.dir);
    ExpectExtracts(*v, *f.officer, top_reg, top_data, f.dir);
    // Revoking twice is refused; revoking oneself is refused.
    auto again = v->Revoke(*f.officer, alice->public_identity());
    REQUIRE_FALSE(again);
    CHECK(again.error().code == Code::kNotFound);
    auto self = v->Revoke(*f.officer, f.officer->public_identity());
    REQUIRE_FALSE(self);
    CHECK(self.error().code == Code::kUsage);
    // Staff may not revoke.
    auto by_staff = v->Revoke(*bob, f.officer->public_identity());
    REQUIRE_FALSE(by_staff);
    CHECK(by_staff.error().code == Code::kAuth);
    // New documents at a rotated level work for everyone remaining.
    auto later = v->Add(*bob, {File(f.Input("later.txt", "after rotation"))}, LevelAt(*v, 1));
    REQUIRE(later);
    ExpectExtracts(*v, *f.officer, later->at(0), "after rotation", f.dir);
  }
  // Same after reopening.
  auto v = OpenWrite(f.path);
  ExpectExtractFails(*v, *alice, secret_reg, Code::kAuth, f.dir);
  ExpectExtracts(*v, *bob, conf_reg, conf_data, f.dir);
  ExpectExtracts(*v, *f.officer, secret_reg, secret_data, f.dir);
  // The revoked identity can no longer open any current key slot.
  const std::string alice_key(reinterpret_cast<const char*>(alice->public_identity().ed25519.data()), 32);
  for (uint32_t level = 0; level < 4; ++level)
    CHECK(vault::FindSlot(v->TEST_state(), alice_key, level) == nullptr);
  CHECK(v->TEST_state().FindMember(alice_key)->revoked());
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
  CHECK(audit->documents_live == 4);
  CHECK(std::any_of(audit->members.begin(), audit->members.end(),
                    [](const auto& m) { return m.revoked; }));
}
