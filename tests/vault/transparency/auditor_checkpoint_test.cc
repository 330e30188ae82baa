// Tests for vault/auditor_checkpoint.h on trees built in memory: what a
// note is checked against (roster or trusted keys) and the verdicts
// (consistent, rollback, fork, bad signature, unknown key, another vault).
// The same through the real CLI and Go: tests/tools/checkpoint_cli_test.sh.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/signing.h"
#include "vault/auditor_checkpoint.h"

namespace tp = custody::transparency;
namespace crypto = custody::crypto;
namespace vault = custody::vault;
using custody::Code;

namespace {
const std::string kVault = "00112233445566778899aabbccddeeff";

tp::MerkleTree Tree(int n, const std::string& tag = "event ") {
  tp::MerkleTree t;
  for (int i = 0; i < n; ++i) t.Append(tag + std::to_string(i));
  return t;
}
}  // namespace

TEST_CASE("CheckpointVerdictsAgainstTodaysTree") {
  auto member = crypto::GenerateSigningKey();
  const std::vector<crypto::Ed25519Public> roster = {crypto::GenerateSigningKey().public_key, member.public_key};
  const auto note = vault::SignCheckpointNote(kVault, Tree(10), member);

  SECTION("a longer ledger that extends it is consistent, with a proof") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(17), roster, {}, note);
    REQUIRE(f);
    CHECK(f->problem.empty());
    CHECK(f->note.head.size == 10);
    CHECK_FALSE(f->proof.empty());
    CHECK(f->note.signers == std::vector<std::string>{vault::CheckpointSignerName(kVault, member.public_key)});
  }
  SECTION("the same ledger is consistent with no proof") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(10), roster, {}, note);
    REQUIRE(f);
    CHECK(f->problem.empty());
    CHECK(f->proof.empty());
  }
  SECTION("a shorter ledger is a rollback") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(9), roster, {}, note);
    REQUIRE(f);
    CHECK(f->problem.starts_with("rollback: the checkpoint records 10 events, the vault holds 9 events"));
  }
  SECTION("the same size with other events is a fork") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(10, "forged "), roster, {}, note);
    REQUIRE(f);
    CHECK(f->problem.starts_with("fork: "));
  }
  SECTION("a longer ledger of other events is a rollback or fork") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(12, "forged "), roster, {}, note);
    REQUIRE(f);
    CHECK(f->problem.starts_with("rollback or fork: "));
  }
  SECTION("a signer outside the roster is an unknown key") {
    auto f = vault::CheckCheckpointNote(kVault, Tree(10), {roster[0]}, {}, note);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Code::kAuth);
    CHECK(f.error().message.starts_with("unknown key"));
  }
  SECTION("trusted keys replace the roster") {
    const auto mine = vault::CheckpointVerifierKey(kVault, member.public_key, tp::kAlgEd25519);
    CHECK(vault::CheckCheckpointNote(kVault, Tree(10), {}, {mine}, note));
    const auto other = vault::CheckpointVerifierKey(kVault, roster[0], tp::kAlgEd25519);
    auto f = vault::CheckCheckpointNote(kVault, Tree(10), roster, {other}, note);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Code::kAuth);
  }
  SECTION("an altered note is a bad signature") {
    std::string altered = note;
    altered.replace(altered.find("\n10\n"), 4, "\n11\n");
    auto f = vault::CheckCheckpointNote(kVault, Tree(11), roster, {}, altered);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Code::kCorrupt);
    CHECK(f.error().message.starts_with("bad signature"));
  }
  SECTION("another vault's checkpoint is a usage error") {
    auto f = vault::CheckCheckpointNote("ffeeddccbbaa99887766554433221100", Tree(10), roster, {}, note);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Code::kUsage);
  }
}

TEST_CASE("CosigningAddsAVerifiableCosignatureOnlyToAConsistentNote") {
  auto member = crypto::GenerateSigningKey();
  auto auditor = crypto::GenerateSigningKey();
  const std::vector<crypto::Ed25519Public> roster = {member.public_key, auditor.public_key};
  const auto note = vault::SignCheckpointNote(kVault, Tree(5), member);
  auto cosigned = vault::CosignCheckpointNote(kVault, Tree(5), roster, note, auditor, 1764660000);
  REQUIRE(cosigned);
  const auto cosigner = vault::CheckpointVerifierKey(kVault, auditor.public_key, tp::kAlgCosignatureV1);
  auto f = vault::CheckCheckpointNote(kVault, Tree(6), {}, {cosigner}, *cosigned);
  REQUIRE(f);
  CHECK(f->problem.empty());
  CHECK(f->note.cosigned_at == std::vector<uint64_t>{1764660000});
  // Cosigning again replaces the cosigner's line rather than adding one.
  auto again = vault::CosignCheckpointNote(kVault, Tree(5), roster, *cosigned, auditor, 1764660001);
  REQUIRE(again);
  CHECK(tp::ParseNote(*again)->signatures.size() == 2);
  // A cosigner vouches only for what it verified: not a rolled-back vault,
  // and not as a stranger.
  auto refused = vault::CosignCheckpointNote(kVault, Tree(4), roster, note, auditor, 1764660000);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::kCorrupt);
  auto stranger = vault::CosignCheckpointNote(kVault, Tree(5), roster, note, crypto::GenerateSigningKey(), 1);
  REQUIRE_FALSE(stranger);
  CHECK(stranger.error().code == Code::kAuth);
}
