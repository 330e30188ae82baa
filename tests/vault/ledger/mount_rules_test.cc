// The mount's session events (FORMAT.md §5.4 R178 VaultMounted, R179
// VaultUnmounted, R180 DocumentOpened) on events built in memory, as a
// forger would try them: an open recorded for someone not cleared, of a
// destroyed or unknown document, a session named after the event itself, a
// mount by an outsider (refused by R21a, which every event meets first). Every refused event leaves the state as it was.
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

using ledger_test::CheckRefused;
using ledger_test::Raw;

const bool kInitialized = crypto::InitializeProcess().has_value();

// Levels "public" < "secret"; officer Olga (both), staff Sam (public);
// P-1 at public, S-1 at secret (destroyed in one case); an outsider.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> olga = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> oscar = Identity::Generate("Officer Oscar");
  std::unique_ptr<Identity> sam = Identity::Generate("Staff Sam");
  std::unique_ptr<Identity> outsider = Identity::Generate("Outsider");
  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*olga), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *oscar, format::ROLE_OFFICER, 1), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *sam, format::ROLE_STAFF, 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*olga, "P-1", 'p', 0), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Add(*olga, "S-1", 's', 1), {olga.get()}), state));
  }
  void Apply(const format::Event& e, const Identity& signer) {
    REQUIRE(state.Apply(e, {Raw(signer)}));
  }
  format::Event Mounted(const Identity& actor) const {
    format::Event e = Next(actor);
    e.mutable_vault_mounted()->set_host("ws-12");
    return e;
  }
  format::Event Opened(const Identity& actor, const std::string& reg, char id, uint64_t at) const {
    format::Event e = Next(actor);
    auto* o = e.mutable_document_opened();
    o->set_reg_no(reg);
    o->set_doc_id(std::string(16, id));
    o->set_mounted_at(at);
    return e;
  }
  format::Event Unmounted(const Identity& actor, uint64_t at) const {
    format::Event e = Next(actor);
    e.mutable_vault_unmounted()->set_mounted_at(at);
    e.mutable_vault_unmounted()->set_reason("unmount");
    return e;
  }
};

TEST_CASE("mount/ASessionRecordsOnlyWhatItsMemberMayRead", "[ledger][mount]") {
  Ledger l;
  CheckRefused(l, l.Mounted(*l.outsider), *l.outsider, "signed by a revoked or unknown identity");
  format::Event long_host = l.Mounted(*l.sam);
  long_host.mutable_vault_mounted()->set_host(std::string(256, 'h'));
  CheckRefused(l, long_host, *l.sam, "mount host name over 255 bytes");
  const uint64_t at = l.state.event_count;
  l.Apply(l.Mounted(*l.sam), *l.sam);

  // Staff cleared for "public" opening the secret document: refused.
  CheckRefused(l, l.Opened(*l.sam, "S-1", 's', at), *l.sam, "open by someone not cleared");
  CheckRefused(l, l.Opened(*l.sam, "P-9", 'p', at), *l.sam, "open of an unknown document");
  // The right number with another document's id names no document.
  CheckRefused(l, l.Opened(*l.sam, "P-1", 's', at), *l.sam, "open of an unknown document");
  // A session must come before what it names.
  format::Event later = l.Opened(*l.sam, "P-1", 'p', 0);
  later.mutable_document_opened()->set_mounted_at(later.sequence());
  CheckRefused(l, later, *l.sam, "open of a mount that comes later");
  l.Apply(l.Opened(*l.sam, "P-1", 'p', at), *l.sam);
  // Opening changes nothing a checkpoint holds: the extraction count
  // counts extractions only.
  CHECK(l.state.FindDocument("P-1").value()->extract_count() == 0);

  format::Event end = l.Unmounted(*l.sam, 0);
  end.mutable_vault_unmounted()->set_mounted_at(end.sequence() + 5);
  CheckRefused(l, end, *l.sam, "unmount of a mount that comes later");
  CheckRefused(l, l.Unmounted(*l.outsider, at), *l.outsider, "signed by a revoked or unknown identity");
  l.Apply(l.Unmounted(*l.sam, at), *l.sam);
}

TEST_CASE("mount/ADestroyedDocumentCannotBeRecordedAsOpened", "[ledger][mount]") {
  Ledger l;
  const uint64_t at = l.state.event_count;
  l.Apply(l.Mounted(*l.olga), *l.olga);
  REQUIRE(l.state.Apply(l.Destroy(*l.olga, *l.oscar, "S-1", 's'), {Raw(*l.olga), Raw(*l.oscar)}));
  CheckRefused(l, l.Opened(*l.olga, "S-1", 's', at), *l.olga, "open of a destroyed document");
}

}  // namespace
}  // namespace custody::vault
