// Whole-file helpers for tests (namespace custody::testutil). All of them
// throw std::runtime_error on failure, which Catch2 reports as a failed test,
// so a test never goes on with a silently empty or short file.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

namespace custody::testutil {

// The bytes of `path`; throws if it cannot be opened.
inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

enum class Durability {
  kNone,   // left in the page cache
  kFsync,  // fsync(2)ed before returning (for tests reading with O_DIRECT)
};

// Creates or truncates `path` and writes `bytes`; throws on failure.
inline void WriteFileBytes(const std::string& path, std::string_view bytes,
                           Durability durability = Durability::kNone) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
  }
  if (durability == Durability::kFsync) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path + " to sync it");
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("fsync failed for " + path);
  }
}

// An anonymous in-memory file (memfd_create), e.g. to extract into; closed
// on destruction.
class MemFd {
 public:
  MemFd() : fd_(::memfd_create("custody-test", MFD_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
  }
  ~MemFd() { ::close(fd_); }
  MemFd(const MemFd&) = delete;
  MemFd& operator=(const MemFd&) = delete;

  int fd() const { return fd_; }
  // Everything written so far (independent of the file offset).
  std::string Contents() const {
    struct stat st;
    if (::fstat(fd_, &st) != 0) throw std::runtime_error("memfd fstat failed");
    std::string out(static_cast<size_t>(st.st_size), '\0');
    if (!out.empty() && ::pread(fd_, out.data(), out.size(), 0) != static_cast<ssize_t>(out.size()))
      throw std::runtime_error("memfd read failed");
    return out;
  }

 private:
  int fd_;
};

}  // namespace custody::testutil
