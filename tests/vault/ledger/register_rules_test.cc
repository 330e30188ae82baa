// The rules of a document's life after registration (FORMAT.md §5.4 R28a
// registration details, R173 CopyDisposed, R174/R174a/R175 two-person
// declassification, R176 DocumentHandled) on events built in memory.
// Written as a forger would try them: someone who can rewrite the file and
// holds one officer's key, trying to act alone where two people must act,
// or to push a date. Every refused event leaves the state exactly as it was.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
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

// Two levels ("public", "secret"); officers Olga and Oscar cleared for both,
// officer Pia cleared for "public" only, staff Sam for "public"; P-1 at
// public, S-1 at secret; an outsider in no roster.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> olga = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> oscar = Identity::Generate("Officer Oscar");
  std::unique_ptr<Identity> pia = Identity::Generate("Officer Pia");
  std::unique_ptr<Identity> sam = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> outsider = Identity::Generate("Liaison Lee");

  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*olga), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *oscar, format::ROLE_OFFICER, 1), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *pia, format::ROLE_OFFICER, 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *sam, format::ROLE_STAFF, 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*olga, "P-1", 'p', 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*olga, "S-1", 's', 1), {olga.get()}), state));
  }
  void Apply(const format::Event& e, const std::vector<const Identity*>& signers) {
    std::vector<std::string> keys;
    for (const Identity* id : signers) keys.push_back(Raw(*id));
    REQUIRE(state.Apply(e, keys));
  }
  format::Event Review(const Identity& actor, const std::string& reg, char id, uint32_t from,
                       uint32_t to, bool to_public = false) const {
    format::Event e = Next(actor);
    auto* r = e.mutable_declassification_reviewed();
    r->set_doc_id(std::string(16, id));
    r->set_reg_no(reg);
    r->set_from_level(from);
    r->set_to_level(to);
    r->set_to_public(to_public);
    r->set_reason("period over");
    return e;
  }
  format::Event Approve(const Identity& actor, const std::string& reg, char id, uint64_t key_at) const {
    format::Event e = Next(actor);
    auto* a = e.mutable_declassification_approved();
    a->set_doc_id(std::string(16, id));
    a->set_reg_no(reg);
    a->mutable_key()->set_offset(key_at);
    a->mutable_key()->set_hash(std::string(32, 'n'));
    a->mutable_key()->set_doc_id(std::string(16, id));
    return e;
  }
  format::Event Dispose(const Identity& actor, const std::string& reg, char id, uint32_t copy_no,
                        const Identity* witness) const {
    format::Event e = Next(actor);
    auto* d = e.mutable_copy_disposed();
    d->set_doc_id(std::string(16, id));
    d->set_reg_no(reg);
    d->set_copy_no(copy_no);
    d->set_lost(witness == nullptr);
    d->set_reason("shredded");
    if (witness) d->set_witness_ed25519(Raw(*witness));
    return e;
  }
};


TEST_CASE("declassify/TwoDistinctClearedOfficersMoveTheDocument", "[ledger][declassify]") {
  Ledger l;
  l.Apply(l.Review(*l.olga, "S-1", 's', 1, 0), {l.olga.get()});
  const format::KeyRef old_key = l.state.FindDocument("S-1").value()->key();
  l.Apply(l.Approve(*l.oscar, "S-1", 's', 99999), {l.oscar.get()});
  const auto* d = l.state.FindDocument("S-1").value();
  CHECK(d->added().level() == 0);
  CHECK_FALSE(d->has_review());
  CHECK(d->key().offset() == 99999);
  // The old wrap must now be overwritten: the state says where it is.
  REQUIRE(d->erased_keys_size() == 1);
  CHECK(d->erased_keys(0).offset() == old_key.offset());
  CHECK(l.state.live_documents[0] == 2);
  CHECK(l.state.live_documents[1] == 0);
}

TEST_CASE("declassify/OneOfficerAloneCannotDeclassify", "[ledger][declassify]") {
  Ledger l;
  // Without a review, an approval is nothing to approve.
  CheckRefused(l, l.Approve(*l.olga, "S-1", 's', 99999), {l.olga.get()},
               "declassification approved with no pending review");
  l.Apply(l.Review(*l.olga, "S-1", 's', 1, 0), {l.olga.get()});
  // The reviewer approving their own review...
  CheckRefused(l, l.Approve(*l.olga, "S-1", 's', 99999), {l.olga.get()},
               "declassification approved by its reviewer");
  // ...or reviewing twice, to look like two steps.
  CheckRefused(l, l.Review(*l.olga, "S-1", 's', 1, 0), {l.olga.get()},
               "second declassification review by the same officer");
  CheckRefused(l, l.Review(*l.oscar, "S-1", 's', 1, 0), {l.oscar.get()},
               "declassification review while another is pending");
}

TEST_CASE("declassify/OnlyOfficersClearedForTheLevelTakePart", "[ledger][declassify]") {
  Ledger l;
  CheckRefused(l, l.Review(*l.pia, "S-1", 's', 1, 0), {l.pia.get()},
               "declassification review by an officer not cleared for the document's level");
  CheckRefused(l, l.Review(*l.sam, "P-1", 'p', 0, 0, true), {l.sam.get()},
               "declassification review by someone who is not an officer");
  l.Apply(l.Review(*l.olga, "S-1", 's', 1, 0), {l.olga.get()});
  CheckRefused(l, l.Approve(*l.pia, "S-1", 's', 99999), {l.pia.get()},
               "declassification approval by an officer not cleared for the document's level");
  CheckRefused(l, l.Approve(*l.outsider, "S-1", 's', 99999), {l.outsider.get()},
               "signed by a revoked or unknown identity");
}

TEST_CASE("declassify/AReviewMustLowerTheLevelAndSayWhy", "[ledger][declassify]") {
  Ledger l;
  CheckRefused(l, l.Review(*l.olga, "S-1", 's', 1, 1), {l.olga.get()},
               "declassification that does not lower the level");
  CheckRefused(l, l.Review(*l.olga, "P-1", 'p', 0, 0), {l.olga.get()},
               "declassification that does not lower the level");
  // A review that misstates the level it starts from.
  CheckRefused(l, l.Review(*l.olga, "S-1", 's', 0, 0, true), {l.olga.get()},
               "declassification review from another level than the document's");
  format::Event no_reason = l.Review(*l.olga, "S-1", 's', 1, 0);
  no_reason.mutable_declassification_reviewed()->clear_reason();
  CheckRefused(l, no_reason, {l.olga.get()}, "declassification review without a reason");
  // Public is below the lowest level, once.
  l.Apply(l.Review(*l.olga, "P-1", 'p', 0, 0, true), {l.olga.get()});
  l.Apply(l.Approve(*l.oscar, "P-1", 'p', 99999), {l.oscar.get()});
  CHECK(l.state.FindDocument("P-1").value()->is_public());
  CheckRefused(l, l.Review(*l.olga, "P-1", 'p', 0, 0, true), {l.olga.get()},
               "declassification that does not lower the level");
}

TEST_CASE("declassify/TheApprovalNamesANewKeyRecord", "[ledger][declassify]") {
  Ledger l;
  l.Apply(l.Review(*l.olga, "S-1", 's', 1, 0), {l.olga.get()});
  const uint64_t current = l.state.FindDocument("S-1").value()->key().offset();
  // Reusing the current (secret) record would leave the document readable
  // only at its old level, and erase the record it still needs.
  CheckRefused(l, l.Approve(*l.oscar, "S-1", 's', current), {l.oscar.get()},
               "declassification approval without a valid new key reference");
  format::Event other_doc = l.Approve(*l.oscar, "S-1", 's', 99999);
  other_doc.mutable_declassification_approved()->mutable_key()->set_doc_id(std::string(16, 'p'));
  CheckRefused(l, other_doc, {l.oscar.get()}, "declassification approval without a valid new key reference");
  // Withdrawn, the review is gone: approving it is refused.
  format::Event w = l.Next(*l.oscar);
  w.mutable_declassification_withdrawn()->set_reg_no("S-1");
  w.mutable_declassification_withdrawn()->set_doc_id(std::string(16, 's'));
  l.Apply(w, {l.oscar.get()});
  CheckRefused(l, l.Approve(*l.oscar, "S-1", 's', 99999), {l.oscar.get()},
               "declassification approved with no pending review");
}

TEST_CASE("copies/DestroyedUnderAWitnessOrLost", "[ledger][copies]") {
  Ledger l;
  for (uint32_t n = 1; n <= 3; ++n)
    l.Apply(l.CopyIssue(*l.olga, *l.outsider, "S-1", 's', 1, n, true), {l.olga.get()});
  // A destruction with no second signature, or the officer as own witness.
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 1, l.oscar.get()), {l.olga.get()},
               "copy destroyed without a distinct witness from the roster");
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 1, l.olga.get()), {l.olga.get(), l.olga.get()},
               "copy destroyed without a distinct witness from the roster");
  // A witness from outside the roster fails the rule every signature obeys.
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 1, l.outsider.get()), {l.olga.get(), l.outsider.get()},
               "signed by a revoked or unknown identity");
  CheckRefused(l, l.Dispose(*l.sam, "S-1", 's', 1, l.olga.get()), {l.sam.get(), l.olga.get()},
               "disposal of a copy by someone who is not an officer");
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 7, l.oscar.get()), {l.olga.get(), l.oscar.get()},
               "disposal of a copy never issued");
  l.Apply(l.Dispose(*l.olga, "S-1", 's', 1, l.oscar.get()), {l.olga.get(), l.oscar.get()});
  CHECK((*l.state.FindCopy("S-1", 1))->status() == format::COPY_DESTROYED);
  CHECK(l.state.FindDocument("S-1").value()->copies_outstanding() == 2);
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 1, l.oscar.get()), {l.olga.get(), l.oscar.get()},
               "copy disposed of twice");
  l.Apply(l.Dispose(*l.olga, "S-1", 's', 2, nullptr), {l.olga.get()});
  CHECK((*l.state.FindCopy("S-1", 2))->status() == format::COPY_LOST);
  CheckRefused(l, l.Dispose(*l.olga, "S-1", 's', 2, nullptr), {l.olga.get()},
               "a copy not outstanding declared lost");
  // A lost copy recorded with a "witness" would claim what no one saw.
  format::Event lost_witnessed = l.Dispose(*l.olga, "S-1", 's', 3, nullptr);
  lost_witnessed.mutable_copy_disposed()->set_witness_ed25519(Raw(*l.oscar));
  CheckRefused(l, lost_witnessed, {l.olga.get(), l.oscar.get()}, "a lost copy with a witness");
  // Once lost, it cannot be "returned" to look accounted for.
  CheckRefused(l, l.CopyReturn(*l.olga, "S-1", 's', 2, std::string(32, 'a')), {l.olga.get()},
               "copy returned twice");
  CHECK(l.state.FindDocument("S-1").value()->copies_outstanding() == 1);
}

TEST_CASE("register/DueDatesAreTheProfilesAndHandlingIsOnce", "[ledger][register]") {
  Ledger l;
  format::Event add = l.Add(*l.sam, "P-2", 'q', 0);
  add.set_time_unix(1'800'000'000);
  auto* a = add.mutable_document_added();
  // A staff member giving themselves a month instead of the profile's 5 days.
  a->set_due_unix(add.time_unix() + 30 * 86400);
  CheckRefused(l, add, {l.sam.get()}, "document due at another time than the vault's profile gives");
  a->set_urgent(true);
  a->set_due_unix(add.time_unix() + 5 * 86400);
  CheckRefused(l, add, {l.sam.get()}, "document due at another time than the vault's profile gives");
  a->set_due_unix(EndOfUtcDay(add.time_unix()));
  a->set_custodian_ed25519(Raw(*l.outsider));
  CheckRefused(l, add, {l.sam.get()}, "document custodian not a member cleared for its level");
  a->set_custodian_ed25519(Raw(*l.pia));
  a->set_classified_until_unix(add.time_unix() - 1);
  CheckRefused(l, add, {l.sam.get()}, "classification period that ends before the document is registered");
  a->set_classified_until_unix(AddUtcYears(add.time_unix(), 10));
  l.Apply(add, {l.sam.get()});
  CHECK(l.state.FindDocument("P-2").value()->added().due_unix() == EndOfUtcDay(1'800'000'000));

  format::Event h = l.Next(*l.sam);
  h.mutable_document_handled()->set_reg_no("S-1");
  h.mutable_document_handled()->set_doc_id(std::string(16, 's'));
  CheckRefused(l, h, {l.sam.get()}, "document handled by someone not cleared");
  h.mutable_document_handled()->set_reg_no("P-2");
  h.mutable_document_handled()->set_doc_id(std::string(16, 'q'));
  l.Apply(h, {l.sam.get()});
  h.set_sequence(l.state.event_count);
  CheckRefused(l, h, {l.sam.get()}, "document handled twice");
}

TEST_CASE("copies/WhereTheProfileSaysSoASecondOfficerCoSigns", "[ledger][copies]") {
  // The same two levels, but copies at level 1 ("secret") need a co-signer.
  ledger_test::LedgerBuilder l;
  auto olga = Identity::Generate("Officer Olga"), oscar = Identity::Generate("Officer Oscar");
  auto pia = Identity::Generate("Officer Pia"), out = Identity::Generate("Liaison Lee");
  format::Event created = l.Created(*olga);
  created.mutable_vault_created()->mutable_profile()->set_cosign_copies_from(2);
  REQUIRE(ReplayEvent(ledger_test::LedgerBuilder::Sign(created, {olga.get()}), l.state));
  REQUIRE(ReplayEvent(l.Sign(l.Grant(*olga, *oscar, format::ROLE_OFFICER, 1), {olga.get()}), l.state));
  REQUIRE(ReplayEvent(l.Sign(l.Grant(*olga, *pia, format::ROLE_OFFICER, 0), {olga.get()}), l.state));
  REQUIRE(ReplayEvent(l.Sign(l.Add(*olga, "S-1", 's', 1), {olga.get()}), l.state));
  REQUIRE(ReplayEvent(l.Sign(l.Add(*olga, "P-1", 'p', 0), {olga.get()}), l.state));
  const std::string why = "copy without the co-signature of a second officer cleared for its level";
  format::Event copy = l.CopyIssue(*olga, *out, "S-1", 's', 1, 1, true);
  CheckRefused(l, copy, {olga.get()}, why);  // one officer alone
  copy.mutable_copy_issued()->set_cosigner_ed25519(Raw(*olga));
  CheckRefused(l, copy, {olga.get(), olga.get()}, why);  // herself as co-signer
  copy.mutable_copy_issued()->set_cosigner_ed25519(Raw(*pia));
  CheckRefused(l, copy, {olga.get(), pia.get()}, why);  // an officer not cleared for secret
  copy.mutable_copy_issued()->set_cosigner_ed25519(Raw(*oscar));
  CheckRefused(l, copy, {olga.get()}, why);  // named, but not signed by him
  REQUIRE(l.state.Apply(copy, {Raw(*olga), Raw(*oscar)}));
  // Below the policy's level one signature is enough.
  REQUIRE(l.state.Apply(l.CopyIssue(*olga, *out, "P-1", 'p', 0, 1, true), {Raw(*olga)}));
}

TEST_CASE("register/CalendarArithmetic", "[register]") {
  // 2024-02-29 12:00 UTC plus one year: 2025-03-01 12:00 UTC.
  CHECK(AddUtcYears(1709208000, 1) == 1740830400);
  CHECK(AddUtcYears(1709208000, 4) == 1835438400);  // 2028-02-29 12:00
  CHECK(EndOfUtcDay(1709208000) == 1709251199);
  CHECK(EndOfUtcDay(-1) == -1);
}

}  // namespace
}  // namespace custody::vault
