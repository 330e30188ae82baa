// The rules of tracked copies (FORMAT.md §5.4 R170 CopyIssued, R171
// CopyReturned, R172 the checkpoint's copies) on events built in memory.
// Written as a forger would try them: someone who can rewrite the file and
// holds some member's key. Every refused event leaves the state exactly as
// it was (compared through ToCheckpoint, copies included).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/hardening.h"
#include "format/custody.pb.h"
#include "tests/vault/ledger/ledger_builder.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

using ledger_test::Raw;
using ledger_test::CheckRefused;
using ledger_test::SameState;

const bool kInitialized = crypto::InitializeProcess().has_value();

// Two levels ("public", "secret"); an officer cleared for both, a staff
// member cleared for "public"; P-1 at public, S-1 at secret; an outsider
// who is in no roster.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> officer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> staff = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> outsider = Identity::Generate("Liaison Lee");

  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*officer), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *staff, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "P-1", 'p', 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "S-1", 's', 1), {officer.get()}), state));
  }
  void Apply(const format::Event& e, const Identity& signer) {
    REQUIRE(state.Apply(e, {Raw(signer)}));
  }
};


TEST_CASE("copies/PlaintextCopyToAClearedMemberIsIssued", "[ledger][copies]") {
  Ledger l;
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  const auto* d = l.state.FindDocument("P-1").value();
  CHECK(d->copies_issued() == 1);
  CHECK(d->copies_outstanding() == 1);
  const format::CopyState* c = *l.state.FindCopy("P-1", 1);
  REQUIRE(c != nullptr);
  CHECK(c->status() == format::COPY_ISSUED);
  CHECK(c->issued_by() == Raw(*l.officer));
  CHECK(c->issued().scope() == "Ministry liaison");
}

TEST_CASE("copies/PlaintextCopyToSomeoneNotClearedIsRefused", "[ledger][copies]") {
  Ledger l;
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "S-1", 's', 1, 1), *l.officer,
               "plaintext copy to someone not cleared");
  CheckRefused(l, l.CopyIssue(*l.officer, *l.outsider, "P-1", 'p', 0, 1), *l.officer,
               "plaintext copy to someone not cleared");
  // Sealed, the same copy may go to anyone: only their key opens it.
  l.Apply(l.CopyIssue(*l.officer, *l.outsider, "S-1", 's', 1, 1, /*sealed=*/true), *l.officer);
  CHECK((*l.state.FindCopy("S-1", 1))->issued().sealed());
}

TEST_CASE("copies/IssuerMustBeClearedForTheDocument", "[ledger][copies]") {
  Ledger l;
  CheckRefused(l, l.CopyIssue(*l.staff, *l.outsider, "S-1", 's', 1, 1, true), *l.staff,
               "copy issued by someone not cleared");
  CheckRefused(l, l.CopyIssue(*l.outsider, *l.staff, "P-1", 'p', 0, 1), *l.outsider,
               "signed by a revoked or unknown identity");
}

TEST_CASE("copies/NumbersAreDenseAndNeverReused", "[ledger][copies]") {
  Ledger l;
  // A forger cannot hide a copy by skipping a number...
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 2), *l.officer,
               "copy number out of sequence");
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 0), *l.officer,
               "copy number out of sequence");
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  // ...nor overwrite an issued copy (its recipient, its state) by reissuing its number.
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer,
               "copy number out of sequence");
  format::Event beyond = l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 2);
  beyond.mutable_copy_issued()->set_of(1);
  CheckRefused(l, beyond, *l.officer, "copy number out of sequence");
}

TEST_CASE("copies/MarkingAndKindMustMatchTheDocument", "[ledger][copies]") {
  Ledger l;
  // A secret document recorded as a public copy would misstate what left.
  CheckRefused(l, l.CopyIssue(*l.officer, *l.outsider, "S-1", 's', 0, 1, true), *l.officer,
               "copy marked with another level than its document's");
  format::Event no_scope = l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1);
  no_scope.mutable_copy_issued()->clear_scope();
  CheckRefused(l, no_scope, *l.officer, "copy without a distribution scope");
  format::Event sealed_unbound = l.CopyIssue(*l.officer, *l.outsider, "P-1", 'p', 0, 1, true);
  sealed_unbound.mutable_copy_issued()->clear_sealed_hash();
  CheckRefused(l, sealed_unbound, *l.officer, "copy's sealed-file hash does not match its kind");
  format::Event plain_hashed = l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1);
  plain_hashed.mutable_copy_issued()->set_sealed_hash(std::string(32, 'h'));
  CheckRefused(l, plain_hashed, *l.officer, "copy's sealed-file hash does not match its kind");
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "P-1", 'x', 0, 1), *l.officer,
               "copy of an unknown document");
}

TEST_CASE("copies/NoCopyOfADestroyedDocument", "[ledger][copies]") {
  Ledger l;
  auto witness = Identity::Generate("Witness Wendy");
  l.Apply(l.Grant(*l.officer, *witness, format::ROLE_STAFF, 0), *l.officer);
  REQUIRE(l.state.Apply(l.Destroy(*l.officer, *witness, "P-1", 'p'), {Raw(*l.officer), Raw(*witness)}));
  CheckRefused(l, l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer,
               "copy of a destroyed document");
}

TEST_CASE("copies/ReturnOfACopyNeverIssuedIsRefused", "[ledger][copies]") {
  Ledger l;
  CheckRefused(l, l.CopyReturn(*l.officer, "P-1", 'p', 1), *l.officer, "return of a copy never issued");
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  // The right number under another document's id is not that copy.
  CheckRefused(l, l.CopyReturn(*l.officer, "P-1", 's', 1), *l.officer, "return of a copy never issued");
  CheckRefused(l, l.CopyReturn(*l.officer, "P-1", 'p', 2), *l.officer, "return of a copy never issued");
}

TEST_CASE("copies/OnlyAnOfficerTakesACopyBack", "[ledger][copies]") {
  Ledger l;
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  // The holder of a copy cannot sign it off as returned.
  CheckRefused(l, l.CopyReturn(*l.staff, "P-1", 'p', 1), *l.staff,
               "return a copy by someone who is not an officer");
}

TEST_CASE("copies/ACopyIsReturnedOnce", "[ledger][copies]") {
  Ledger l;
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  l.Apply(l.CopyReturn(*l.officer, "P-1", 'p', 1), *l.officer);
  CHECK((*l.state.FindCopy("P-1", 1))->status() == format::COPY_RETURNED);
  CHECK((*l.state.FindCopy("P-1", 1))->returned_by() == Raw(*l.officer));
  CHECK(l.state.FindDocument("P-1").value()->copies_outstanding() == 0);
  CheckRefused(l, l.CopyReturn(*l.officer, "P-1", 'p', 1), *l.officer, "copy returned twice");
}

TEST_CASE("copies/ASealedCopyComesBackAsTheFileIssued", "[ledger][copies]") {
  Ledger l;
  l.Apply(l.CopyIssue(*l.officer, *l.outsider, "S-1", 's', 1, 1, true, 'a'), *l.officer);
  CheckRefused(l, l.CopyReturn(*l.officer, "S-1", 's', 1, std::string(32, 'b')), *l.officer,
               "sealed copy returned with other bytes than issued");
  CheckRefused(l, l.CopyReturn(*l.officer, "S-1", 's', 1), *l.officer,
               "sealed copy returned with other bytes than issued");
  l.Apply(l.CopyReturn(*l.officer, "S-1", 's', 1, std::string(32, 'a')), *l.officer);
  CHECK((*l.state.FindCopy("S-1", 1))->status() == format::COPY_RETURNED);
}

TEST_CASE("copies/CopiesSurviveACheckpoint", "[ledger][copies]") {
  Ledger l;
  l.Apply(l.CopyIssue(*l.officer, *l.staff, "P-1", 'p', 0, 1), *l.officer);
  l.Apply(l.CopyIssue(*l.officer, *l.outsider, "P-1", 'p', 0, 2, true), *l.officer);
  l.Apply(l.CopyReturn(*l.officer, "P-1", 'p', 1), *l.officer);
  format::Checkpoint cp = l.state.ToCheckpoint();
  CHECK(cp.copies_size() == 2);
  auto back = VaultState::FromCheckpoint(format::Checkpoint(cp));
  REQUIRE(back);
  CHECK((*back->FindCopy("P-1", 1))->status() == format::COPY_RETURNED);
  CHECK((*back->FindCopy("P-1", 2))->status() == format::COPY_ISSUED);
  // A checkpoint listing one copy twice is refused (R172).
  *cp.add_copies() = cp.copies(0);
  CHECK_FALSE(VaultState::FromCheckpoint(std::move(cp)));
}

}  // namespace
}  // namespace custody::vault
