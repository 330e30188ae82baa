// A document's life in a mounted folder (FORMAT.md §5.4 R189-R192, format
// v8) on events built in memory, as a forger would try them: a member
// renaming, withdrawing or revising a document above their clearance, a
// staff member restoring what was withdrawn (only an officer decides), a
// revision that skips or replays a version number (to hide a version, or
// to pass an older one off as the current), acts on a withdrawn document,
// and a compaction that drops an earlier version. Every refused event
// leaves the state as it was.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "crypto/hardening.h"
#include "format/custody.pb.h"
#include "tests/vault/ledger/ledger_builder.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

using ledger_test::Raw;

const bool kInitialized = crypto::InitializeProcess().has_value();

// Levels "public" < "secret"; officer Olga, staff Sam (public); S-1 at secret.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> olga = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> sam = Identity::Generate("Staff Sam");
  const std::string s1 = std::string(16, 's');
  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*olga), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *sam, format::ROLE_STAFF, 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*olga, "S-1", 's', 1), {olga.get()}), state));
  }
  void Apply(const format::Event& e, const Identity& signer) { REQUIRE(state.Apply(e, {Raw(signer)})); }
  format::KeyRef Key(char hash) const {
    format::KeyRef k;
    k.set_doc_id(s1);
    k.set_offset(format::kLogStart + 512);
    k.set_hash(std::string(32, hash));
    return k;
  }
  format::Event Renamed(const Identity& actor, char hash = 'n') const {
    format::Event e = Next(actor);
    e.mutable_document_renamed()->set_reg_no("S-1");
    e.mutable_document_renamed()->set_doc_id(s1);
    *e.mutable_document_renamed()->mutable_key() = Key(hash);
    return e;
  }
  format::Event Withdrawn(const Identity& actor) const {
    format::Event e = Next(actor);
    e.mutable_document_withdrawn()->set_reg_no("S-1");
    e.mutable_document_withdrawn()->set_doc_id(s1);
    return e;
  }
  format::Event Restored(const Identity& actor) const {
    format::Event e = Next(actor);
    e.mutable_document_restored()->set_reg_no("S-1");
    e.mutable_document_restored()->set_doc_id(s1);
    return e;
  }
  format::Event Revised(const Identity& actor, uint32_t version, char hash = 'v') const {
    format::Event e = Next(actor);
    auto* x = e.mutable_document_revised();
    x->set_reg_no("S-1");
    x->set_doc_id(s1);
    x->set_version(version);
    auto* ext = x->mutable_extent();
    ext->set_offset(format::kLogStart + 8192);
    ext->set_length(4096);
    ext->set_chunk_size(4096);
    ext->set_chunk_count(1);
    ext->set_root_hash(std::string(32, hash));
    *x->mutable_key() = Key(hash);
    return e;
  }
  const format::DocumentState& S1() const { return *state.FindDocument("S-1").value(); }
};

TEST_CASE("document_life/ARenameNeedsClearanceAndKeepsTheOldKeyForErasure", "[ledger][v8]") {
  Ledger l;
  // Sam (public) renaming a secret document he cannot even list.
  ledger_test::CheckRefused(l, l.Renamed(*l.sam), *l.sam, "renaming by someone not cleared");
  format::Event other = l.Renamed(*l.olga);
  other.mutable_document_renamed()->mutable_key()->set_doc_id(std::string(16, 'x'));
  ledger_test::CheckRefused(l, other, *l.olga, "renaming without a valid key reference");
  format::Event unknown = l.Renamed(*l.olga);
  unknown.mutable_document_renamed()->set_doc_id(std::string(16, 'x'));
  ledger_test::CheckRefused(l, unknown, *l.olga, "renaming of an unknown document");
  const std::string old_hash = l.S1().key().hash();
  l.Apply(l.Renamed(*l.olga), *l.olga);
  CHECK(l.S1().key().hash() == std::string(32, 'n'));
  REQUIRE(l.S1().old_keys_size() == 1);
  CHECK(l.S1().old_keys(0).hash() == old_hash);  // overwritten too when destroyed
}

TEST_CASE("document_life/OnlyAnOfficerRestoresWhatWasWithdrawn", "[ledger][v8]") {
  Ledger l;
  ledger_test::CheckRefused(l, l.Withdrawn(*l.sam), *l.sam, "withdrawal by someone not cleared");
  ledger_test::CheckRefused(l, l.Restored(*l.olga), *l.olga, "restoring a document that is not withdrawn");
  l.Apply(l.Withdrawn(*l.olga), *l.olga);
  CHECK(l.S1().withdrawn());
  CHECK(l.S1().withdrawn_by() == Raw(*l.olga));
  ledger_test::CheckRefused(l, l.Withdrawn(*l.olga), *l.olga, "withdrawal of a withdrawn document");
  ledger_test::CheckRefused(l, l.Renamed(*l.olga), *l.olga, "renaming of a withdrawn document");
  ledger_test::CheckRefused(l, l.Revised(*l.olga, 2), *l.olga, "revision of a withdrawn document");
  ledger_test::CheckRefused(l, l.Restored(*l.sam), *l.sam, "restoring by someone who is not an officer");
  l.Apply(l.Restored(*l.olga), *l.olga);
  CHECK_FALSE(l.S1().withdrawn());
}

TEST_CASE("document_life/VersionsGoUpByOneAndEveryEarlierOneIsKept", "[ledger][v8]") {
  Ledger l;
  const format::Extent v1 = l.S1().added().extent();
  const format::KeyRef k1 = l.S1().key();
  ledger_test::CheckRefused(l, l.Revised(*l.sam, 2), *l.sam, "revision by someone not cleared");
  ledger_test::CheckRefused(l, l.Revised(*l.olga, 1), *l.olga, "revision that is not the next version");
  ledger_test::CheckRefused(l, l.Revised(*l.olga, 3), *l.olga, "revision that is not the next version");
  format::Event no_chunks = l.Revised(*l.olga, 2);
  no_chunks.mutable_document_revised()->mutable_extent()->set_chunk_count(0);
  ledger_test::CheckRefused(l, no_chunks, *l.olga, "revision extent geometry out of range");
  l.Apply(l.Revised(*l.olga, 2), *l.olga);
  CHECK(l.S1().added().version() == 2);
  CHECK(l.S1().added().extent().root_hash() == std::string(32, 'v'));
  REQUIRE(l.S1().earlier_versions_size() == 1);
  CHECK(l.S1().earlier_versions(0).version() == 1);
  CHECK(l.S1().earlier_versions(0).extent().SerializeAsString() == v1.SerializeAsString());
  CHECK(l.S1().earlier_versions(0).key().hash() == k1.hash());
  // The same revision again (a replay, to make version 2 look current
  // after a version 3) is refused.
  ledger_test::CheckRefused(l, l.Revised(*l.olga, 2, 'w'), *l.olga, "revision that is not the next version");
  l.Apply(l.Revised(*l.olga, 3, 'w'), *l.olga);
  CHECK(DocumentExtents(l.S1()).size() == 3);
}

TEST_CASE("document_life/ACompactionCannotDropAnEarlierVersion", "[ledger][v8]") {
  Ledger l;
  l.Apply(l.Revised(*l.olga, 2), *l.olga);
  auto compaction = [&](bool keep_earlier) {
    format::Event e = l.Next(*l.olga);
    auto* k = e.mutable_compacted();
    k->set_previous_event_count(l.state.event_count);
    k->set_previous_ledger_head(l.state.ledger_head);
    auto* r = k->add_relocated();
    r->set_doc_id(l.s1);
    *r->mutable_extent() = l.S1().added().extent();
    r->mutable_extent()->set_offset(format::kLogStart + 100000);
    *r->mutable_key() = l.S1().key();
    if (keep_earlier) {
      *r->add_earlier() = l.S1().earlier_versions(0);
      r->mutable_earlier(0)->mutable_extent()->set_offset(format::kLogStart + 200000);
    }
    return e;
  };
  // Dropping version 1 would leave its bytes unaccounted for (and make a
  // later destruction miss them).
  ledger_test::CheckRefused(l, compaction(false), *l.olga, "compaction changes document S-1");
  l.Apply(compaction(true), *l.olga);
  CHECK(l.S1().earlier_versions(0).extent().offset() == format::kLogStart + 200000);
}

}  // namespace
}  // namespace custody::vault
