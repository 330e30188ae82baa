// Approved media and hosts, and backups (format v7; FORMAT.md §3.8 "Media
// and hosts", R182-R188; REQUIREMENTS.md 2.2, 2.6, 3.2, 3.3, 3.8).
//
// The bindings are enforced by the client, as a clearance is: whoever holds
// the drive can always copy the file elsewhere, so what this buys is that
// no member's client writes from an unregistered medium or acts on an
// unapproved host, and that every open outside the bindings ends up in the
// signed ledger. The ledger rules (vault/ledger/events/bindings.cc) make
// sure only officers change the bindings.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/encoding.h"
#include "base/posix.h"
#include "vault/client_memory.h"
#include "vault/ops/internal.h"
#include "vault/place/place.h"

namespace custody::vault {

namespace {

std::string Numbers(const VaultState& s) {
  std::string out;
  for (const auto& [number, m] : s.media) out += (out.empty() ? "" : ", ") + number;
  return out;
}

std::string HostNames(const VaultState& s) {
  std::string out;
  for (const auto& [id, name] : s.hosts) {
    format::HostRef h;
    h.set_id(id);
    h.set_name(name);
    out += (out.empty() ? "" : ", ") + DescribeHost(h);
  }
  return out;
}

// Copies `from` to a new file `to` (which must not exist), synced: written
// beside it under a temporary name and linked into place, so that a crash
// leaves no partial backup under the name asked for.
Result<uint64_t> CopyFileNew(const std::string& from, const std::string& to) {
  struct stat st {};
  if (::lstat(to.c_str(), &st) == 0) return Fail(Code::kUsage, to + " already exists; nothing was written");
  const std::string tmp = to + ".custody-tmp";
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return std::unexpected(ErrnoError(errno, "cannot read", from));
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    return std::unexpected(ErrnoError(err, "cannot create", tmp));
  }
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  Status status;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { status = std::unexpected(ErrnoError(errno, "cannot read", from)); break; }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) { status = std::unexpected(ErrnoError(errno, "cannot write", tmp)); break; }
      done += w;
    }
    if (!status) break;
    total += static_cast<uint64_t>(n);
  }
  if (status && ::fsync(out) != 0) status = std::unexpected(ErrnoError(errno, "cannot sync", tmp));
  ::close(in);
  ::close(out);
  // link(2) fails if `to` appeared meanwhile: never replaces a file.
  if (status && ::link(tmp.c_str(), to.c_str()) != 0) status = std::unexpected(ErrnoError(errno, "cannot create", to));
  ::unlink(tmp.c_str());
  if (!status) return std::unexpected(status.error());
  const int dir = ::open(DirName(to).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return total;
}

Result<const VaultState::MediumState*> RegisteredMedium(const VaultState& s, const std::string& number,
                                                       const std::string& path) {
  auto it = s.media.find(number);
  if (it == s.media.end()) return Fail(Code::kNotFound, "no medium " + number + " in vault " + path);
  return &it->second;
}

}  // namespace

// R187: the file a BackupMade event names as its destination is that
// backup, and stays as it was made: writing to it would fork the vault.
Status Vault::RefuseWritingToBackup() const {
  auto ref = container_->ReadHeader(head_offset_);
  if (!ref || ref->header.type != format::RecordType::kEvent) return {};
  CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(*ref));
  format::SignedEvent se;
  format::Event ev;
  if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body()) || !ev.has_backup_made()) return {};
  char* real = ::realpath(container_->path().c_str(), nullptr);
  const std::string here = real ? real : container_->path();
  ::free(real);
  if (here != ev.backup_made().destination()) return {};
  return Fail(Code::kAuth, container_->path() + " is the backup of this vault made at event " +
                               std::to_string(ev.sequence()) + " (" + UtcDateTime(ev.time_unix()) +
                               "); a backup is never written to (to restore it, an officer copies it "
                               "over the vault's file on its registered medium)");
}

Status Vault::CheckBindings(Access access, ClientMemory* memory) {
  access_ = access;
  memory_for_notes_ = memory;
  if (access == Access::kWrite) CUSTODY_TRY(RefuseWritingToBackup());
  if (state_->hosts.empty() && state_->media.empty()) return {};
  auto note = std::make_unique<format::OpenOutsideBindings>();
  note->set_attempt_unix(clock_->NowUnix());
  note->set_write(access == Access::kWrite);
  auto host = ThisHost();
  if (host) *note->mutable_host() = *host;
  else note->mutable_host()->set_id(std::string(16, '\0'));
  if (!state_->hosts.empty() && (!host || !state_->hosts.count(host->id()))) note->set_host_unapproved(true);
  if (!state_->media.empty()) {
    auto medium = MediumOf(container_->path());
    if (medium) *note->mutable_medium() = *medium;
    if (!medium || state_->FindMedium(*medium) == nullptr) {
      note->set_medium_unregistered(true);
      if (access == Access::kRead)
        warnings_.push_back(container_->path() + " is not on a registered medium of this vault (it is on " +
                            (medium ? DescribeMedium(*medium) : medium.error().message) +
                            "; registered: " + Numbers(*state_) +
                            "): a copy of the vault? Read anyway; writing is refused, and this open will be recorded");
    }
  }
  if (note->host_unapproved() || note->medium_unregistered()) outside_ = std::move(note);
  return {};
}

Status Vault::EnforceBindings(const Identity& actor) const {
  if (!outside_) return {};
  if (!outside_noted_ && memory_for_notes_ != nullptr) {
    outside_noted_ = true;
    format::OpenOutsideBindings note = *outside_;
    note.set_member_ed25519(SigningKeyOf(actor));
    if (auto kept = memory_for_notes_->AddOutsideNote(state_->vault_id, note.SerializeAsString()); !kept)
      warnings_.push_back("could not keep the record of this open outside the bindings: " + kept.error().message);
  }
  const std::string& path = container_->path();
  if (outside_->host_unapproved()) {
    std::string recorded = "it will be recorded by this client's next write";
    // A vault whose medium is in order records the refusal now. Unlock is
    // const for readers; this is the one write it may make, and only of
    // the notes this client keeps (const_cast: the Vault itself is never
    // a const object).
    if (!outside_->medium_unregistered()) {
      if (auto now = const_cast<Vault*>(this)->RecordOutsideNow(actor); now) recorded = "the attempt was recorded";
    }
    return Fail(Code::kAuth, "this machine, " + DescribeHost(outside_->host()) + ", is not an approved host of vault " +
                                 path + " (approved: " + HostNames(*state_) + "); " + recorded);
  }
  if (outside_->medium_unregistered() && access_ == Access::kWrite && !registering_medium_)
    return Fail(Code::kAuth, "vault " + path + " is not on a registered medium (it is on " +
                                 (outside_->has_medium() ? DescribeMedium(outside_->medium()) : std::string("an unknown medium")) +
                                 "; registered: " + Numbers(*state_) + "); refusing to write. A copy of the vault is read-only; "
                                 "an officer registers a new medium with 'custody media register'");
  return {};
}

Status Vault::AppendOutsideNotes(const Identity& actor) {
  notes_appended_ = true;
  if (memory_for_notes_ == nullptr) return {};
  auto notes = memory_for_notes_->LoadOutsideNotes(state_->vault_id);
  if (!notes) {
    warnings_.push_back(notes.error().message);
    return {};
  }
  for (const std::string& bytes : *notes) {
    format::Event ev;
    if (!ev.mutable_open_outside_bindings()->ParseFromString(bytes)) continue;
    // The note is of this vault's client; a note the rules refuse (an
    // identity since removed, a clock set back) is dropped, not fatal.
    auto sealed = SealEvent(std::move(ev), {&actor});
    if (!sealed) {
      warnings_.push_back("a kept record of an open outside the bindings was not recorded: " + sealed.error().message);
      ++notes_to_drop_;
      continue;
    }
    CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kEvent, *sealed));
    NoteEventAt(at);
    ++notes_to_drop_;
  }
  return {};
}

Status Vault::RecordOutsideNow(const Identity& actor) {
  if (memory_for_notes_ == nullptr) return Fail(Code::kIo, "no client memory");
  if (access_ == Access::kWrite) {
    WriteScope scope(this);
    return CommitAll(actor, scope);  // CommitAll appends the kept notes
  }
  // A read open holds no lock and cannot write: a second, write open of
  // the same file does it (it verifies the vault again).
  CUSTODY_ASSIGN(auto w, OpenAs(container_->path(), Access::kWrite, env_, clock_, false));
  w->memory_for_notes_ = memory_for_notes_;
  WriteScope scope(w.get());
  return w->CommitAll(actor, scope);
}

std::vector<MediumInfo> Vault::Media() const {
  std::vector<MediumInfo> out;
  auto here = MediumOf(container_->path());
  for (const auto& [number, m] : state_->media) {
    MediumInfo i;
    i.number = number;
    i.label = m.registered.label();
    i.description = DescribeMedium(m.registered.medium());
    i.here = here && state_->FindMedium(*here) == &m;
    i.out = m.out;
    if (m.out) {
      i.holder = m.checkout.holder();
      i.purpose = m.checkout.purpose();
      i.checked_out_by = MemberName(m.checkout_by);
      i.checked_out_unix = m.checkout_unix;
      i.return_by_unix = m.checkout.return_by_unix();
    }
    out.push_back(std::move(i));
  }
  return out;
}

std::vector<HostInfo> Vault::Hosts() const {
  std::vector<HostInfo> out;
  auto here = ThisHost();
  for (const auto& [id, name] : state_->hosts)
    out.push_back({ToHex(id), name, here && here->id() == id});
  return out;
}

Status Vault::RegisterMedium(const Identity& officer, const std::string& number, const std::string& label,
                             const std::string& at) {
  if (number.empty() || number.size() > 64) return Fail(Code::kUsage, "a medium number is 1 to 64 bytes");
  if (label.empty() || label.size() > 256) return Fail(Code::kUsage, "a medium label is 1 to 256 bytes");
  registering_medium_ = true;
  auto ring = UnlockOfficer(officer, "register media");
  registering_medium_ = false;
  if (!ring) return std::unexpected(ring.error());
  const std::string where = at.empty() ? container_->path() : at;
  CUSTODY_ASSIGN(format::Medium medium, MediumOf(where));
  if (state_->media.count(number))
    return Fail(Code::kUsage, "medium number " + number + " is already registered in vault " + container_->path());
  if (const auto* m = state_->FindMedium(medium))
    return Fail(Code::kUsage, "the medium holding " + where + " is already registered, as " +
                                  m->registered.number());
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(officer, *ring));
  format::Event ev;
  auto* x = ev.mutable_medium_registered();
  x->set_number(number);
  x->set_label(label);
  *x->mutable_medium() = medium;
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  // This open was outside the bindings only because the medium was new.
  if (at.empty() && outside_ && !outside_->host_unapproved()) outside_.reset();
  return CommitAll(officer, scope);
}

Status Vault::CheckOutMedium(const Identity& officer, const std::string& number, const std::string& holder,
                             const std::string& purpose, int64_t return_by_unix) {
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(officer, "check media out"));
  CUSTODY_ASSIGN(const auto* m, RegisteredMedium(*state_, number, container_->path()));
  if (m->out)
    return Fail(Code::kUsage, "medium " + number + " is already checked out (to " + m->checkout.holder() +
                                  " on " + UtcDateTime(m->checkout_unix) + ")");
  if (holder.empty() || purpose.empty()) return Fail(Code::kUsage, "a check-out needs a holder and a purpose");
  if (return_by_unix != 0 && return_by_unix <= clock_->NowUnix())
    return Fail(Code::kUsage, "the return date has passed; nothing was recorded");
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(officer, ring));
  format::Event ev;
  auto* x = ev.mutable_medium_checked_out();
  x->set_number(number);
  x->set_holder(holder);
  x->set_purpose(purpose);
  x->set_return_by_unix(return_by_unix);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Status Vault::CheckInMedium(const Identity& officer, const std::string& number, const std::string& note) {
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(officer, "check media in"));
  CUSTODY_ASSIGN(const auto* m, RegisteredMedium(*state_, number, container_->path()));
  if (!m->out) return Fail(Code::kUsage, "medium " + number + " is not checked out");
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(officer, ring));
  format::Event ev;
  auto* x = ev.mutable_medium_checked_in();
  x->set_number(number);
  x->set_note(note);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Status Vault::BindHost(const Identity& officer, const std::string& host_id, const std::string& name) {
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(officer, "approve hosts"));
  format::HostRef host;
  if (host_id.empty()) {
    CUSTODY_ASSIGN(host, ThisHost());
  } else {
    if (host_id.size() != 16) return Fail(Code::kUsage, "a host id is 32 hex digits (custody host id)");
    host.set_id(host_id);
    host.set_name(name);
  }
  if (!name.empty()) host.set_name(name);
  if (host.name().size() > 256) return Fail(Code::kUsage, "a host name is at most 256 bytes");
  if (state_->hosts.count(host.id()))
    return Fail(Code::kUsage, "host " + DescribeHost(host) + " is already approved for vault " + container_->path());
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(officer, ring));
  format::Event ev;
  auto* x = ev.mutable_host_bound();
  x->set_host_id(host.id());
  x->set_name(host.name());
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Result<BackupResult> Vault::Backup(const Identity& officer, const std::string& destination,
                                   const std::string& purpose) {
  if (purpose.empty()) return Fail(Code::kUsage, "a backup needs a purpose (--purpose)");
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(officer, "make backups"));
  struct stat st {};
  if (::lstat(destination.c_str(), &st) == 0)
    return Fail(Code::kUsage, destination + " already exists; nothing was written");
  // The destination as the backup will find itself (RefuseWritingToBackup):
  // its directory resolved, then its own name.
  char* dir = ::realpath(DirName(destination).c_str(), nullptr);
  if (dir == nullptr) return std::unexpected(ErrnoError(errno, "cannot write a backup in", DirName(destination)));
  const std::string base = destination.substr(destination.find_last_of('/') == std::string::npos
                                                  ? 0 : destination.find_last_of('/') + 1);
  std::string absolute = std::string(dir) + (std::string(dir) == "/" ? "" : "/") + base;
  ::free(dir);
  if (base.empty() || base == "." || base == "..") return Fail(Code::kUsage, "a backup needs a file name, not " + destination);
  CUSTODY_ASSIGN(format::Medium medium, MediumOf(DirName(absolute)));
  if (!state_->media.empty() && state_->FindMedium(medium) == nullptr)
    return Fail(Code::kAuth, "a backup goes to a registered medium of the vault; " + DirName(absolute) + " is on " +
                                 DescribeMedium(medium) + " (registered: " + Numbers(*state_) + ")");
  WriteScope scope(this);
  CUSTODY_TRY(RotateExpiredGrants(officer, ring));
  format::Event ev;
  auto* x = ev.mutable_backup_made();
  x->set_destination(absolute);
  *x->mutable_medium() = medium;
  x->set_highest_level(state_->HighestLevelHeld());
  x->set_purpose(purpose);
  // The kept notes go in before the backup's event, which must be the
  // last of the copy (R187).
  CUSTODY_TRY(AppendOutsideNotes(officer));
  const uint64_t sequence = state_->event_count;
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  CUSTODY_TRY(CommitAll(officer, scope));
  // The write lock is held: the file is exactly the commit just made.
  CUSTODY_ASSIGN(uint64_t bytes, CopyFileNew(container_->path(), absolute));
  const int level = state_->HighestLevelHeld();
  return BackupResult{absolute, sequence, level < 0 ? "none" : state_->level_names[static_cast<size_t>(level)], bytes};
}

}  // namespace custody::vault
