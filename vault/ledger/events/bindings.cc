// Approved media and hosts (format v7): MediumRegistered, MediumCheckedOut,
// MediumCheckedIn, HostBound (authority events, R182-R185),
// OpenOutsideBindings (R186) and BackupMade (R187). FORMAT.md §3.8, §5.4.
//
// The bindings are what a client enforces (Vault::CheckBindings): a write is
// refused from a medium that is not registered, any keyed act on a host that
// is not bound. The ledger's part is that the bindings themselves are only
// made by officers, are well formed and are never ambiguous.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {

constexpr size_t kMaxText = 256;

Status CheckText(const format::Event& e, const std::string& text, std::string_view what, bool required) {
  if (required && text.empty()) return Broken(e, std::string(what) + " is empty");
  if (text.size() > kMaxText) return Broken(e, std::string(what) + " over 256 bytes");
  return {};
}

Status CheckMedium(const format::Event& e, const format::Medium& m) {
  if (m.fs_id().size() != 16 || m.fs_id() == std::string(16, '0') ||
      m.fs_id().find_first_not_of("0123456789abcdef") != std::string::npos)
    return Broken(e, "medium with a malformed filesystem id");
  for (const std::string* t : {&m.filesystem(), &m.device(), &m.model(), &m.serial(), &m.transport()})
    CUSTODY_TRY(CheckText(e, *t, "a medium fact", false));
  return {};
}

Status CheckHost(const format::Event& e, const format::HostRef& h) {
  if (h.id().size() != 16) return Broken(e, "host id that is not 16 bytes");
  return CheckText(e, h.name(), "host name", false);
}

Result<VaultState::MediumState*> RegisteredMedium(const format::Event& e, VaultState& s,
                                                  const std::string& number) {
  auto it = s.media.find(number);
  if (it == s.media.end()) return Broken(e, "medium " + number + " is not registered");
  return &it->second;
}

}  // namespace

// R182: an officer registers a medium under a new number; one medium is
// never registered twice (under two numbers).
Status ApplyMediumRegistered(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "medium registration"));
  const auto& x = e.medium_registered();
  CUSTODY_TRY(CheckText(e, x.number(), "medium number", true));
  if (x.number().size() > 64) return Broken(e, "medium number over 64 bytes");
  CUSTODY_TRY(CheckText(e, x.label(), "medium label", true));
  CUSTODY_TRY(CheckMedium(e, x.medium()));
  if (s.media.count(x.number())) return Broken(e, "medium number " + x.number() + " registered twice");
  if (const auto* other = s.FindMedium(x.medium()))
    return Broken(e, "medium already registered as " + other->registered.number());
  auto& m = s.media[x.number()];
  m.registered = x;
  m.registered_at = e.sequence();
  return {};
}

// R183: an officer approves a registered medium leaving, with a purpose;
// not while it is out.
Status ApplyMediumCheckedOut(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "medium check-out"));
  const auto& x = e.medium_checked_out();
  CUSTODY_ASSIGN(auto* m, RegisteredMedium(e, s, x.number()));
  CUSTODY_TRY(CheckText(e, x.holder(), "check-out holder", true));
  CUSTODY_TRY(CheckText(e, x.purpose(), "check-out purpose", true));
  if (x.return_by_unix() != 0 && x.return_by_unix() <= e.time_unix())
    return Broken(e, "medium due back before it leaves");
  if (m->out) return Broken(e, "medium " + x.number() + " checked out twice");
  m->out = true;
  m->checkout = x;
  m->checkout_by = e.actor_ed25519();
  m->checkout_unix = e.time_unix();
  return {};
}

// R184: an officer takes a checked-out medium back.
Status ApplyMediumCheckedIn(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "medium check-in"));
  const auto& x = e.medium_checked_in();
  CUSTODY_ASSIGN(auto* m, RegisteredMedium(e, s, x.number()));
  CUSTODY_TRY(CheckText(e, x.note(), "check-in note", false));
  if (!m->out) return Broken(e, "medium " + x.number() + " checked in without being out");
  m->out = false;
  return {};
}

// R185: an officer binds a host, once.
Status ApplyHostBound(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "host binding"));
  const auto& x = e.host_bound();
  format::HostRef h;
  h.set_id(x.host_id());
  h.set_name(x.name());
  CUSTODY_TRY(CheckHost(e, h));
  if (!s.hosts.emplace(x.host_id(), x.name()).second) return Broken(e, "host bound twice");
  return {};
}

// R186: any live member records an open of theirs that was outside the
// bindings, made before this event.
Status ApplyOpenOutsideBindings(const format::Event& e, const std::vector<std::string>&, VaultState&) {
  const auto& x = e.open_outside_bindings();
  if (x.attempt_unix() > e.time_unix()) return Broken(e, "an open recorded before it happened");
  if (!x.member_ed25519().empty() && x.member_ed25519() != e.actor_ed25519())
    return Broken(e, "an open outside the bindings recorded for someone else");
  if (!x.host_unapproved() && !x.medium_unregistered())
    return Broken(e, "an open outside the bindings that was inside them");
  CUSTODY_TRY(CheckHost(e, x.host()));
  if (x.has_medium()) CUSTODY_TRY(CheckMedium(e, x.medium()));
  return {};
}

// R187: a backup made by an officer, with a purpose and the marking it
// carries (the highest level held when it was made).
Status ApplyBackupMade(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(RequireOfficer(e, s, "backup"));
  const auto& x = e.backup_made();
  if (x.destination().empty() || x.destination().size() > 4096) return Broken(e, "backup destination out of range");
  CUSTODY_TRY(CheckText(e, x.purpose(), "backup purpose", true));
  if (x.highest_level() != s.HighestLevelHeld())
    return Broken(e, "backup marked with a level other than the highest held");
  if (x.has_medium()) CUSTODY_TRY(CheckMedium(e, x.medium()));
  return {};
}

// Every v7 event may say where it was made (Event.host); when it does, it is
// well formed (checked for every event, apply.cc).
Status CheckEventHost(const format::Event& e) {
  if (!e.has_host()) return {};
  return CheckHost(e, e.host());
}

}  // namespace custody::vault
