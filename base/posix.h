// POSIX plumbing shared by every layer: an owned file descriptor, the one
// errno-to-Error mapping, and path splitting. No libsodium, no Env: code that
// must be fault-injectable goes through base/env.h instead.
#pragma once

#include <string>

#include "base/status.h"

namespace custody {

// Owns a file descriptor; closes it on destruction (ignoring errors; use
// Close() where a failed close matters). Move-only. Not thread-safe.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership; the caller must close the returned descriptor.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now, reporting a failed close (which can carry a delayed write
  // error) as ErrnoError(errno, "close", what). No-op if not valid().
  Status Close(const std::string& what);

 private:
  int fd_ = -1;
};

// The Error for a failed system call: "<what> <path>: <reason>", or
// "<what>: <reason>" when `path` is empty. The reason is strerror(err),
// except that ENOSPC and EDQUOT read "no space left on device" (users and
// tests look for that text). Code: kNotFound for ENOENT and ENOTDIR, kIo for
// everything else.
Error ErrnoError(int err, const std::string& what, const std::string& path = "");

// The whole of a file that is small by nature (a certificate, a public
// identity, a copy marking), read without trusting its size: at most `max`
// bytes are read, so /dev/zero or a huge file fails instead of exhausting
// memory. kNotFound if it does not exist, `too_large` ("<path> is larger
// than <max> bytes; not <what>") if it holds more, ErrnoError otherwise.
Result<std::string> ReadSmallFile(const std::string& path, size_t max, const std::string& what,
                                  Code too_large = Code::kCorrupt);

// Directory part of a path: "." when there is no slash, "/" for "/x".
std::string DirName(const std::string& path);

}  // namespace custody
