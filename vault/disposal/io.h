// Small RAII helpers for direct I/O: an owned file descriptor and a buffer
// aligned for O_DIRECT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace custody::vault::disposal {

// Buffers are aligned to this many bytes, which satisfies O_DIRECT on every
// logical block size Linux supports (512 and 4096).
inline constexpr size_t kDirectAlignment = 4096;

// Owns a file descriptor; closes it on destruction. Move-only.
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
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now, reporting a failed close (which can carry a delayed write
  // error) as kIo naming `what`.
  Status Close(const std::string& what);

 private:
  int fd_ = -1;
};

// A zero-initialised heap buffer aligned to kDirectAlignment. Move-only.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // Aborts on allocation failure, like operator new.
  explicit AlignedBuffer(size_t size);
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::span<uint8_t> span() { return {data_.get(), size_}; }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// Creates `path` holding `bytes` durably and without ever showing a partial
// file: writes a temporary file beside it, fsyncs it, renames it into place
// only if `path` does not exist yet (kUsage "already exists" otherwise), and
// fsyncs the directory. The temporary file is removed on failure.
Status WriteNewFileDurably(const std::string& path, std::string_view bytes);

// Renames `from` to `to` unless `to` exists (kUsage), then fsyncs the
// directory of `to`. Removes `from` on failure.
Status PublishNewFile(const std::string& from, const std::string& to);

// "open /dev/x: No such file or directory" with a code chosen from errno:
// ENOENT/ENOTDIR -> kNotFound, EACCES/EPERM -> kIo, else kIo.
Error ErrnoError(const std::string& what, int err);

}  // namespace custody::vault::disposal
