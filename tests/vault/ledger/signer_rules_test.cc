// The ledger rules a mutation run found unguarded or guarded only by
// accident (tools/mutation/, docs/MUTATION.md): every signature of an event
// is verified, not just the actor's; every signer is a live member (R21a),
// witnesses included; an officer grants no more than they hold; nobody adds
// above their clearance; events chain and come in sequence. Events are built
// in memory and go through the one replay step (ReplayEvent), as open and
// audit use it; every refused event must leave the state exactly as it was.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/vault/ledger/ledger_builder.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

using ledger_test::AddSlot;
using ledger_test::Raw;
using ledger_test::SameState;

// A two-level vault ("public", "secret"): officer Olga (both levels), junior
// officer Jim ("public"), staff Sam and Wendy ("public"), and one document
// per level: P-1 (doc id 'p'...) and S-1 ('s'...). Destroy events record a
// reason.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> officer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> junior = Identity::Generate("Junior Officer Jim");
  std::unique_ptr<Identity> staff = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> witness = Identity::Generate("Witness Wendy");

  // Revokes `who` (cleared for "public" only): level 0 rotated, its new key
  // for every other member, P-1 re-wrapped.
  format::Event RevokePublicMember(const Identity& who) const {
    format::Event e = Next(*officer);
    auto* r = e.mutable_revoked();
    r->set_member_ed25519(Raw(who));
    r->add_rotated_levels(0);
    for (const Identity* m : {officer.get(), junior.get(), staff.get(), witness.get()})
      if (m != &who) AddSlot(r->mutable_slots(), *m, 0, state.epochs[0] + 1);
    auto* ref = r->add_rewrapped();
    ref->set_doc_id(std::string(16, 'p'));
    ref->set_offset(format::kLogStart + 4096);
    ref->set_hash(std::string(32, 'n'));
    return e;
  }

  Ledger() {
    destroy_reason = "retention period expired";
    REQUIRE(ReplayEvent(Sign(Created(*officer), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *junior, format::ROLE_OFFICER, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *staff, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *witness, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "P-1", 'p', 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "S-1", 's', 1), {officer.get()}), state));
    REQUIRE(state.event_count == 6);
  }
};

// Replays `payload`; expects it refused with exactly `message` and the state
// (and head) untouched.
void ExpectReplayRefused(Ledger& l, const std::string& payload, const std::string& message) {
  const format::Checkpoint before = l.state.ToCheckpoint();
  auto n = ReplayEvent(payload, l.state);
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Code::kCorrupt);
  CHECK(n.error().message == message);
  CHECK(SameState(before, l.state));
}

// Replays `e` signed by `signers`; expects it refused as breaking the rule
// `why` and the state untouched.
void ExpectRuleBroken(Ledger& l, const format::Event& e, const std::vector<const Identity*>& signers,
                      const std::string& why) {
  ExpectReplayRefused(l, Ledger::Sign(e, signers),
                      "ledger event " + std::to_string(e.sequence()) + " breaks the rules: " + why);
}

// ============================================================ signatures

TEST_CASE("ledger/ReplayVerifiesTheWitnessSignatureNotJustTheActors", "[ledger][replay][signature]") {
  Ledger l;
  const format::Event destroy = l.Destroy(*l.officer, *l.witness, "P-1", 'p');
  format::SignedEvent se = Ledger::SignedBy(destroy, {l.officer.get(), l.witness.get()});
  SECTION("the witness's signature corrupted: refused") {
    se.mutable_signatures(1)->mutable_signature()->back() ^= 0x01;
    ExpectReplayRefused(l, se.SerializeAsString(), "event signature is invalid");
    CHECK_FALSE(l.state.FindDocument("P-1").value()->destroyed());
  }
  SECTION("the witness's signature replaced by one over another body: refused") {
    format::Event other = destroy;
    other.mutable_document_destroyed()->set_reason("something else");
    se.mutable_signatures(1)->set_signature(l.witness->Sign(other.SerializeAsString()));
    ExpectReplayRefused(l, se.SerializeAsString(), "event signature is invalid");
  }
  SECTION("the witness's signature made by the actor's key: refused") {
    se.mutable_signatures(1)->set_signature(l.officer->Sign(se.body()));
    ExpectReplayRefused(l, se.SerializeAsString(), "event signature is invalid");
  }
  SECTION("control: both valid, the destroy is applied") {
    auto n = ReplayEvent(se.SerializeAsString(), l.state);
    REQUIRE(n);
    CHECK(*n == 2);
    CHECK(l.state.FindDocument("P-1").value()->destroyed());
  }
}

TEST_CASE("ledger/ReplayVerifiesEveryExtraSignature", "[ledger][replay][signature]") {
  Ledger l;
  // A valid destroy with a third, superfluous co-signature by a live member.
  format::SignedEvent se = Ledger::SignedBy(l.Destroy(*l.officer, *l.witness, "P-1", 'p'),
                                            {l.officer.get(), l.witness.get(), l.staff.get()});
  SECTION("control: all three valid") {
    auto n = ReplayEvent(se.SerializeAsString(), l.state);
    REQUIRE(n);
    CHECK(*n == 3);
  }
  SECTION("the third signature corrupted: refused") {
    se.mutable_signatures(2)->mutable_signature()->at(7) ^= 0x40;
    ExpectReplayRefused(l, se.SerializeAsString(), "event signature is invalid");
  }
  SECTION("an extract with a corrupted second signature: refused") {
    format::SignedEvent x = Ledger::SignedBy(l.Extract(*l.staff, "P-1", 'p'), {l.staff.get(), l.witness.get()});
    x.mutable_signatures(1)->mutable_signature()->front() ^= 0x01;
    ExpectReplayRefused(l, x.SerializeAsString(), "event signature is invalid");
    CHECK(l.state.FindDocument("P-1").value()->extract_count() == 0);
  }
}

// ============================================================ R21a: live signers

TEST_CASE("ledger/DestroyWitnessedByARevokedMemberIsRefused", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.witness), {l.officer.get()}), l.state));
  REQUIRE(l.state.FindMember(Raw(*l.witness))->revoked());
  // Well signed by both, but the witness is no longer a live member.
  ExpectRuleBroken(l, l.Destroy(*l.officer, *l.witness, "P-1", 'p'), {l.officer.get(), l.witness.get()},
                   "signed by a revoked or unknown identity");
  CHECK_FALSE(l.state.FindDocument("P-1").value()->destroyed());
  // The same destroy with a live witness goes through.
  const format::Event good = l.Destroy(*l.officer, *l.staff, "P-1", 'p');
  REQUIRE(ReplayEvent(Ledger::Sign(good, {l.officer.get(), l.staff.get()}), l.state));
  CHECK(l.state.FindDocument("P-1").value()->destroyed());
}

TEST_CASE("ledger/AnExtraSignatureByARevokedMemberIsRefused", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.witness), {l.officer.get()}), l.state));
  const format::Event x = l.Extract(*l.staff, "P-1", 'p');
  ExpectRuleBroken(l, x, {l.staff.get(), l.witness.get()}, "signed by a revoked or unknown identity");
  // Nor may a revoked member add a third signature to a destroy.
  ExpectRuleBroken(l, l.Destroy(*l.officer, *l.staff, "P-1", 'p'),
                   {l.officer.get(), l.staff.get(), l.witness.get()},
                   "signed by a revoked or unknown identity");
  REQUIRE(ReplayEvent(Ledger::Sign(x, {l.staff.get()}), l.state));
}

TEST_CASE("ledger/ARevokedMemberCannotAct", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.junior), {l.officer.get()}), l.state));
  auto newcomer = Identity::Generate("Newcomer Nils");
  ExpectRuleBroken(l, l.Grant(*l.junior, *newcomer, format::ROLE_STAFF, 0), {l.junior.get()},
                   "signed by a revoked or unknown identity");
  CHECK(l.state.FindMember(Raw(*newcomer)) == nullptr);
}

// ============================================================ reach of a member

TEST_CASE("ledger/GrantAboveTheGrantingOfficersOwnClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  // Jim is an officer cleared for "public" only; "secret" exists. Neither
  // as staff nor as an officer may he grant it.
  for (format::Role role : {format::ROLE_STAFF, format::ROLE_OFFICER}) {
    INFO("granting " << format::Role_Name(role));
    ExpectRuleBroken(l, l.Grant(*l.junior, *newcomer, role, 1), {l.junior.get()},
                     "grant above the officer's own clearance");
  }
  CHECK(l.state.FindMember(Raw(*newcomer)) == nullptr);
  // Within his clearance he may grant.
  REQUIRE(ReplayEvent(Ledger::Sign(l.Grant(*l.junior, *newcomer, format::ROLE_STAFF, 0), {l.junior.get()}),
                      l.state));
  CHECK(l.state.FindMember(Raw(*newcomer))->clearance() == 0);
}

TEST_CASE("ledger/GrantByStaffIsRefusedEvenWithinTheirClearance", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  ExpectRuleBroken(l, l.Grant(*l.staff, *newcomer, format::ROLE_STAFF, 0), {l.staff.get()},
                   "grant by someone who is not an officer");
  // Nor may staff make themselves an officer.
  ExpectRuleBroken(l, l.Grant(*l.staff, *l.staff, format::ROLE_OFFICER, 0), {l.staff.get()},
                   "grant by someone who is not an officer");
  CHECK(l.state.FindMember(Raw(*l.staff))->role() == format::ROLE_STAFF);
}

TEST_CASE("ledger/DocumentAddedAboveTheActorsClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  ExpectRuleBroken(l, l.Add(*l.staff, "S-2", 't', 1), {l.staff.get()},
                   "document added above the actor's clearance");
  // An officer is bound by their clearance too.
  ExpectRuleBroken(l, l.Add(*l.junior, "S-3", 'u', 1), {l.junior.get()},
                   "document added above the actor's clearance");
  CHECK(l.state.FindDocument("S-2").value() == nullptr);
  REQUIRE(ReplayEvent(Ledger::Sign(l.Add(*l.staff, "P-2", 't', 0), {l.staff.get()}), l.state));
  CHECK(l.state.FindDocument("P-2").value() != nullptr);
}

// ============================================================ chain and sequence

TEST_CASE("ledger/ReplayRefusesAnEventThatDoesNotChain", "[ledger][replay][chain]") {
  Ledger l;
  format::Event x = l.Extract(*l.staff, "P-1", 'p');
  x.set_prev_hash(std::string(32, '\x11'));
  ExpectReplayRefused(l, Ledger::Sign(x, {l.staff.get()}), "event does not chain to the previous one");
  // The head of an earlier state (a fork of the ledger) does not chain either.
  VaultState forked = l.state;
  REQUIRE(ReplayEvent(Ledger::Sign(l.Extract(*l.staff, "P-1", 'p'), {l.staff.get()}), l.state));
  format::Event fork = l.Extract(*l.staff, "P-1", 'p');
  fork.set_prev_hash(forked.ledger_head);
  ExpectReplayRefused(l, Ledger::Sign(fork, {l.staff.get()}), "event does not chain to the previous one");
  CHECK(l.state.FindDocument("P-1").value()->extract_count() == 1);
}

TEST_CASE("ledger/ReplayRefusesAnEventOutOfSequence", "[ledger][replay][chain]") {
  Ledger l;
  format::Event ahead = l.Extract(*l.staff, "P-1", 'p');
  ahead.set_sequence(l.state.event_count + 1);
  ExpectReplayRefused(l, Ledger::Sign(ahead, {l.staff.get()}),
                      "event has sequence 7, expected 6 (events removed, replayed or reordered)");
  format::Event behind = l.Extract(*l.staff, "P-1", 'p');
  behind.set_sequence(l.state.event_count - 1);
  ExpectReplayRefused(l, Ledger::Sign(behind, {l.staff.get()}),
                      "event has sequence 5, expected 6 (events removed, replayed or reordered)");
  // Replaying an event already applied is refused.
  const std::string once = Ledger::Sign(l.Extract(*l.staff, "P-1", 'p'), {l.staff.get()});
  REQUIRE(ReplayEvent(once, l.state));
  ExpectReplayRefused(l, once, "event has sequence 6, expected 7 (events removed, replayed or reordered)");
  CHECK(l.state.FindDocument("P-1").value()->extract_count() == 1);
}

}  // namespace
}  // namespace custody::vault
