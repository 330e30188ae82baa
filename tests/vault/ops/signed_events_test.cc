// Events forged into a real vault file by someone holding the file and the
// members' identities: every signature of an event is checked, not only the
// actor's, and every signer must be a live member (R21, R21a), by open and
// by audit alike; and the library itself refuses a revoked witness. The
// events are appended and committed with fresh checksums as any writer of
// the file could (tests/vectors/generate/craft.h); a control with valid
// signatures by live members shows the forgery is otherwise well formed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "tests/vectors/generate/craft.h"
#include "vault/ledger/state.h"
#include "vault/vault.h"

namespace {

namespace craft = custody::craft;

std::string Raw(const Identity& id) { return craft::Raw(id.public_identity().ed25519); }

// Appends `ev` signed by `signers` (actor first) to the vault at `path` and
// commits it: sequence, chain, authority links, vault id and actor filled in from the active
// superblock; `tweak` may edit the signed event before it is framed.
void ForgeEvent(const std::string& path, format::Event ev, const std::vector<const Identity*>& signers,
                const std::function<void(format::SignedEvent&)>& tweak = {}) {
  std::string bytes = ReadFileBytes(path);
  const format::Superblock cur = craft::Sb(bytes, craft::Active(bytes));
  ev.set_sequence(cur.event_count());
  ev.set_prev_hash(cur.ledger_head());
  ev.set_vault_id(cur.vault_id());
  ev.set_time_unix(kFixedNow + 60);
  ev.set_actor_ed25519(Raw(*signers[0]));
  const craft::AuthorityTip tip = craft::AuthorityAt(bytes);  // format v2 links (R101)
  ev.set_authority_seq(tip.count);
  ev.set_authority_head(tip.head);
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  for (const Identity* id : signers) {
    auto* sig = se.add_signatures();
    sig->set_signer_ed25519(Raw(*id));
    sig->set_signature(id->Sign(se.body()));
  }
  if (tweak) tweak(se);
  const std::string payload = se.SerializeAsString();
  craft::Commit(bytes, {{format::RecordType::kEvent, payload}}, [&](format::Superblock& sb) {
    sb.set_event_count(sb.event_count() + 1);
    sb.set_ledger_head(craft::H(payload));
  });
  WriteFileBytes(path, bytes);
}

format::Event DestroyEvent(const Vault& v, const std::string& reg, const Identity& witness) {
  format::Event ev;
  auto* d = ev.mutable_document_destroyed();
  d->set_reg_no(reg);
  d->set_doc_id(v.TEST_state().FindDocument(reg).value()->added().doc_id());
  d->set_reason("forged");
  d->set_witness_ed25519(Raw(witness));
  return ev;
}

// Open (for reading) must fail with kCorrupt naming `why`; audit must report
// it as the place where ledger verification stops.
void ExpectOpenAndAuditRefuse(const std::string& path, const std::string& why) {
  auto opened = Vault::Open(path, Vault::Access::kRead);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == Code::kCorrupt);
  INFO("open: " << opened.error().message);
  CHECK(Contains(opened.error().message, why));
  auto opened_rw = Vault::Open(path, Vault::Access::kWrite);
  REQUIRE_FALSE(opened_rw);
  CHECK(Contains(opened_rw.error().message, why));
  auto audit = Vault::Audit(path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
  const bool reported = std::any_of(audit->problems.begin(), audit->problems.end(), [&](const auto& p) {
    return Contains(p.message, why) && Contains(p.message, "ledger verification stops here");
  });
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(reported);
}

// A vault with officer Olga, staff Wanda (the witness) and Sam, and two
// documents at the lowest level: "doomed" and "kept" (so destroying one
// leaves the outer marking as it was).
struct ForgeFixture {
  Fixture f;
  std::unique_ptr<Identity> witness = Identity::Generate("Witness Wanda");
  std::unique_ptr<Identity> staff = Identity::Generate("Staff Sam");
  std::string doomed, kept;
  ForgeFixture() {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    REQUIRE(v->Grant(*f.officer, staff->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    auto regs = v->Add(*f.officer, {File(f.Input("d.txt", "doomed")), File(f.Input("k.txt", "kept"))},
                       LevelAt(*v, 0));
    REQUIRE(regs);
    doomed = regs->at(0);
    kept = regs->at(1);
  }
  format::Event Destroy(const Identity& with) const {
    auto v = Vault::Open(f.path, Vault::Access::kRead);
    REQUIRE(v);
    return DestroyEvent(**v, doomed, with);
  }
};

bool DestroyedAfterOpen(const std::string& path, const std::string& reg) {
  auto v = Vault::Open(path, Vault::Access::kRead);
  if (!v) FAIL("open failed: " << v.error().message);
  return (*v)->TEST_state().FindDocument(reg).value()->destroyed();
}

}  // namespace

// ============================================================ every signature

TEST_CASE("vault/ForgedDestroyWithValidSignaturesIsAcceptedAsControl", "[vault][signature][forge]") {
  ForgeFixture x;
  ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get()});
  CHECK(DestroyedAfterOpen(x.f.path, x.doomed));
  auto audit = Vault::Audit(x.f.path);
  REQUIRE(audit);
  // The ledger verifies; only the (never performed) overwrite is missing.
  for (const auto& p : audit->problems) {
    CHECK_FALSE(Contains(p.message, "ledger verification stops here"));
    CHECK(Contains(p.message, "not overwritten"));
  }
  CHECK(audit->events == 6);
  // Seven event signatures (the destroy has two) and one per checkpoint:
  // the fixture's three commits (two grants, one add) each wrote one.
  CHECK(audit->checkpoints_verified == 3);
  CHECK(audit->signatures_verified == 7 + 3);
}

TEST_CASE("vault/DestroyWithACorruptedWitnessSignatureIsRejectedByOpenAndAudit",
          "[vault][signature][forge]") {
  ForgeFixture x;
  const std::string before = ReadFileBytes(x.f.path);
  SECTION("one bit of the witness's signature flipped") {
    ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get()},
               [](format::SignedEvent& se) { se.mutable_signatures(1)->mutable_signature()->at(31) ^= 0x04; });
  }
  SECTION("the witness's signature replaced by the actor's") {
    ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get()},
               [](format::SignedEvent& se) {
                 se.mutable_signatures(1)->set_signature(se.signatures(0).signature());
               });
  }
  SECTION("the witness's signature made over another body") {
    ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get()},
               [&](format::SignedEvent& se) {
                 se.mutable_signatures(1)->set_signature(x.witness->Sign(se.body() + "x"));
               });
  }
  REQUIRE(ReadFileBytes(x.f.path) != before);
  ExpectOpenAndAuditRefuse(x.f.path, "event signature is invalid");
}

TEST_CASE("vault/AnExtraCorruptedSignatureIsRejectedByOpenAndAudit", "[vault][signature][forge]") {
  ForgeFixture x;
  // Actor and witness valid, a third co-signature by a live member corrupted.
  ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get(), x.staff.get()},
             [](format::SignedEvent& se) { se.mutable_signatures(2)->mutable_signature()->at(0) ^= 0x20; });
  ExpectOpenAndAuditRefuse(x.f.path, "event signature is invalid");
}

// ============================================================ live signers (R21a)

TEST_CASE("vault/DestroyWitnessedByARevokedMemberIsRejectedByOpenAndAudit",
          "[vault][revoke][forge]") {
  ForgeFixture x;
  {
    auto v = OpenWrite(x.f.path);
    REQUIRE(v->Revoke(*x.f.officer, x.witness->public_identity()));
  }
  SECTION("revoked witness: refused") {
    // Both signatures valid; the witness is in the roster, but revoked.
    ForgeEvent(x.f.path, x.Destroy(*x.witness), {x.f.officer.get(), x.witness.get()});
    ExpectOpenAndAuditRefuse(x.f.path, "signed by a revoked or unknown identity");
  }
  SECTION("revoked member as an extra signer: refused") {
    ForgeEvent(x.f.path, x.Destroy(*x.staff), {x.f.officer.get(), x.staff.get(), x.witness.get()});
    ExpectOpenAndAuditRefuse(x.f.path, "signed by a revoked or unknown identity");
  }
  SECTION("control: a live witness after the revoke is accepted") {
    ForgeEvent(x.f.path, x.Destroy(*x.staff), {x.f.officer.get(), x.staff.get()});
    CHECK(DestroyedAfterOpen(x.f.path, x.doomed));
  }
}

TEST_CASE("vault/DestroyRefusesARevokedWitness", "[vault][revoke][destroy]") {
  ForgeFixture x;
  auto v = OpenWrite(x.f.path);
  REQUIRE(v->Revoke(*x.f.officer, x.witness->public_identity()));
  const std::string before = ReadFileBytes(x.f.path);
  auto s = v->Destroy(*x.f.officer, *x.witness, x.doomed, "witnessed by a revoked member");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kAuth);
  CHECK(Contains(s.error().message, "was revoked"));
  // Nothing was written and the vault is still usable: the document is
  // still there, and a live witness can still destroy it.
  CHECK(ReadFileBytes(x.f.path) == before);
  CHECK_FALSE(v->TEST_state().FindDocument(x.doomed).value()->destroyed());
  ExpectExtracts(*v, *x.f.officer, x.doomed, "doomed", x.f.dir);
  REQUIRE(v->Destroy(*x.f.officer, *x.staff, x.doomed, "witnessed by a live member"));
  CHECK(v->TEST_state().FindDocument(x.doomed).value()->destroyed());
  v.reset();
  auto audit = Vault::Audit(x.f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(audit->ok());
}

TEST_CASE("vault/ARevokedOfficerCannotDestroyOrGrant", "[vault][revoke][destroy]") {
  ForgeFixture x;
  auto deputy = Identity::Generate("Deputy Dora");
  auto v = OpenWrite(x.f.path);
  REQUIRE(v->Grant(*x.f.officer, deputy->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 3)));
  REQUIRE(v->Revoke(*x.f.officer, deputy->public_identity()));
  const std::string before = ReadFileBytes(x.f.path);
  auto d = v->Destroy(*deputy, *x.staff, x.doomed, "by a revoked officer");
  REQUIRE_FALSE(d);
  CHECK(d.error().code == Code::kAuth);
  auto g = v->Grant(*deputy, deputy->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 3));
  REQUIRE_FALSE(g);
  CHECK(g.error().code == Code::kAuth);
  CHECK(ReadFileBytes(x.f.path) == before);
  CHECK_FALSE(v->TEST_state().FindDocument(x.doomed).value()->destroyed());
}

// ============================================================ hosts (v7)

// A member whose client ignores the host binding (format v7): the event it
// signs names another machine, or none. The ledger accepts it (the binding
// is the client's to enforce), and the keyless audit reports it, naming the
// event and the machine; the record of a refused open, made on the refused
// machine by design, is not reported.
TEST_CASE("vault/AuditReportsActsMadeOnAMachineTheVaultIsNotBoundTo", "[vault][bindings][forge]") {
  ForgeFixture x;
  {
    auto v = OpenWrite(x.f.path);
    REQUIRE(v->BindHost(*x.f.officer, "", ""));  // this machine
  }
  auto clean = Vault::Audit(x.f.path);
  REQUIRE(clean);
  for (const auto& p : clean->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(clean->ok());

  format::Event elsewhere;
  elsewhere.mutable_document_handled()->set_reg_no(x.kept);
  {
    auto v = Vault::Open(x.f.path, Vault::Access::kRead);
    REQUIRE(v);
    elsewhere.mutable_document_handled()->set_doc_id((*v)->TEST_state().FindDocument(x.kept).value()->added().doc_id());
  }
  elsewhere.mutable_host()->set_id(std::string(16, '\x5a'));
  elsewhere.mutable_host()->set_name("laptop-at-home");
  ForgeEvent(x.f.path, elsewhere, {x.staff.get()});
  format::Event refused;
  refused.mutable_open_outside_bindings()->set_attempt_unix(kFixedNow);
  *refused.mutable_open_outside_bindings()->mutable_host() = elsewhere.host();
  refused.mutable_open_outside_bindings()->set_host_unapproved(true);
  *refused.mutable_host() = elsewhere.host();
  ForgeEvent(x.f.path, refused, {x.staff.get()});
  format::Event unnamed;
  unnamed.mutable_document_extracted()->set_reg_no(x.kept);
  unnamed.mutable_document_extracted()->set_doc_id(elsewhere.document_handled().doc_id());
  unnamed.mutable_document_extracted()->set_purpose("forged");
  ForgeEvent(x.f.path, unnamed, {x.staff.get()});

  REQUIRE(Vault::Open(x.f.path, Vault::Access::kRead));  // the ledger itself holds
  auto audit = Vault::Audit(x.f.path);
  REQUIRE(audit);
  for (const auto& p : audit->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  REQUIRE(audit->problems.size() == 2);
  CHECK(Contains(audit->problems[0].message, "was made on laptop-at-home (id 5a5a5a5a5a5a5a5a), which is not an approved host"));
  CHECK(Contains(audit->problems[1].message, "was made on a machine it does not name, which is not an approved host"));
}
