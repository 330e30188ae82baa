#include "base/env.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace custody {

namespace {

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                          static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(ErrnoError(errno, "reading", path_));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                           static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(ErrnoError(errno, "writing", path_));
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  Status CopyFrom(int src, uint64_t src_offset, uint64_t offset, uint64_t length) override {
    loff_t in = static_cast<loff_t>(src_offset), out = static_cast<loff_t>(offset);
    const uint64_t start = src_offset;
    while (static_cast<uint64_t>(in) - start < length) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(length - (static_cast<uint64_t>(in) - start), 1u << 30));
      const ssize_t n = ::copy_file_range(src, &in, fd_, &out, want, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) && in == static_cast<loff_t>(start))
        return File::CopyFrom(src, src_offset, offset, length);  // the kernel cannot: through memory
      if (n < 0) return std::unexpected(ErrnoError(errno, "writing", path_));
      if (n == 0) return Fail(Code::kIo, "copying into " + path_ + ": the source ended early");
    }
    return {};
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return std::unexpected(ErrnoError(errno, "syncing", path_));
    return {};
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return std::unexpected(ErrnoError(errno, "truncating", path_));
    return {};
  }

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return std::unexpected(ErrnoError(errno, "stat", path_));
    return static_cast<uint64_t>(st.st_size);
  }

  Status LockExclusive() override {
    struct flock fl;
    std::memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_OFD_SETLK, &fl) != 0) {
      if (errno == EAGAIN || errno == EACCES)
        return Fail(Code::kIo, "vault " + path_ +
                                   " is locked by another custody process (one writer at a time); "
                                   "try again when it has finished");
      return std::unexpected(ErrnoError(errno, "locking", path_));
    }
    return {};
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead: flags |= O_RDONLY; break;
      case OpenMode::kReadWrite: flags |= O_RDWR; break;
      case OpenMode::kCreateNew: flags |= O_RDWR | O_CREAT | O_EXCL; break;
    }
    int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0) return std::unexpected(ErrnoError(errno, "opening", path));
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Fail(Code::kUsage, path + " is a directory, not a file");
    }
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(ErrnoError(errno, "opening directory", dir));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return std::unexpected(ErrnoError(err, "syncing directory", dir));
    return {};
  }

  Status Rename(const std::string& from, const std::string& to, bool replace) override {
    int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                         replace ? 0 : RENAME_NOREPLACE);
    if (rc != 0) {
      if (errno == EEXIST) return Fail(Code::kIo, to + " already exists");
      return std::unexpected(ErrnoError(errno, "renaming to", to));
    }
    return {};
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return std::unexpected(ErrnoError(errno, "removing", path));
    return {};
  }
};

}  // namespace

Env* DefaultEnv() {
  static PosixEnv* env = new PosixEnv();
  return env;
}

Status File::CopyFrom(int src, uint64_t src_offset, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> block(static_cast<size_t>(std::min<uint64_t>(length, uint64_t{8} << 20)));
  for (uint64_t done = 0; done < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), length - done));
    const ssize_t n = ::pread(src, block.data(), want, static_cast<off_t>(src_offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(errno, "reading the copy into", path()));
    if (n == 0) return Fail(Code::kIo, "copying into " + path() + ": the source ended early");
    CUSTODY_TRY(WriteAt(offset + done, {block.data(), static_cast<size_t>(n)}));
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace custody
