// Small helpers for direct I/O and for publishing certificate files. The
// owned file descriptor and the errno mapping live in base/posix.h.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/atomic_file.h"
#include "base/posix.h"
#include "base/status.h"

namespace custody::vault::disposal {

// Buffers are aligned to this many bytes, which satisfies O_DIRECT on every
// logical block size Linux supports (512 and 4096).
inline constexpr size_t kDirectAlignment = 4096;

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

// Certificates (JSON and PDF) are published readable by their owner only:
// they name people, devices, serials and directories, and the owner files
// or hands them on deliberately.
inline constexpr mode_t kCertificateFileMode = 0600;

// Commits `out` (REQUIRES: created with the DefaultEnv) without replacing an
// existing destination: kIo "<dest> already exists; not overwriting it"
// if there is one, else AtomicFile::Commit's result.
Status CommitNewFile(AtomicFile& out);

// Creates `path` holding `bytes` durably and without ever showing a partial
// file (an AtomicFile with kCertificateFileMode, then CommitNewFile).
Status WriteNewFileDurably(const std::string& path, std::string_view bytes);

}  // namespace custody::vault::disposal
