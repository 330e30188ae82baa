#include "base/posix.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace custody {

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
  if (fd >= 0 && ::close(fd) != 0) return std::unexpected(ErrnoError(errno, "close", what));
  return {};
}

Error ErrnoError(int err, const std::string& what, const std::string& path) {
  // Quota exhaustion is "disk full" to the user; strerror(EDQUOT) would send
  // them looking for a quota tool instead of free space.
  std::string reason = (err == ENOSPC || err == EDQUOT) ? "no space left on device"
                                                        : std::strerror(err);
  Code code = (err == ENOENT || err == ENOTDIR) ? Code::kNotFound : Code::kIo;
  return Error{code, (path.empty() ? what : what + " " + path) + ": " + reason};
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max, const std::string& what,
                                  Code too_large) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(ErrnoError(errno, "open", path));
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(errno, "read", path));
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max)
      return std::unexpected(Error{too_large, path + " is larger than " + std::to_string(max) +
                                                  " bytes; not " + what});
  }
}

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace custody
