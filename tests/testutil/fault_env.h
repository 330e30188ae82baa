// A fault-injecting, in-memory implementation of the filesystem seam
// (base/env.h), modelled on leveldb's fault_injection_test.
//
// Every file is an inode holding
//   * `base`: its bytes as of the point from which everything is durable, and
//   * `log`: every write and truncate since then, in order, each marked
//     `synced` once a successful Sync() covered it.
// Reads see the current bytes (base with the whole log applied). The
// namespace (path -> inode) is kept twice: as it is now, and as it was made
// durable by the last SyncDir() of each directory.
//
// CrashCopy() produces the filesystem a power cut would leave: the durable
// namespace (entries created or renamed since the last SyncDir of their
// directory vanish), and for every file its base plus the synced log entries
// plus each un-synced entry kept, dropped, or torn (a prefix of the write cut
// at a 512 B or 4 KiB boundary of the file).
//
// Faults: the Nth WriteAt or the Nth sync (Sync or SyncDir), counted from
// zero since the env was made or Arm() was called, fails with EIO or ENOSPC
// (ENOSPC writes a 4 KiB-aligned prefix first, as a short write would). A
// failed Sync leaves its un-synced writes "poisoned": no later successful
// Sync makes them durable (as Linux drops the dirty pages after reporting
// the error), so code that retries a sync over the same data is caught by
// the crash states — and is also recorded directly: every WriteAt or Sync on
// a file after a Sync of that file failed is a violation (violations()).
//
// LockExclusive() is a no-op. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/env.h"

namespace custody::testutil {

struct LogEntry {
  enum class Kind { kWrite, kTruncate };
  Kind kind = Kind::kWrite;
  uint64_t offset = 0;    // write offset, or the new size for kTruncate
  std::string data;       // written bytes
  bool synced = false;    // a successful Sync covered it: durable
  bool poisoned = false;  // a Sync failed while it was pending: never durable by a later Sync
};

struct Inode {
  std::string base;
  std::vector<LogEntry> log;
  std::string current;     // base + whole log, what reads see
  bool sync_failed = false;  // a Sync of this file failed
};

// A whole filesystem. Copying shares inodes; use Clone() for a deep copy.
struct MemFs {
  std::map<std::string, std::shared_ptr<Inode>> names;          // now
  std::map<std::string, std::shared_ptr<Inode>> durable_names;  // as of the last SyncDir
  MemFs Clone() const;
  // Current contents of `path`, or nullptr if it does not exist.
  const std::string* Contents(const std::string& path) const;
  // Number of un-synced log entries over all files, and whether the
  // namespace differs from the durable one.
  size_t PendingWrites() const;
  bool PendingNames() const;
  // Cheap fingerprint of names + current contents (to count distinct states).
  uint64_t Fingerprint() const;
};

// How a crash treats what was not made durable.
struct CrashSpec {
  enum class Style {
    kDurableOnly,  // every un-synced write dropped, every unsynced name vanishes
    kEverything,   // every write and every name survived (the page cache got flushed)
    kRandom,       // each un-synced write kept/dropped/torn at random; names vanish (or, 1 in 4, all survive)
  };
  Style style = Style::kRandom;
  uint64_t seed = 0;  // for kRandom
};

// The filesystem a crash of `fs` described by `spec` leaves. `what`, if not
// null, receives a short description of the choices made; `choices`, if not
// null, a hash of every choice made (equal hashes from the same `fs` mean
// the same crash state — a cheap way to skip duplicates).
MemFs CrashCopy(const MemFs& fs, const CrashSpec& spec, std::string* what = nullptr,
                uint64_t* choices = nullptr);

class FaultEnv final : public custody::Env {
 public:
  explicit FaultEnv(MemFs fs = {});
  ~FaultEnv() override;

  // ---- custody::Env ----
  Result<std::unique_ptr<custody::File>> Open(const std::string& path, custody::OpenMode mode) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to, bool replace) override;
  Status Remove(const std::string& path) override;

  // ---- faults ----
  // Fail the `index`-th (0-based) WriteAt / sync from now on with `err`
  // (EIO or ENOSPC); -1 disables. Resets the counters.
  void Arm(int fail_write_at, int fail_sync_at, int err);
  void Disarm() { Arm(-1, -1, 0); }
  uint64_t writes() const;   // WriteAt calls since Arm (or construction)
  uint64_t syncs() const;    // Sync + SyncDir calls since Arm (or construction)
  bool fault_fired() const;
  // "WriteAt/Sync on <path> after a failed Sync of it", in order.
  std::vector<std::string> violations() const;

  // ---- crash points ----
  // Called (under the env's lock) after every mutating call — WriteAt,
  // Sync, Truncate, SyncDir, Rename, Remove, creating open — whether it
  // succeeded or failed, with the filesystem and a description of the call.
  using OpHook = std::function<void(const MemFs&, const std::string&)>;
  void SetOpHook(OpHook hook);
  uint64_t mutating_ops() const;

  // A deep copy of the current filesystem.
  MemFs Snapshot() const;

 private:
  friend class MemFile;
  Status MaybeFail(bool is_write, const std::string& what, const std::string& path,
                   bool* partial);
  void AfterOp(const std::string& what);

  mutable std::mutex mu_;
  MemFs fs_;
  int fail_write_at_ = -1, fail_sync_at_ = -1, err_ = 0;
  uint64_t writes_ = 0, syncs_ = 0, ops_ = 0;
  bool fired_ = false;
  std::vector<std::string> violations_;
  OpHook hook_;
};

}  // namespace custody::testutil
