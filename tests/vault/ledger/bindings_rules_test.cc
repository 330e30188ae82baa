// Approved media and hosts, and backups (FORMAT.md §5.4 R182-R188, format
// v7) on events built in memory, as a forger would try them: a staff member
// registering a medium or binding a host (to open the vault from their own
// drive or machine), one medium under two numbers, a check-out of a medium
// never registered or already out, a check-in of one that never left, a
// backup that lies about its marking, malformed ids. Every refused event
// leaves the state (bindings included) as it was.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/hardening.h"
#include "format/custody.pb.h"
#include "tests/vault/ledger/ledger_builder.h"
#include "vault/identity/identity.h"
#include "vault/ledger/event_registry.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"

namespace custody::vault {
namespace {

using ledger_test::Raw;

const bool kInitialized = crypto::InitializeProcess().has_value();

// Levels "public" < "secret"; officer Olga, staff Sam; S-1 at secret.
struct Ledger : ledger_test::LedgerBuilder {
  std::unique_ptr<Identity> olga = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> sam = Identity::Generate("Staff Sam");
  Ledger() {
    REQUIRE(ReplayEvent(Sign(Created(*olga), {olga.get()}), state));
    REQUIRE(ReplayEvent(Sign(Grant(*olga, *sam, format::ROLE_STAFF, 0), {olga.get()}), state));
  }
  void Apply(const format::Event& e, const Identity& signer) { REQUIRE(state.Apply(e, {Raw(signer)})); }
  static format::Medium Drive(const std::string& fs_id, const std::string& serial = "WD-123") {
    format::Medium m;
    m.set_fs_id(fs_id);
    m.set_filesystem("ext4");
    m.set_serial(serial);
    m.set_size_bytes(uint64_t{1} << 40);
    m.set_transport("usb");
    return m;
  }
  format::Event Register(const Identity& actor, const std::string& number, const format::Medium& m) const {
    format::Event e = Next(actor);
    auto* x = e.mutable_medium_registered();
    x->set_number(number);
    x->set_label("SECRET");
    *x->mutable_medium() = m;
    return e;
  }
  format::Event Out(const Identity& actor, const std::string& number) const {
    format::Event e = Next(actor);
    auto* x = e.mutable_medium_checked_out();
    x->set_number(number);
    x->set_holder("courier");
    x->set_purpose("repair");
    return e;
  }
  format::Event In(const Identity& actor, const std::string& number) const {
    format::Event e = Next(actor);
    e.mutable_medium_checked_in()->set_number(number);
    return e;
  }
  format::Event Bind(const Identity& actor, const std::string& id) const {
    format::Event e = Next(actor);
    e.mutable_host_bound()->set_host_id(id);
    e.mutable_host_bound()->set_name("ws-12");
    return e;
  }
};

// CheckRefused compares the checkpoint's state; the bindings are authority
// state (not in a checkpoint), so they are compared here too.
void CheckRefused(Ledger& l, const format::Event& e, const Identity& signer, const std::string& why) {
  const size_t media = l.state.media.size(), hosts = l.state.hosts.size();
  std::vector<bool> out;
  for (const auto& [n, m] : l.state.media) out.push_back(m.out);
  ledger_test::CheckRefused(l, e, signer, why);
  CHECK(l.state.media.size() == media);
  CHECK(l.state.hosts.size() == hosts);
  std::vector<bool> after;
  for (const auto& [n, m] : l.state.media) after.push_back(m.out);
  CHECK(after == out);
}

TEST_CASE("bindings/OnlyAnOfficerRegistersAMediumAndEachOnce", "[ledger][bindings]") {
  Ledger l;
  // Staff registering their own USB stick, to write the vault from it.
  CheckRefused(l, l.Register(*l.sam, "M-9", Ledger::Drive("00000000000000aa")), *l.sam,
               "medium registration by someone who is not an officer");
  CheckRefused(l, l.Register(*l.olga, "", Ledger::Drive("00000000000000aa")), *l.olga, "medium number is empty");
  CheckRefused(l, l.Register(*l.olga, "M-1", Ledger::Drive("0000000000000000")), *l.olga,
               "medium with a malformed filesystem id");
  CheckRefused(l, l.Register(*l.olga, "M-1", Ledger::Drive("00000000000000AA")), *l.olga,
               "medium with a malformed filesystem id");
  l.Apply(l.Register(*l.olga, "M-1", Ledger::Drive("00000000000000aa")), *l.olga);
  CHECK(l.state.media.size() == 1);
  CHECK(l.state.FindMedium(Ledger::Drive("00000000000000aa")) != nullptr);
  // The same filesystem on a device with another serial is another medium.
  CHECK(l.state.FindMedium(Ledger::Drive("00000000000000aa", "WD-999")) == nullptr);
  CheckRefused(l, l.Register(*l.olga, "M-1", Ledger::Drive("00000000000000bb")), *l.olga,
               "medium number M-1 registered twice");
  CheckRefused(l, l.Register(*l.olga, "M-2", Ledger::Drive("00000000000000aa")), *l.olga,
               "medium already registered as M-1");
  CHECK(IsAuthorityKind(format::Event::kMediumRegistered));
}

TEST_CASE("bindings/ACheckOutNeedsAnOfficerARegisteredMediumAndAPurpose", "[ledger][bindings]") {
  Ledger l;
  l.Apply(l.Register(*l.olga, "M-1", Ledger::Drive("00000000000000aa")), *l.olga);
  CheckRefused(l, l.Out(*l.olga, "M-7"), *l.olga, "medium M-7 is not registered");
  CheckRefused(l, l.Out(*l.sam, "M-1"), *l.sam, "medium check-out by someone who is not an officer");
  format::Event no_purpose = l.Out(*l.olga, "M-1");
  no_purpose.mutable_medium_checked_out()->clear_purpose();
  CheckRefused(l, no_purpose, *l.olga, "check-out purpose is empty");
  format::Event back_before = l.Out(*l.olga, "M-1");
  back_before.set_time_unix(2000);
  back_before.mutable_medium_checked_out()->set_return_by_unix(1000);
  CheckRefused(l, back_before, *l.olga, "medium due back before it leaves");
  CheckRefused(l, l.In(*l.olga, "M-1"), *l.olga, "medium M-1 checked in without being out");
  l.Apply(l.Out(*l.olga, "M-1"), *l.olga);
  CHECK(l.state.media.at("M-1").out);
  CheckRefused(l, l.Out(*l.olga, "M-1"), *l.olga, "medium M-1 checked out twice");
  CheckRefused(l, l.In(*l.sam, "M-1"), *l.sam, "medium check-in by someone who is not an officer");
  l.Apply(l.In(*l.olga, "M-1"), *l.olga);
  CHECK_FALSE(l.state.media.at("M-1").out);
}

TEST_CASE("bindings/OnlyAnOfficerBindsAHostAndEachOnce", "[ledger][bindings]") {
  Ledger l;
  const std::string id(16, '\x42');
  CheckRefused(l, l.Bind(*l.sam, id), *l.sam, "host binding by someone who is not an officer");
  CheckRefused(l, l.Bind(*l.olga, std::string(15, 'x')), *l.olga, "host id that is not 16 bytes");
  l.Apply(l.Bind(*l.olga, id), *l.olga);
  CHECK(l.state.hosts.count(id) == 1);
  CheckRefused(l, l.Bind(*l.olga, id), *l.olga, "host bound twice");
  CHECK(IsAuthorityKind(format::Event::kHostBound));
}

TEST_CASE("bindings/AnEventSaysWellFormedWhereItWasMade", "[ledger][bindings]") {
  Ledger l;
  format::Event e = l.Register(*l.olga, "M-1", Ledger::Drive("00000000000000aa"));
  e.mutable_host()->set_id("short");
  CheckRefused(l, e, *l.olga, "host id that is not 16 bytes");
  e.mutable_host()->set_id(std::string(16, '\x01'));
  e.mutable_host()->set_name(std::string(300, 'n'));
  CheckRefused(l, e, *l.olga, "host name over 256 bytes");
  e.mutable_host()->set_name("ws-12");
  l.Apply(e, *l.olga);
}

TEST_CASE("bindings/AnOpenOutsideTheBindingsIsRecordedAsWhatItWas", "[ledger][bindings]") {
  Ledger l;
  format::Event e = l.Next(*l.sam);
  auto* x = e.mutable_open_outside_bindings();
  x->set_attempt_unix(e.time_unix() - 60);
  x->mutable_host()->set_id(std::string(16, '\x07'));
  CheckRefused(l, e, *l.sam, "an open outside the bindings that was inside them");
  x->set_medium_unregistered(true);
  x->set_attempt_unix(e.time_unix() + 60);
  CheckRefused(l, e, *l.sam, "an open recorded before it happened");
  x->set_attempt_unix(e.time_unix() - 60);
  l.Apply(e, *l.sam);
  CHECK_FALSE(IsAuthorityKind(format::Event::kOpenOutsideBindings));
}

TEST_CASE("bindings/ABackupCarriesTheTrueMarking", "[ledger][bindings]") {
  Ledger l;
  REQUIRE(ReplayEvent(l.Sign(l.Add(*l.olga, "S-1", 's', 1), {l.olga.get()}), l.state));
  auto backup = [&](const Identity& actor, int32_t level) {
    format::Event e = l.Next(actor);
    auto* x = e.mutable_backup_made();
    x->set_destination("/mnt/backup/v.vault");
    x->set_purpose("weekly");
    x->set_highest_level(level);
    return e;
  };
  CheckRefused(l, backup(*l.sam, 1), *l.sam, "backup by someone who is not an officer");
  // A backup of secret material marked as public would be handled as such.
  CheckRefused(l, backup(*l.olga, 0), *l.olga, "backup marked with a level other than the highest held");
  format::Event no_purpose = backup(*l.olga, 1);
  no_purpose.mutable_backup_made()->clear_purpose();
  CheckRefused(l, no_purpose, *l.olga, "backup purpose is empty");
  l.Apply(backup(*l.olga, 1), *l.olga);
}

}  // namespace
}  // namespace custody::vault
