#include "vault/disposal/engine.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "crypto/random.h"
#include "base/env.h"
#include "vault/disposal/engine_internal.h"
#include "vault/disposal/in_use.h"

namespace custody::vault::disposal {
namespace {

using internal::Clock;
using internal::PhaseProgress;
using internal::WriteJob;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <typename T>
Result<T> WithContext(Result<T> r, const std::string& context) {
  if (!r) return std::unexpected(r.error().With(context));
  return r;
}

std::string RandomName(size_t length) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::RandomString(length);
  std::string out;
  for (char c : bytes) out.push_back(kChars[static_cast<unsigned char>(c) % 36]);
  return out;
}

// The wipe works on real files only, so the POSIX Env's directory sync is
// the one to use (no second copy of open+fsync here).
Status SyncDirectory(const std::filesystem::path& dir) {
  return DefaultEnv()->SyncDir(dir.string());
}

Status ValidateOptions(const WipeOptions& o) {
  if (o.rounds < 1 || o.rounds > 1000)
    return Fail(Code::kUsage, "rounds must be between 1 and 1000, got " + std::to_string(o.rounds));
  if (o.chunk_size < kDirectAlignment || o.chunk_size % kDirectAlignment != 0)
    return Fail(Code::kUsage, "chunk size must be a positive multiple of " +
                                  std::to_string(kDirectAlignment));
  return {};
}

// Report times come from the clock seam, to the second (as certificates
// record them).
std::chrono::system_clock::time_point Now(const WipeOptions& o) {
  return std::chrono::system_clock::from_time_t(static_cast<std::time_t>(o.clock->NowUnix()));
}

WipeReport StartReport(TargetKind kind, const std::string& path, const WipeOptions& o) {
  WipeReport r;
  r.kind = kind;
  r.target = path;
  r.method = o.method;
  r.rounds = o.rounds;
  r.verify_mode = o.verify;
  r.seed = o.seed ? *o.seed : crypto::RandomKeystreamSeed();
  r.started = Now(o);
  return r;
}

// Writes (and verifies) every pass over [0, size) of `fd`. With `fill`, the
// first pass runs until the filesystem is full and sets the size.
Status RunPasses(int fd, uint64_t size, bool fill, uint32_t sector, const WipeOptions& o,
                 WipeReport& r) {
  std::vector<Pass> passes = PassSequence(o.method, o.rounds);
  r.target_bytes = size;
  if (o.before_passes) o.before_passes(r);
  for (size_t i = 0; i < passes.size(); ++i) {
    PassResult pr;
    pr.pass = passes[i];
    WriteJob job;
    job.fd = fd;
    job.size = r.target_bytes;
    job.fill = fill && i == 0;
    job.chunk = o.chunk_size;
    job.sync_interval = o.sync_interval;
    job.sector = sector;
    job.pass = &pr.pass;
    job.seed = &r.seed;
    job.errors = &r.errors;
    job.cancel = o.cancel;
    PhaseProgress progress(o.progress, i, passes.size(), false, job.fill ? 0 : r.target_bytes);
    auto t0 = Clock::now();
    CUSTODY_ASSIGN(pr.bytes_written,
                   WithContext(internal::WritePass(job, progress),
                               "pass " + std::to_string(i + 1) + " (" + pr.pass.Describe() + ")"));
    pr.write_seconds = SecondsSince(t0);
    if (job.fill) r.target_bytes = pr.bytes_written;
    bool verify = o.verify == VerifyMode::kAll ||
                  (o.verify == VerifyMode::kLast && i + 1 == passes.size());
    if (verify) {
      PhaseProgress vp(o.progress, i, passes.size(), true, r.target_bytes);
      auto t1 = Clock::now();
      ProgressFn fn = [&](const Progress& p) { vp.Update(p.bytes_done, true); };
      CUSTODY_ASSIGN(pr.verify, VerifyFd(fd, r.target_bytes, pr.pass, r.seed, o.chunk_size,
                                         o.progress ? fn : ProgressFn{}, &r.errors, o.cancel));
      pr.verify_seconds = SecondsSince(t1);
    }
    r.passes.push_back(std::move(pr));
  }
  return {};
}

Status CheckNotCopyOnWrite(const std::string& path, const struct statfs& sfs,
                           const char* what) {
  if (IsOverlay(sfs.f_type))
    return Fail(Code::kUsage,
                "refusing to wipe " + std::string(what) + " " + path +
                    " on overlayfs: writes go to the upper layer (a file from a lower layer is "
                    "copied up first), so the lower layer keeps the original data. Wipe the "
                    "layer's own filesystem or device instead");
  if (!IsCopyOnWrite(sfs.f_type)) return {};
  return Fail(Code::kUsage,
              "refusing to wipe " + std::string(what) + " " + path + " on " +
                  FilesystemName(sfs.f_type) +
                  ": it is a copy-on-write or log-structured filesystem, which writes new "
                  "data to new blocks and leaves the old ones (and any snapshot) intact, so "
                  "overwriting in place is not possible. Wipe the whole device, or rely on "
                  "encryption (destroy the key)");
}

// The report of a file or free-space wipe: the device is the one holding
// the filesystem.
WipeReport StartFilesystemReport(TargetKind kind, const std::string& path,
                                 const struct stat& st, const struct statfs& sfs,
                                 const WipeOptions& o) {
  WipeReport r = StartReport(kind, path, o);
  r.device = ProbeDeviceNumber(st.st_dev);
  r.device.path = path;
  r.device.filesystem = FilesystemName(sfs.f_type);
  r.notes = r.device.Warnings();
  return r;
}

// Forget the blocks, then the name: truncate, rename to a random name of
// the same length (overwriting the old name in the directory entry where
// the filesystem reuses it), unlink, and make each step durable.
Status ForgetFile(UniqueFd& fd, const std::string& path) {
  namespace fs = std::filesystem;
  if (ftruncate(fd.get(), 0) != 0) return std::unexpected(ErrnoError(errno, "truncate " + path));
  if (fsync(fd.get()) != 0) return std::unexpected(ErrnoError(errno, "fsync " + path));
  CUSTODY_TRY(fd.Close(path));
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  size_t name_len = std::max<size_t>(p.filename().string().size(), 1);
  fs::path current = p;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path renamed = dir / RandomName(name_len);
    if (renameat2(AT_FDCWD, current.c_str(), AT_FDCWD, renamed.c_str(), RENAME_NOREPLACE) == 0) {
      current = renamed;
      break;
    }
    if (errno != EEXIST) return std::unexpected(ErrnoError(errno, "rename " + path));
  }
  CUSTODY_TRY(SyncDirectory(dir));
  if (unlink(current.c_str()) != 0)
    return std::unexpected(ErrnoError(errno, "unlink " + current.string()));
  return SyncDirectory(dir);
}

}  // namespace

const char* VerifyModeName(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::kOff: return "off";
    case VerifyMode::kLast: return "last";
    case VerifyMode::kAll: return "all";
  }
  return "unknown";
}

Result<VerifyMode> ParseVerifyMode(std::string_view name) {
  if (name == "off") return VerifyMode::kOff;
  if (name == "last") return VerifyMode::kLast;
  if (name == "all") return VerifyMode::kAll;
  return Fail(Code::kUsage,
              "unknown verify mode \"" + std::string(name) + "\"; expected off, last or all");
}

const char* TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kBlockDevice: return "block-device";
    case TargetKind::kFile: return "file";
    case TargetKind::kFreeSpace: return "free-space";
  }
  return "unknown";
}

const char* VerdictName(WipeReport::Verdict verdict) {
  switch (verdict) {
    case WipeReport::Verdict::kNotPerformed: return "not-performed";
    case WipeReport::Verdict::kPassed: return "passed";
    case WipeReport::Verdict::kFailed: return "failed";
  }
  return "unknown";
}

uint64_t WipeReport::bytes_written() const {
  uint64_t n = 0;
  for (const auto& p : passes) n += p.bytes_written;
  return n;
}

uint64_t WipeReport::bytes_verified() const {
  uint64_t n = 0;
  for (const auto& p : passes)
    if (p.verify) n += p.verify->bytes_compared;
  return n;
}

uint64_t WipeReport::mismatched_bytes() const {
  uint64_t n = 0;
  for (const auto& p : passes)
    if (p.verify) n += p.verify->mismatched_bytes;
  return n;
}

std::optional<uint64_t> WipeReport::first_mismatch() const {
  for (const auto& p : passes)
    if (p.verify && p.verify->first_mismatch) return p.verify->first_mismatch;
  return std::nullopt;
}

WipeReport::Verdict WipeReport::verdict() const {
  bool any = false;
  for (const auto& p : passes) {
    if (!p.verify) continue;
    any = true;
    if (!p.verify->ok()) return Verdict::kFailed;
  }
  return any ? Verdict::kPassed : Verdict::kNotPerformed;
}

bool WipeReport::has_random_pass() const {
  return std::any_of(passes.begin(), passes.end(),
                     [](const PassResult& p) { return p.pass.kind == Pass::Kind::kRandom; });
}

Result<WipeReport> WipeBlockDevice(const std::string& path, const WipeOptions& options) {
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + path));
  if (!S_ISBLK(st.st_mode)) return Fail(Code::kUsage, path + " is not a block device");
  // O_EXCL below catches a device that is itself mounted or claimed; not
  // one that is the backing store of a loop device, or whose partition or
  // holder is in use.
  if (std::string why = BlockDeviceUser(st.st_rdev); !why.empty())
    return Fail(Code::kIo, path + " is in use: it " + why + "; unmount or release it first");
  // O_EXCL on a block device claims it: the open fails with EBUSY while it
  // is mounted or held by LVM, RAID, swap or another exclusive opener.
  UniqueFd fd(open(path.c_str(), O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == EBUSY)
      return Fail(Code::kIo, path + " is in use (mounted, swap, or held by LVM/RAID/another "
                                    "program); unmount or release it first");
    return std::unexpected(ErrnoError(errno, "open " + path));
  }
  int ro = 0;
  if (ioctl(fd.get(), BLKROGET, &ro) == 0 && ro)
    return Fail(Code::kUsage, path + " is read-only");
  WipeReport r = StartReport(TargetKind::kBlockDevice, path, options);
  CUSTODY_ASSIGN(r.device, ProbeBlockDevice(fd.get(), path));
  r.notes = r.device.Warnings();
  uint32_t sector = std::max<uint32_t>(r.device.logical_sector_size, 512);
  if (r.device.size_bytes % sector != 0)
    return Fail(Code::kIo, path + ": size is not a multiple of the sector size");
  CUSTODY_TRY(RunPasses(fd.get(), r.device.size_bytes, false, sector, options, r));
  // Drop whatever old content the page cache may still hold for the device.
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  ioctl(fd.get(), BLKFLSBUF, 0);
  CUSTODY_TRY(fd.Close(path));
  r.finished = Now(options);
  return r;
}

Result<WipeReport> WipeFile(const std::string& path, const WipeOptions& options) {
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + path));
  if (S_ISLNK(st.st_mode))
    return Fail(Code::kUsage, path + " is a symbolic link; name the file it points to");
  if (S_ISDIR(st.st_mode))
    return Fail(Code::kUsage, path + " is a directory; to wipe a filesystem's free space use "
                                     "--free-space DIR");
  if (!S_ISREG(st.st_mode)) return Fail(Code::kUsage, path + " is not a regular file");
  if (st.st_nlink > 1)
    return Fail(Code::kUsage, path + " has " + std::to_string(st.st_nlink) +
                                  " hard links; wiping it would leave the other names "
                                  "pointing at overwritten data. Remove the other links first");
  struct statfs sfs {};
  if (statfs(path.c_str(), &sfs) != 0) return std::unexpected(ErrnoError(errno, "statfs " + path));
  CUSTODY_TRY(CheckNotCopyOnWrite(path, sfs, "file"));
  if (std::string why = FileUser(path, st); !why.empty())
    return Fail(Code::kIo, path + " is in use: it " + why + "; unmount and detach it first");

  UniqueFd fd(open(path.c_str(), O_RDWR | O_DIRECT | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == EINVAL)
      return Fail(Code::kIo, path + ": the filesystem does not support O_DIRECT, so the "
                                    "overwrite could not be verified without the page cache");
    return std::unexpected(ErrnoError(errno, "open " + path));
  }
  // The file may have been swapped between lstat and open: check it is the same.
  struct stat st2 {};
  if (fstat(fd.get(), &st2) != 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
    return Fail(Code::kIo, path + " changed while it was being opened");

  WipeReport r = StartFilesystemReport(TargetKind::kFile, path, st, sfs, options);
  r.notes.push_back(
      "a file wipe overwrites the file's current blocks only: earlier copies (backups, "
      "editor and temporary files, copies the filesystem or an application made before, "
      "snapshots of the underlying volume) are not touched");

  // Round up to the filesystem block: the tail of the last block belongs to
  // the file already, and O_DIRECT needs whole blocks anyway.
  uint64_t block = std::max<uint64_t>(static_cast<uint64_t>(sfs.f_bsize), kDirectAlignment);
  uint64_t size = (static_cast<uint64_t>(st.st_size) + block - 1) / block * block;
  CUSTODY_TRY(RunPasses(fd.get(), size, false, static_cast<uint32_t>(block), options, r));

  if (r.verdict() != WipeReport::Verdict::kFailed) {
    CUSTODY_TRY(ForgetFile(fd, path));
    r.removed = true;
  } else {
    CUSTODY_TRY(fd.Close(path));
  }
  r.finished = Now(options);
  return r;
}

Result<WipeReport> WipeFreeSpace(const std::string& dir, const WipeOptions& options) {
  namespace fs = std::filesystem;
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + dir));
  if (!S_ISDIR(st.st_mode)) return Fail(Code::kUsage, dir + " is not a directory");
  struct statfs sfs {};
  if (statfs(dir.c_str(), &sfs) != 0) return std::unexpected(ErrnoError(errno, "statfs " + dir));
  CUSTODY_TRY(CheckNotCopyOnWrite(dir, sfs, "the free space of"));

  WipeReport r = StartFilesystemReport(TargetKind::kFreeSpace, dir, st, sfs, options);
  r.notes.push_back(
      "a free-space wipe overwrites unallocated blocks only: it does not reach the slack "
      "after the end of existing files, inodes and directory entries of deleted files, or "
      "the filesystem journal");

  fs::path filler = fs::path(dir) / (".custody-wipe-" + RandomName(16));
  UniqueFd fd(open(filler.c_str(), O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_NOFOLLOW | O_CLOEXEC,
                   0600));
  if (!fd.valid()) {
    if (errno == EINVAL)
      return Fail(Code::kIo, dir + ": the filesystem does not support O_DIRECT");
    return std::unexpected(ErrnoError(errno, "create " + filler.string()));
  }
  // The filler must never outlive this call, whatever happens.
  struct Remover {
    fs::path path;
    ~Remover() { unlink(path.c_str()); }
  } remover{filler};

  uint32_t block = static_cast<uint32_t>(std::max<int64_t>(sfs.f_bsize, 512));
  CUSTODY_TRY(RunPasses(fd.get(), 0, true, block, options, r));
  if (ftruncate(fd.get(), 0) != 0) return std::unexpected(ErrnoError(errno, "truncate filler"));
  CUSTODY_TRY(fd.Close(filler.string()));
  if (unlink(filler.c_str()) != 0)
    return std::unexpected(ErrnoError(errno, "unlink " + filler.string()));
  remover.path.clear();
  CUSTODY_TRY(SyncDirectory(dir));
  r.removed = true;
  r.finished = Now(options);
  return r;
}

}  // namespace custody::vault::disposal