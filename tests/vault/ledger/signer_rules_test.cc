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

#include <google/protobuf/util/message_differencer.h>

#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

std::string Raw(const Identity& id) {
  const auto& k = id.public_identity().ed25519;
  return std::string(k.begin(), k.end());
}

format::Member MemberEntry(const Identity& id, format::Role role, int32_t clearance) {
  format::Member m;
  m.mutable_keys()->set_name(id.public_identity().name);
  const auto& x = id.public_identity().x25519;
  m.mutable_keys()->set_x25519(std::string(x.begin(), x.end()));
  m.mutable_keys()->set_ed25519(Raw(id));
  m.set_role(role);
  m.set_clearance(clearance);
  return m;
}

// The ledger does not open sealed keys: any 80 bytes will do.
void AddSlot(google::protobuf::RepeatedPtrField<format::KeySlot>* slots, const Identity& id,
             uint32_t level, uint32_t epoch) {
  auto* s = slots->Add();
  s->set_member_ed25519(Raw(id));
  s->set_level(level);
  s->set_epoch(epoch);
  s->set_sealed_key(std::string(80, 'k'));
}

// A two-level vault ("public", "secret"): officer Olga (both levels), junior
// officer Jim ("public"), staff Sam and Wendy ("public"), and one document
// per level: P-1 (doc id 'p'...) and S-1 ('s'...).
struct Ledger {
  std::unique_ptr<Identity> officer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> junior = Identity::Generate("Junior Officer Jim");
  std::unique_ptr<Identity> staff = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> witness = Identity::Generate("Witness Wendy");
  std::string vault_id = std::string(16, 'v');
  VaultState state;

  format::Event Next(const Identity& actor) const {
    format::Event e;
    e.set_sequence(state.event_count);
    e.set_prev_hash(state.ledger_head);
    e.set_vault_id(vault_id);
    e.set_time_unix(1700000000);
    e.set_actor_ed25519(Raw(actor));
    return e;
  }

  static format::SignedEvent SignedBy(const format::Event& e,
                                      const std::vector<const Identity*>& signers) {
    format::SignedEvent se;
    se.set_body(e.SerializeAsString());
    for (const Identity* id : signers) {
      auto* sig = se.add_signatures();
      sig->set_signer_ed25519(Raw(*id));
      sig->set_signature(id->Sign(se.body()));
    }
    return se;
  }
  static std::string Sign(const format::Event& e, const std::vector<const Identity*>& signers) {
    return SignedBy(e, signers).SerializeAsString();
  }

  format::Event Grant(const Identity& actor, const Identity& who, format::Role role,
                      int32_t clearance) const {
    format::Event e = Next(actor);
    *e.mutable_granted()->mutable_member() = MemberEntry(who, role, clearance);
    for (int32_t level = 0; level <= clearance; ++level)
      AddSlot(e.mutable_granted()->mutable_slots(), who, static_cast<uint32_t>(level), 0);
    return e;
  }

  format::Event Add(const Identity& actor, const std::string& reg_no, char id, uint32_t level) const {
    format::Event e = Next(actor);
    auto* a = e.mutable_document_added();
    a->set_doc_id(std::string(16, id));
    a->set_reg_no(reg_no);
    a->set_level(level);
    a->set_version(1);
    auto* x = a->mutable_extent();
    x->set_offset(format::kLogStart);
    x->set_length(4096);
    x->set_chunk_size(4096);
    x->set_chunk_count(1);
    x->set_root_hash(std::string(32, 'r'));
    auto* k = a->mutable_key();
    k->set_doc_id(a->doc_id());
    k->set_offset(format::kLogStart);
    k->set_hash(std::string(32, 'h'));
    return e;
  }

  format::Event Extract(const Identity& actor, const std::string& reg_no, char id) const {
    format::Event e = Next(actor);
    e.mutable_document_extracted()->set_reg_no(reg_no);
    e.mutable_document_extracted()->set_doc_id(std::string(16, id));
    return e;
  }

  format::Event Destroy(const Identity& actor, const Identity& with, const std::string& reg_no,
                        char id) const {
    format::Event e = Next(actor);
    auto* d = e.mutable_document_destroyed();
    d->set_reg_no(reg_no);
    d->set_doc_id(std::string(16, id));
    d->set_reason("retention period expired");
    d->set_witness_ed25519(Raw(with));
    return e;
  }

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
    format::Event created = Next(*officer);
    auto* vc = created.mutable_vault_created();
    vc->set_vault_id(vault_id);
    vc->set_label("Example");
    vc->add_level_names("public");
    vc->add_level_names("secret");
    *vc->mutable_creator() = MemberEntry(*officer, format::ROLE_OFFICER, 1);
    AddSlot(vc->mutable_slots(), *officer, 0, 0);
    AddSlot(vc->mutable_slots(), *officer, 1, 0);
    REQUIRE(ReplayEvent(Sign(created, {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *junior, format::ROLE_OFFICER, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *staff, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*officer, *witness, format::ROLE_STAFF, 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "P-1", 'p', 0), {officer.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*officer, "S-1", 's', 1), {officer.get()}), state));
    REQUIRE(state.event_count == 6);
  }
};

bool SameState(const format::Checkpoint& before, const VaultState& s) {
  return google::protobuf::util::MessageDifferencer::Equals(before, s.ToCheckpoint());
}

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

std::string RuleBroken(const format::Event& e, const std::string& why) {
  return "ledger event " + std::to_string(e.sequence()) + " breaks the rules: " + why;
}

// ============================================================ signatures

TEST_CASE("ledger/ReplayVerifiesTheWitnessSignatureNotJustTheActors", "[ledger][replay][signature]") {
  Ledger l;
  const format::Event destroy = l.Destroy(*l.officer, *l.witness, "P-1", 'p');
  format::SignedEvent se = Ledger::SignedBy(destroy, {l.officer.get(), l.witness.get()});
  SECTION("the witness's signature corrupted: refused") {
    se.mutable_signatures(1)->mutable_signature()->back() ^= 0x01;
    ExpectReplayRefused(l, se.SerializeAsString(), "event signature is invalid");
    CHECK_FALSE(l.state.FindDocument("P-1")->destroyed());
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
    CHECK(l.state.FindDocument("P-1")->destroyed());
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
    CHECK(l.state.FindDocument("P-1")->extract_count() == 0);
  }
}

// ============================================================ R21a: live signers

TEST_CASE("ledger/DestroyWitnessedByARevokedMemberIsRefused", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.witness), {l.officer.get()}), l.state));
  REQUIRE(l.state.FindMember(Raw(*l.witness))->revoked());
  // Well signed by both, but the witness is no longer a live member.
  const format::Event destroy = l.Destroy(*l.officer, *l.witness, "P-1", 'p');
  ExpectReplayRefused(l, Ledger::Sign(destroy, {l.officer.get(), l.witness.get()}),
                      RuleBroken(destroy, "signed by a revoked or unknown identity"));
  CHECK_FALSE(l.state.FindDocument("P-1")->destroyed());
  // The same destroy with a live witness goes through.
  const format::Event good = l.Destroy(*l.officer, *l.staff, "P-1", 'p');
  REQUIRE(ReplayEvent(Ledger::Sign(good, {l.officer.get(), l.staff.get()}), l.state));
  CHECK(l.state.FindDocument("P-1")->destroyed());
}

TEST_CASE("ledger/AnExtraSignatureByARevokedMemberIsRefused", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.witness), {l.officer.get()}), l.state));
  const format::Event x = l.Extract(*l.staff, "P-1", 'p');
  ExpectReplayRefused(l, Ledger::Sign(x, {l.staff.get(), l.witness.get()}),
                      RuleBroken(x, "signed by a revoked or unknown identity"));
  // Nor may a revoked member add a third signature to a destroy.
  const format::Event d = l.Destroy(*l.officer, *l.staff, "P-1", 'p');
  ExpectReplayRefused(l, Ledger::Sign(d, {l.officer.get(), l.staff.get(), l.witness.get()}),
                      RuleBroken(d, "signed by a revoked or unknown identity"));
  REQUIRE(ReplayEvent(Ledger::Sign(x, {l.staff.get()}), l.state));
}

TEST_CASE("ledger/ARevokedMemberCannotAct", "[ledger][rules][revoke]") {
  Ledger l;
  REQUIRE(ReplayEvent(Ledger::Sign(l.RevokePublicMember(*l.junior), {l.officer.get()}), l.state));
  auto newcomer = Identity::Generate("Newcomer Nils");
  const format::Event g = l.Grant(*l.junior, *newcomer, format::ROLE_STAFF, 0);
  ExpectReplayRefused(l, Ledger::Sign(g, {l.junior.get()}),
                      RuleBroken(g, "signed by a revoked or unknown identity"));
  CHECK(l.state.FindMember(Raw(*newcomer)) == nullptr);
}

// ============================================================ reach of a member

TEST_CASE("ledger/GrantAboveTheGrantingOfficersOwnClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  // Jim is an officer cleared for "public" only; "secret" exists.
  const format::Event high = l.Grant(*l.junior, *newcomer, format::ROLE_STAFF, 1);
  ExpectReplayRefused(l, Ledger::Sign(high, {l.junior.get()}),
                      RuleBroken(high, "grant above the officer's own clearance"));
  const format::Event high_officer = l.Grant(*l.junior, *newcomer, format::ROLE_OFFICER, 1);
  ExpectReplayRefused(l, Ledger::Sign(high_officer, {l.junior.get()}),
                      RuleBroken(high_officer, "grant above the officer's own clearance"));
  CHECK(l.state.FindMember(Raw(*newcomer)) == nullptr);
  // Within his clearance he may grant.
  REQUIRE(ReplayEvent(Ledger::Sign(l.Grant(*l.junior, *newcomer, format::ROLE_STAFF, 0), {l.junior.get()}),
                      l.state));
  CHECK(l.state.FindMember(Raw(*newcomer))->clearance() == 0);
}

TEST_CASE("ledger/GrantByStaffIsRefusedEvenWithinTheirClearance", "[ledger][rules]") {
  Ledger l;
  auto newcomer = Identity::Generate("Newcomer Nils");
  const format::Event g = l.Grant(*l.staff, *newcomer, format::ROLE_STAFF, 0);
  ExpectReplayRefused(l, Ledger::Sign(g, {l.staff.get()}),
                      RuleBroken(g, "grant by someone who is not an officer"));
  const format::Event self = l.Grant(*l.staff, *l.staff, format::ROLE_OFFICER, 0);
  ExpectReplayRefused(l, Ledger::Sign(self, {l.staff.get()}),
                      RuleBroken(self, "grant by someone who is not an officer"));
  CHECK(l.state.FindMember(Raw(*l.staff))->role() == format::ROLE_STAFF);
}

TEST_CASE("ledger/DocumentAddedAboveTheActorsClearanceIsRefused", "[ledger][rules]") {
  Ledger l;
  const format::Event a = l.Add(*l.staff, "S-2", 't', 1);
  ExpectReplayRefused(l, Ledger::Sign(a, {l.staff.get()}),
                      RuleBroken(a, "document added above the actor's clearance"));
  // An officer is bound by their clearance too.
  const format::Event b = l.Add(*l.junior, "S-3", 'u', 1);
  ExpectReplayRefused(l, Ledger::Sign(b, {l.junior.get()}),
                      RuleBroken(b, "document added above the actor's clearance"));
  CHECK(l.state.FindDocument("S-2") == nullptr);
  REQUIRE(ReplayEvent(Ledger::Sign(l.Add(*l.staff, "P-2", 't', 0), {l.staff.get()}), l.state));
  CHECK(l.state.FindDocument("P-2") != nullptr);
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
  CHECK(l.state.FindDocument("P-1")->extract_count() == 1);
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
  CHECK(l.state.FindDocument("P-1")->extract_count() == 1);
}

}  // namespace
}  // namespace custody::vault
