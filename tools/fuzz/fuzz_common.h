// Shared by the harnesses: one-time process setup and a scratch file on
// tmpfs for APIs that take a path.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "crypto/hardening.h"

namespace custody::fuzz {

inline void InitOnce() {
  static bool done = [] {
    if (!crypto::InitializeProcess()) std::abort();
    return true;
  }();
  (void)done;
}

// A per-process file on /dev/shm (or $TMPDIR) rewritten with each input.
inline const std::string& ScratchPath(const char* name) {
  static std::string path = [name] {
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                       : std::getenv("TMPDIR")        ? std::getenv("TMPDIR")
                                                      : "/tmp";
    return base + "/custody-fuzz-" + name + "-" + std::to_string(::getpid());
  }();
  static bool registered = [] {
    std::atexit([] { ::unlink(path.c_str()); });
    return true;
  }();
  (void)registered;
  return path;
}

inline void WriteScratch(const std::string& path, const uint8_t* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

}  // namespace custody::fuzz
