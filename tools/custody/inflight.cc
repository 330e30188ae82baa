#include "tools/custody/inflight.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <optional>
#include <sstream>
#include <vector>

#include "base/atomic_file.h"
#include "base/posix.h"
#include "base/state_dir.h"

namespace custody::cli {

namespace {

constexpr std::string_view kEntryMagic = "custody-inflight-v1";
constexpr size_t kHexDigits = 12;  // of an AtomicFile temporary name
constexpr size_t kMaxEntryBytes = 3 * PATH_MAX + 256;

struct Entry {
  std::string temp, reg_no, vault;
  InflightKind kind = InflightKind::kExtraction;
  std::string What() const {
    switch (kind) {
      case InflightKind::kSealedCopy:
        return "partial sealed copy (age ciphertext) of " + reg_no + " left by a killed copy";
      case InflightKind::kOpenedCopy:
        return "partial plaintext of copy " + reg_no + " left by a killed custody open of " + vault;
      case InflightKind::kExtraction:
        break;
    }
    return "partial plaintext of " + reg_no + " left by a killed extraction";
  }
};

std::string HexOf(const std::string& temp_path) { return temp_path.substr(temp_path.size() - kHexDigits); }

bool IsEntryName(const std::string& name) {
  return name.size() == kHexDigits &&
         name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<Entry> ParseEntry(const std::string& text) {
  std::istringstream in(text);
  std::string magic, line;
  Entry e;
  if (!std::getline(in, magic) || magic != kEntryMagic) return std::nullopt;
  for (auto [key, field] : {std::pair{"temp ", &e.temp}, {"reg_no ", &e.reg_no}, {"vault ", &e.vault}}) {
    if (!std::getline(in, line) || !line.starts_with(key)) return std::nullopt;
    *field = line.substr(std::strlen(key));
  }
  if (e.temp.empty() || e.temp[0] != '/' || !IsAtomicFileTempName(e.temp)) return std::nullopt;
  if (std::getline(in, line)) {
    if (line == "kind sealed") e.kind = InflightKind::kSealedCopy;
    if (line == "kind opened") e.kind = InflightKind::kOpenedCopy;
  }
  return e;
}

Status WriteAllFd(int fd, const std::string& bytes, const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(errno, "writing", what));
    done += static_cast<size_t>(n);
  }
  return {};
}

// Writes, syncs and locks the entry under a dot-name, then renames it into
// place: a sweeper never sees a registered name that is unlocked or half
// written. (Not AtomicFile: the lock must stay on the open descriptor.)
Result<int> WriteLockedEntry(const std::string& dir, const std::string& name,
                             const std::string& text) {
  const std::string staging = dir + "/.new-" + name, path = dir + "/" + name;
  int fd = ::open(staging.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot register the extraction in", dir));
  Status s = ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? Status{}
                                                 : std::unexpected(ErrnoError(errno, "flock", staging));
  if (s) s = WriteAllFd(fd, text, staging);
  if (s && ::fsync(fd) != 0) s = std::unexpected(ErrnoError(errno, "fsync", staging));
  if (s && ::rename(staging.c_str(), path.c_str()) != 0)
    s = std::unexpected(ErrnoError(errno, "rename", staging));
  if (!s) {
    ::unlink(staging.c_str());
    ::close(fd);
    return std::unexpected(s.error());
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);  // best effort: the entry matters after SIGKILL, which loses no cache
    ::close(dfd);
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<InflightEntry>> InflightEntry::Register(const std::string& temp_path,
                                                               const std::string& reg_no,
                                                               const std::string& vault_path,
                                                               InflightKind kind) {
  if (temp_path.empty() || temp_path[0] != '/' || !IsAtomicFileTempName(temp_path))
    return Fail(Code::kUsage, "not an absolute temporary extraction path: " + temp_path);
  for (const std::string* f : {&temp_path, &reg_no, &vault_path})
    if (f->find('\n') != std::string::npos)
      return Fail(Code::kUsage, "cannot register an extraction whose path holds a newline: " + *f);
  CUSTODY_ASSIGN(std::string dir, EnsureStateDir("inflight"));
  const std::string text = std::string(kEntryMagic) + "\ntemp " + temp_path + "\nreg_no " +
                           reg_no + "\nvault " + vault_path + "\n" +
                           (kind == InflightKind::kSealedCopy   ? "kind sealed\n"
                            : kind == InflightKind::kOpenedCopy ? "kind opened\n"
                                                                : "");
  const std::string name = HexOf(temp_path);
  CUSTODY_ASSIGN(int fd, WriteLockedEntry(dir, name, text));
  return std::unique_ptr<InflightEntry>(new InflightEntry(dir + "/" + name, fd));
}

InflightEntry::~InflightEntry() {
  // Unlinked while still locked, so no sweeper can take it for a dead one.
  ::unlink(path_.c_str());
  ::close(fd_);
}

namespace {

// The entry's text if `fd` is the regular file of this user still linked
// at `path`, at most kMaxEntryBytes long.
std::optional<std::string> ReadOwnEntry(int fd, const std::string& path) {
  struct stat a {}, b {};
  if (::fstat(fd, &a) != 0 || ::lstat(path.c_str(), &b) != 0 || a.st_ino != b.st_ino ||
      a.st_dev != b.st_dev || !S_ISREG(a.st_mode) || a.st_uid != ::geteuid() ||
      a.st_size > static_cast<off_t>(kMaxEntryBytes))
    return std::nullopt;
  std::string text(static_cast<size_t>(a.st_size), '\0');
  if (::pread(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return std::nullopt;
  return text;
}

// Removes the registered temporary file if it is still there. False if it
// is there and could not be removed (the entry is then kept for next time).
bool RemovePartial(const Entry& e, std::ostream& err) {
  struct stat st {};
  if (::lstat(e.temp.c_str(), &st) != 0) return true;  // renamed into place, or already gone
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    err << "custody: warning: " << e.temp << " (registered for " << e.reg_no
        << ") is not a regular file of this user; not removed\n";
    return true;
  }
  if (::unlink(e.temp.c_str()) != 0) {
    err << "custody: warning: " << e.What() << ": " << e.temp << " — cannot remove it: "
        << std::strerror(errno) << "\n";
    return false;
  }
  err << "custody: warning: " << e.What() << ": " << e.temp << " — removed\n";
  return true;
}

void SweepOne(const std::string& dir, const std::string& name, std::ostream& err) {
  const std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  // A held lock is a running extraction (ours or another process's).
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return;
  }
  auto text = ReadOwnEntry(fd, path);
  std::optional<Entry> e = text ? ParseEntry(*text) : std::nullopt;
  bool drop = true;
  if (!text) {
    drop = false;  // not ours, or replaced meanwhile: leave it alone
  } else if (!e || HexOf(e->temp) != name) {
    err << "custody: warning: unreadable in-flight extraction entry " << path << " — removed\n";
  } else {
    drop = RemovePartial(*e, err);
  }
  if (drop) ::unlink(path.c_str());
  ::close(fd);
}

}  // namespace

void SweepInflightExtractions(std::ostream& err) {
  auto root = StateDir();
  if (!root) return;
  struct stat st {};
  if (::lstat((*root + "/inflight").c_str(), &st) != 0) return;  // nothing was ever registered
  auto dir = EnsureStateDir("inflight");
  if (!dir) {
    err << "custody: warning: " << dir.error().message << "; in-flight extractions not checked\n";
    return;
  }
  DIR* d = ::opendir(dir->c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (const dirent* ent = ::readdir(d))
    if (IsEntryName(ent->d_name)) names.emplace_back(ent->d_name);
  ::closedir(d);
  for (const auto& name : names) SweepOne(*dir, name, err);
}

// ---- signals ----

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
char g_temp[PATH_MAX];
char g_entry[PATH_MAX];
std::atomic<bool> g_armed{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read from a signal handler");
struct sigaction g_previous[std::size(kSignals)];
bool g_installed[std::size(kSignals)];

// Async-signal-safe only: unlink(2) and raise(3). SA_RESETHAND has restored
// the default action, so the re-raised signal ends the process as it would
// have without us (exit status 128 + signal for the shell).
extern "C" void OnExtractSignal(int sig) {
  if (g_armed.load()) {
    ::unlink(g_temp);
    ::unlink(g_entry);
  }
  ::raise(sig);
}

}  // namespace

ExtractSignalGuard::ExtractSignalGuard() {
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    struct sigaction now {};
    g_installed[i] = false;
    if (::sigaction(kSignals[i], nullptr, &g_previous[i]) != 0) continue;
    // An ignored signal stays ignored (a background job of a shell without
    // job control must not be stopped by the terminal's ^C).
    if (g_previous[i].sa_handler == SIG_IGN) continue;
    now.sa_handler = OnExtractSignal;
    sigemptyset(&now.sa_mask);
    for (int s : kSignals) sigaddset(&now.sa_mask, s);  // one handler at a time
    now.sa_flags = SA_RESETHAND;
    g_installed[i] = ::sigaction(kSignals[i], &now, nullptr) == 0;
  }
}

ExtractSignalGuard::~ExtractSignalGuard() {
  Disarm();
  for (size_t i = 0; i < std::size(kSignals); ++i)
    if (g_installed[i]) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

void ExtractSignalGuard::Arm(const std::string& temp_path, const std::string& entry_path) {
  if (temp_path.size() >= PATH_MAX || entry_path.size() >= PATH_MAX) return;
  g_armed.store(false);
  std::memcpy(g_temp, temp_path.c_str(), temp_path.size() + 1);
  std::memcpy(g_entry, entry_path.c_str(), entry_path.size() + 1);
  g_armed.store(true);
}

void ExtractSignalGuard::Disarm() { g_armed.store(false); }

}  // namespace custody::cli
