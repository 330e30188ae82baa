// A scratch directory for one test, removed with its contents when the
// TempDir goes out of scope. Shared by every test binary (namespace
// custody::testutil); see also files.h for whole-file read/write helpers.
//
//   custody::testutil::TempDir dir;                      // tmpfs, fast
//   custody::testutil::TempDir disk(TempDir::kOnDisk);   // real disk (O_DIRECT)
//   std::string p = dir.Write("a.txt", "bytes");         // == dir / "a.txt"
//
// Failure to create the directory throws std::runtime_error (Catch2 reports
// it as a failed test). Not thread-safe; one TempDir per test.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testutil/files.h"

namespace custody::testutil {

class TempDir {
 public:
  enum Where {
    // /dev/shm (tmpfs: no disk syncs) if writable, else $TMPDIR, else /tmp.
    kInMemory,
    // $CUSTODY_TEST_TMPDIR if set, else /var/tmp: a real filesystem, for
    // tests that need O_DIRECT or block-level behaviour, which tmpfs lacks.
    kOnDisk,
  };

  // Creates <base>/<prefix>-XXXXXX (mkdtemp, mode 0700).
  explicit TempDir(Where where = kInMemory, std::string_view prefix = "custody-test") {
    std::string base;
    if (where == kOnDisk) {
      const char* env = std::getenv("CUSTODY_TEST_TMPDIR");
      base = env != nullptr && *env != '\0' ? env : "/var/tmp";
    } else if (::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    } else {
      const char* env = std::getenv("TMPDIR");
      base = env != nullptr && *env != '\0' ? env : "/tmp";
    }
    std::string tmpl = base + "/" + std::string(prefix) + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + base);
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory (not created).
  std::string File(std::string_view name) const { return (path_ / name).string(); }
  std::string operator/(std::string_view name) const { return File(name); }
  // Writes `bytes` to `name` (created or truncated) and returns its path;
  // throws std::runtime_error on failure.
  std::string Write(std::string_view name, std::string_view bytes) const {
    std::string p = File(name);
    WriteFileBytes(p, bytes);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace custody::testutil
