// The fixture and helpers shared by the tests of vault/ (tests/vault/ops,
// tests/vault/identity, ...): a fresh vault with one officer in a scratch
// directory, file surgery for corruption tests, request builders, and an
// Env over the real filesystem that fails writes on demand. Catch2 only
// (helpers REQUIRE / FAIL); namespace custody::testutil.
//
// Scratch directories and whole-file read/write come from temp_dir.h and
// files.h; levels by index from vault_levels.h; the pinned clock from
// fixed_clock.h; PseudoRandom from pseudo_random.h.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/env.h"
#include "base/status.h"
#include "crypto/hardening.h"
#include "tests/testutil/files.h"
#include "tests/testutil/fixed_clock.h"
#include "tests/testutil/pseudo_random.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/vault_levels.h"
#include "vault/identity/identity.h"
#include "vault/vault.h"

namespace custody::testutil {

// The process is initialised (libsodium, hardening); the shared Catch main
// already did it, this checks.
inline void Init() {
  static const bool initialized = custody::crypto::InitializeProcess().has_value();
  REQUIRE(initialized);
}

// Appends `data` to `path`.
inline void AppendFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  REQUIRE(out.good());
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Overwrites bytes of `path` in place at `offset`.
inline void PatchFile(const std::string& path, uint64_t offset, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)) ==
          static_cast<ssize_t>(data.size()));
  ::close(fd);
}

// Flips bits of the byte at `offset` of `path` (XOR 0x5a).
inline void FlipByte(const std::string& path, uint64_t offset) {
  std::string all = ReadFileBytes(path);
  REQUIRE(offset < all.size());
  PatchFile(path, offset, std::string(1, static_cast<char>(all[offset] ^ 0x5a)));
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Opens `path` for writing; fails the test otherwise.
inline std::unique_ptr<vault::Vault> OpenWrite(const std::string& path,
                                               const Clock* clock = SystemClock()) {
  auto v = vault::Vault::Open(path, vault::Vault::Access::kWrite, DefaultEnv(), clock);
  if (!v) FAIL("open failed: " << v.error().message);
  return std::move(*v);
}

// An extraction of `reg` to `out`.
inline vault::ExtractRequest To(const std::string& reg, const std::string& out) {
  vault::ExtractRequest r;
  r.reg_no = reg;
  r.out_path = out;
  r.purpose = "unit test";
  return r;
}

// An addition of the file at `path`.
inline vault::AddRequest File(const std::string& path, const std::string& title = "") {
  vault::AddRequest r;
  r.path = path;
  r.title = title;
  return r;
}

// Extracts `reg` as `who` into `dir` and checks the bytes are `expect`.
inline void ExpectExtracts(vault::Vault& v, const vault::Identity& who, const std::string& reg,
                           const std::string& expect, const TempDir& dir) {
  static int counter = 0;
  std::string out = dir / ("out-" + std::to_string(++counter));
  auto s = v.Extract(who, To(reg, out));
  if (!s) FAIL("extract of " << reg << " failed: " << s.error().message);
  std::string got = ReadFileBytes(out);
  CHECK(got.size() == expect.size());
  CHECK(got == expect);
}

// Extraction must fail with `code`; returns the message. The destination
// must not be created.
inline std::string ExpectExtractFails(vault::Vault& v, const vault::Identity& who,
                                      const std::string& reg, Code code, const TempDir& dir) {
  std::string out = dir / "must-not-exist";
  auto s = v.Extract(who, To(reg, out));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == code);
  CHECK_FALSE(std::filesystem::exists(out));
  return s.error().message;
}

// The index of the level called `name` of `v`.
inline int LevelOf(const vault::Vault& v, const std::string& name) {
  auto l = v.LevelIndex(name);
  REQUIRE(l);
  return static_cast<int>(l->index());
}

// A vault with an officer ("Officer Olga") at `path` in a fresh temp dir,
// created with the default levels at the time of `clock` (kFixedNow unless
// given). Operations opened with OpenWrite(path) use the system clock; pass
// &clock to pin them too.
struct Fixture {
  explicit Fixture(int64_t now = kFixedNow) : clock(now) {
    Init();
    officer = vault::Identity::Generate("Officer Olga");
    path = dir / "test.vault";
    auto s = vault::Vault::Create(path, *officer, vault::kDefaultLevels, "TEST ARCHIVE",
                                  DefaultEnv(), &clock);
    if (!s) FAIL("create failed: " << s.error().message);
  }
  // Writes a file with `data` into the temp dir and returns its path.
  std::string Input(const std::string& name, const std::string& data) const {
    return dir.Write(name, data);
  }
  FixedClock clock;
  TempDir dir;
  std::unique_ptr<vault::Identity> officer;
  std::string path;
};

// An Env over the real filesystem (DefaultEnv) that can fail writes on
// demand, to make an operation fail part way, and can skip syncs to make
// commits cheap. (For crash states, see FaultEnv in fault_env.h.)
class FaultyFile : public custody::File {
 public:
  FaultyFile(std::unique_ptr<custody::File> inner, std::atomic<int>* writes_left,
             const bool* skip_sync)
      : inner_(std::move(inner)), writes_left_(writes_left), skip_sync_(skip_sync) {}
  Result<size_t> ReadAt(uint64_t o, std::span<uint8_t> out) override {
    return inner_->ReadAt(o, out);
  }
  Status WriteAt(uint64_t o, std::span<const uint8_t> d) override {
    if (writes_left_->load() == 0) return Fail(Code::kIo, "injected write failure");
    if (writes_left_->load() > 0) --*writes_left_;
    return inner_->WriteAt(o, d);
  }
  Status Sync() override { return *skip_sync_ ? Status{} : inner_->Sync(); }
  Status Truncate(uint64_t s) override { return inner_->Truncate(s); }
  Result<uint64_t> Size() override { return inner_->Size(); }
  Status LockExclusive() override { return inner_->LockExclusive(); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<custody::File> inner_;
  std::atomic<int>* writes_left_;
  const bool* skip_sync_;
};

class FaultyEnv : public custody::Env {
 public:
  std::atomic<int> writes_left{-1};  // -1: never fail; N: the (N+1)th write fails
  bool skip_sync = false;            // make commits cheap (no fdatasync)
  Result<std::unique_ptr<custody::File>> Open(const std::string& p, OpenMode m) override {
    auto f = DefaultEnv()->Open(p, m);
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<custody::File>(new FaultyFile(std::move(*f), &writes_left, &skip_sync));
  }
  Status SyncDir(const std::string& d) override {
    return skip_sync ? Status{} : DefaultEnv()->SyncDir(d);
  }
  Status Rename(const std::string& a, const std::string& b, bool r) override {
    return DefaultEnv()->Rename(a, b, r);
  }
  Status Remove(const std::string& p) override { return DefaultEnv()->Remove(p); }
};

}  // namespace custody::testutil
