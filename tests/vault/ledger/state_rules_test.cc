// The rules of VaultState::Apply and the replay step, on events built in
// memory: no file, no container. Each refused event must leave the state
// exactly as it was (compared through ToCheckpoint).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/hardening.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/vault/ledger/ledger_builder.h"
#include "vault/identity/identity.h"
#include "vault/ledger/checkpoint.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

using ledger_test::AddSlot;
using ledger_test::Raw;
using ledger_test::CheckRefused;
using ledger_test::SameState;

// The Catch main initialises libsodium too; this keeps the file self-sufficient.
const bool kInitialized = crypto::InitializeProcess().has_value();

// A two-level vault ("public", "secret") created by an officer, with a staff
// member and a witness cleared for "public", and one document per level.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> officer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> staff = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> witness = Identity::Generate("Witness Wendy");

  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*officer), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *staff, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *witness, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "P-1", 'p', 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "S-1", 's', 1), {officer.get()}), state));
    REQUIRE(state.event_count == 5);
  }
};

// Applies `e` as signed by `signers`, expects it refused with `why` and the
// state untouched.

TEST_CASE("ledger/GrantByStaffIsRefused", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  CheckRefused(l, l.Grant(*l.staff, *newcomer, format::ROLE_STAFF, 0), {l.staff.get()},
               "grant by someone who is not an officer");
  CHECK(l.state.FindMember(Raw(*newcomer)) == nullptr);
}

TEST_CASE("ledger/GrantAboveTheOfficersClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  CheckRefused(l, l.Grant(*l.officer, *newcomer, format::ROLE_STAFF, 2), {l.officer.get()},
               "grant of an unknown level");
}

TEST_CASE("ledger/DestroyWitnessedByTheActorIsRefused", "[ledger][rules]") {
  Ledger l;
  CheckRefused(l, l.Destroy(*l.officer, *l.officer, "P-1", 'p'), {l.officer.get(), l.officer.get()},
               "destroy without a distinct witness from the roster");
  CheckRefused(l, l.Destroy(*l.officer, *l.witness, "P-1", 'p'), {l.officer.get()},
               "destroy without a distinct witness from the roster");
  // With a distinct live witness it goes through, once.
  REQUIRE(l.state.Apply(l.Destroy(*l.officer, *l.witness, "P-1", 'p'), {Raw(*l.officer), Raw(*l.witness)}));
  CHECK(l.state.FindDocument("P-1").value()->destroyed());
  CHECK(l.state.FindDocument("P-1").value()->destroyed_by() == Raw(*l.officer));
  CheckRefused(l, l.Destroy(*l.officer, *l.witness, "P-1", 'p'), {l.officer.get(), l.witness.get()},
               "document destroyed twice");
}

TEST_CASE("ledger/ExtractAboveTheClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  CheckRefused(l, l.Extract(*l.staff, "S-1", 's'), {l.staff.get()}, "extract by someone not cleared");
  CheckRefused(l, l.Extract(*l.staff, "S-1", 'x'), {l.staff.get()}, "extract of an unknown document");
  REQUIRE(l.state.Apply(l.Extract(*l.staff, "P-1", 'p'), {Raw(*l.staff)}));
  CHECK(l.state.FindDocument("P-1").value()->extract_count() == 1);
  CHECK(l.state.event_count == 6);
}

TEST_CASE("ledger/CommonChecksComeFirst", "[ledger][rules]") {
  Ledger l;
  format::Event unset = l.Next(*l.officer);
  CheckRefused(l, unset, {l.officer.get()}, "unknown event kind");
  CheckRefused(l, l.Extract(*l.staff, "P-1", 'p'), {l.officer.get()}, "not signed by its actor");
  auto stranger = Identity::Generate("Stranger");
  CheckRefused(l, l.Extract(*l.staff, "P-1", 'p'), {l.staff.get(), stranger.get()},
               "signed by a revoked or unknown identity");
  format::Event late = l.Extract(*l.staff, "P-1", 'p');
  late.set_sequence(9);
  CheckRefused(l, late, {l.staff.get()}, "out of sequence");
}

TEST_CASE("ledger/RevokeRotatesAndRewraps", "[ledger][rules]") {
  Ledger l;
  format::Event e = l.Next(*l.officer);
  auto* r = e.mutable_revoked();
  r->set_member_ed25519(Raw(*l.staff));
  r->add_rotated_levels(0);
  AddSlot(r->mutable_slots(), *l.officer, 0, 1);
  // Without the witness's new key the revoke is refused, state untouched.
  CheckRefused(l, e, {l.officer.get()}, "revoke leaves Witness Wendy without the new key");
  AddSlot(r->mutable_slots(), *l.witness, 0, 1);
  CheckRefused(l, e, {l.officer.get()}, "revoke left document P-1 under a retired key");
  auto* ref = r->add_rewrapped();
  ref->set_doc_id(std::string(16, 'p'));
  ref->set_offset(format::kLogStart + 100);
  ref->set_hash(std::string(32, 'n'));
  REQUIRE(l.state.Apply(e, {Raw(*l.officer)}));
  CHECK(l.state.FindMember(Raw(*l.staff))->revoked());
  CHECK(l.state.epochs == std::vector<uint32_t>{1, 0});
  CHECK(FindSlot(l.state, Raw(*l.staff), 0) == nullptr);
  CHECK(FindSlot(l.state, Raw(*l.witness), 0)->epoch() == 1);
  CHECK(l.state.FindDocument("P-1").value()->old_keys_size() == 1);
  CHECK(l.state.FindDocument("P-1").value()->key().hash() == std::string(32, 'n'));
  // A revoked member signs nothing afterwards (R21a).
  CheckRefused(l, l.Extract(*l.staff, "P-1", 'p'), {l.staff.get()},
               "signed by a revoked or unknown identity");
}

TEST_CASE("ledger/RefusedVaultCreatedLeavesTheStateEmpty", "[ledger][rules]") {
  Ledger l;
  VaultState fresh;
  format::Event e = l.Created(*l.officer);
  e.set_sequence(0);
  e.set_prev_hash(std::string(32, '\0'));
  e.mutable_vault_created()->mutable_slots(1)->set_epoch(3);
  auto s = fresh.Apply(e, {Raw(*l.officer)});
  REQUIRE_FALSE(s);
  CHECK(s.error().message == "ledger event 0 breaks the rules: key slot for a stale epoch");
  CHECK(SameState(VaultState().ToCheckpoint(), fresh));
}

TEST_CASE("ledger/ReplayEventVerifiesAppliesAndAdvancesTheHead", "[ledger][replay]") {
  Ledger l;
  std::string payload = Ledger::Sign(l.Destroy(*l.officer, *l.witness, "S-1", 's'),
                                     {l.officer.get(), l.witness.get()});
  SECTION("a valid event") {
    auto n = ReplayEvent(payload, l.state);
    REQUIRE(n);
    CHECK(*n == 2);
    CHECK(l.state.event_count == 6);
    CHECK(l.state.ledger_head == crypto::HashToString(crypto::Blake2b256(payload)));
  }
  SECTION("a bad signature") {
    format::SignedEvent se;
    REQUIRE(se.ParseFromString(payload));
    se.mutable_signatures(1)->mutable_signature()->at(0) ^= 1;
    const format::Checkpoint before = l.state.ToCheckpoint();
    auto n = ReplayEvent(se.SerializeAsString(), l.state);
    REQUIRE_FALSE(n);
    CHECK(n.error().message == "event signature is invalid");
    CHECK(SameState(before, l.state));
  }
  SECTION("well signed, but breaking a rule") {
    std::string bad = Ledger::Sign(l.Extract(*l.staff, "S-1", 's'), {l.staff.get()});
    const format::Checkpoint before = l.state.ToCheckpoint();
    auto n = ReplayEvent(bad, l.state);
    REQUIRE_FALSE(n);
    CHECK(n.error().message == "ledger event 5 breaks the rules: extract by someone not cleared");
    CHECK(SameState(before, l.state));
  }
  SECTION("garbage") {
    auto n = ReplayEvent("not a protobuf \xff\xff", l.state);
    REQUIRE_FALSE(n);
    CHECK(n.error().message == "event does not parse");
  }
}

TEST_CASE("ledger/VerifyCheckpointChecksTheSignerAgainstTheRoster", "[ledger][checkpoint]") {
  Ledger l;
  auto signed_by = [&](const Identity& id) {
    format::SignedCheckpoint scp;
    scp.set_body(l.state.ToCheckpoint().SerializeAsString());
    scp.mutable_signature()->set_signer_ed25519(Raw(id));
    scp.mutable_signature()->set_signature(id.Sign(scp.body()));
    return scp;
  };
  auto cp = VerifyCheckpoint(signed_by(*l.staff).SerializeAsString(), l.state);
  REQUIRE(cp);
  CHECK(SameState(*cp, l.state));

  auto stranger = Identity::Generate("Stranger");
  auto refused = VerifyCheckpoint(signed_by(*stranger).SerializeAsString(), l.state);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::kCorrupt);
  CHECK(refused.error().message == "checkpoint signed by an identity not in the roster");

  auto forged = signed_by(*l.officer);
  forged.mutable_signature()->set_signer_ed25519(Raw(*l.witness));
  refused = VerifyCheckpoint(forged.SerializeAsString(), l.state);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "checkpoint signature is invalid");

  // The caller chooses the roster: an empty one accepts nobody.
  refused = VerifyCheckpoint(signed_by(*l.officer).SerializeAsString(), VaultState());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "checkpoint signed by an identity not in the roster");

  refused = VerifyCheckpoint("\xff\xff garbage", l.state);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "checkpoint does not parse");
}

}  // namespace
}  // namespace custody::vault
