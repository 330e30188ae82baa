// The filesystem seam. Everything the container does to disk goes through an
// Env and its Files, so that tests can substitute a fault-injecting
// implementation (dropped, torn or failing writes, vanished directory
// entries) and check what survives — as leveldb does with its Env.
//
// The default Env is POSIX. Errors carry errno text and the path; ENOSPC and
// EDQUOT are reported as "no space left on device".
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/posix.h"  // ErrnoError, DirName: callers of the Env use them too
#include "base/status.h"

namespace custody {

class File {
 public:
  virtual ~File() = default;
  // Reads up to out.size() bytes at `offset`; returns how many were read
  // (fewer only at end of file).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) = 0;
  // Writes all of `data` at `offset` or fails.
  virtual Status WriteAt(uint64_t offset, std::span<const uint8_t> data) = 0;
  // fdatasync(). On failure the data written since the last successful sync
  // must be treated as lost; callers never retry over the same data.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
  // Writes `length` bytes read from descriptor `src` at `src_offset` here
  // at `offset`, or fails. This default goes through memory and WriteAt;
  // a real file lets the kernel copy (copy_file_range).
  virtual Status CopyFrom(int src, uint64_t src_offset, uint64_t offset, uint64_t length);
  // Takes an exclusive open-file-description lock without waiting. kIo with
  // "locked by another process" if it is held.
  virtual Status LockExclusive() = 0;
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kRead,         // existing file, read only
  kReadWrite,    // existing file
  kCreateNew,    // must not exist; created 0600
};

class Env {
 public:
  virtual ~Env() = default;
  virtual Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  // rename(2); with `replace` false, fails (kIo) if `to` exists.
  virtual Status Rename(const std::string& from, const std::string& to, bool replace) = 0;
  virtual Status Remove(const std::string& path) = 0;
};

// The process-wide POSIX Env. Never null; lives forever.
Env* DefaultEnv();

}  // namespace custody
