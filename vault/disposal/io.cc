#include "vault/disposal/io.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace custody::vault::disposal {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status UniqueFd::Close(const std::string& what) {
  int fd = release();
  if (fd >= 0 && ::close(fd) != 0) return std::unexpected(ErrnoError("close " + what, errno));
  return {};
}

AlignedBuffer::AlignedBuffer(size_t size) : size_(size) {
  void* p = nullptr;
  if (posix_memalign(&p, kDirectAlignment, size == 0 ? kDirectAlignment : size) != 0)
    std::abort();
  std::memset(p, 0, size);
  data_.reset(static_cast<uint8_t*>(p));
}

void AlignedBuffer::Free::operator()(uint8_t* p) const { std::free(p); }

Status PublishNewFile(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    ::unlink(from.c_str());
    if (err == EEXIST) return Fail(Code::kUsage, to + " already exists; not overwriting it");
    return std::unexpected(ErrnoError("rename to " + to, err));
  }
  std::filesystem::path dir = std::filesystem::path(to).parent_path();
  if (dir.empty()) dir = ".";
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid() || ::fsync(dfd.get()) != 0)
    return std::unexpected(ErrnoError("sync directory " + dir.string(), errno));
  return {};
}

Status WriteNewFileDurably(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return std::unexpected(ErrnoError("create " + tmp, errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return std::unexpected(ErrnoError("write " + tmp, err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(ErrnoError("fsync " + tmp, err));
  }
  if (auto s = fd.Close(tmp); !s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return PublishNewFile(tmp, path);
}

Error ErrnoError(const std::string& what, int err) {
  Code code = (err == ENOENT || err == ENOTDIR) ? Code::kNotFound : Code::kIo;
  return Error{code, what + ": " + std::strerror(err)};
}

}  // namespace custody::vault::disposal
