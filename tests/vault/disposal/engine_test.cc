#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "crypto/random.h"
#include "tests/testutil/files.h"
#include "tests/testutil/fixed_clock.h"
#include "tests/testutil/temp_dir.h"
#include "vault/disposal/engine.h"
#include "vault/disposal/engine_internal.h"
#include "vault/disposal/io.h"

using custody::Code;
using custody::testutil::Durability;
using custody::testutil::ReadFileBytes;
using custody::testutil::WriteFileBytes;
using namespace custody::vault::disposal;
namespace fs = std::filesystem;

namespace {

// The engine opens targets with O_DIRECT, which tmpfs may lack: work on a
// real filesystem ($CUSTODY_TEST_TMPDIR or /var/tmp).
struct TempDir : custody::testutil::TempDir {
  TempDir() : custody::testutil::TempDir(kOnDisk, "custody-disposal") {}
};

std::string PassBytes(const Pass& pass, const custody::crypto::KeystreamSeed& seed, size_t size) {
  std::string out(size, '\0');
  FillPass(pass, seed, 0,
           std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  return out;
}

WipeOptions SmallChunks(Method method) {
  WipeOptions o;
  o.method = method;
  o.chunk_size = 64 * 1024;  // several chunks even for small test files
  o.verify = VerifyMode::kAll;
  return o;
}

}  // namespace

TEST_CASE("VerifyReportsFirstMismatchOffsetOnRegularFileOpenedODirect", "[engine]") {
  TempDir dir;
  auto seed = custody::crypto::RandomKeystreamSeed();
  Pass pass = PassSequence(Method::kRandom, 1)[0];
  const size_t size = 3 * 1024 * 1024;
  std::string bytes = PassBytes(pass, seed, size);
  std::string path = dir.File("target");
  WriteFileBytes(path, bytes, Durability::kFsync);

  auto clean = VerifyPath(path, size, pass, seed);
  REQUIRE(clean);
  CHECK(clean->ok());
  CHECK(clean->bytes_compared == size);

  bytes[1234567] ^= 0x01;
  bytes[2345678] = static_cast<char>(bytes[2345678] ^ 0x40);
  bytes[2345679] = static_cast<char>(bytes[2345679] ^ 0x40);
  WriteFileBytes(path, bytes, Durability::kFsync);
  custody::UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECT));
  REQUIRE(fd.valid());
  auto bad = VerifyFd(fd.get(), size, pass, seed, 64 * 1024, {});
  REQUIRE(bad);
  CHECK_FALSE(bad->ok());
  CHECK(bad->first_mismatch == 1234567u);
  CHECK(bad->mismatched_bytes == 3);
}

// The random pattern is compared piece by piece (64 KiB pieces of each
// chunk): a change in the last, partial piece of the last, partial chunk is
// found at its offset, and the bytes after it are still compared.
TEST_CASE("VerifyFindsAChangeInTheLastPartialPieceOfTheLastPartialChunk", "[engine]") {
  TempDir dir;
  auto seed = custody::crypto::RandomKeystreamSeed();
  Pass pass = PassSequence(Method::kRandom, 1)[0];
  const size_t chunk = 256 * 1024;
  const size_t size = 2 * chunk + 3 * 65536 + 8192;  // 2 chunks, then 3.125 pieces
  std::string bytes = PassBytes(pass, seed, size);
  const std::string path = dir.File("target");
  WriteFileBytes(path, bytes, Durability::kFsync);
  custody::UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECT));
  REQUIRE(fd.valid());
  auto clean = VerifyFd(fd.get(), size, pass, seed, chunk, {});
  REQUIRE(clean);
  CHECK(clean->ok());
  CHECK(clean->bytes_compared == size);

  bytes[size - 10] ^= 0x20;
  bytes[size - 1] ^= 0x01;
  WriteFileBytes(path, bytes, Durability::kFsync);
  auto bad = VerifyFd(fd.get(), size, pass, seed, chunk, {});
  REQUIRE(bad);
  CHECK(bad->bytes_compared == size);
  CHECK(bad->first_mismatch == size - 10);
  CHECK(bad->mismatched_bytes == 2);
}

// O_DIRECT reads whole blocks: an image file whose size is not a multiple of
// the block (nor of 512) is still read to its last byte and compared, with
// no read error for the tail.
TEST_CASE("VerifyReadsATailThatEndsInsideABlockWithODirect", "[engine]") {
  TempDir dir;
  auto seed = custody::crypto::RandomKeystreamSeed();
  Pass pass = PassSequence(Method::kRandom, 1)[0];
  for (size_t size : {size_t{1000}, size_t{3 * 65536 + 4096 + 777}}) {
    INFO(size);
    std::string bytes = PassBytes(pass, seed, size);
    const std::string path = dir.File("odd" + std::to_string(size));
    WriteFileBytes(path, bytes, Durability::kFsync);
    auto clean = VerifyPath(path, size, pass, seed);
    REQUIRE(clean);
    CHECK(clean->ok());
    CHECK(clean->bytes_compared == size);

    bytes[size - 1] = static_cast<char>(bytes[size - 1] ^ 0x80);
    WriteFileBytes(path, bytes, Durability::kFsync);
    std::vector<IoErrorRecord> errors;
    custody::UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECT));
    REQUIRE(fd.valid());
    auto bad = VerifyFd(fd.get(), size, pass, seed, 65536, {}, &errors);
    REQUIRE(bad);
    CHECK(errors.empty());
    CHECK(bad->first_mismatch == size - 1);
    CHECK(bad->mismatched_bytes == 1);
  }
}

TEST_CASE("VerifyOfConstantPatternFindsASingleChangedByte", "[engine]") {
  TempDir dir;
  Pass zero = PassSequence(Method::kZero, 1)[0];
  custody::crypto::KeystreamSeed seed{};
  std::string bytes(1 << 20, '\0');
  bytes[777777] = 'x';
  WriteFileBytes(dir.File("z"), bytes, Durability::kFsync);
  auto out = VerifyPath(dir.File("z"), bytes.size(), zero, seed);
  REQUIRE(out);
  CHECK(out->first_mismatch == 777777u);
  CHECK(out->mismatched_bytes == 1);
}

TEST_CASE("VerifyCountsAShortTargetAsMismatching", "[engine]") {
  TempDir dir;
  Pass zero = PassSequence(Method::kZero, 1)[0];
  custody::crypto::KeystreamSeed seed{};
  WriteFileBytes(dir.File("short"), std::string(8192, '\0'), Durability::kFsync);
  std::vector<IoErrorRecord> errors;
  custody::UniqueFd fd(open(dir.File("short").c_str(), O_RDONLY | O_DIRECT));
  auto out = VerifyFd(fd.get(), 16384, zero, seed, 4096, {}, &errors);
  REQUIRE(out);
  CHECK(out->first_mismatch == 8192u);
  CHECK(out->mismatched_bytes == 8192);
  CHECK(errors.size() == 1);
}

TEST_CASE("WipeFileOverwritesVerifiesAndRemovesForEveryMethod", "[engine]") {
  for (Method m : {Method::kZero, Method::kOne, Method::kRandom, Method::kDod3, Method::kDod7,
                   Method::kGutmann, Method::kBmb}) {
    INFO(MethodName(m));
    TempDir dir;
    std::string path = dir.File("secret.txt");
    WriteFileBytes(path, custody::crypto::RandomString(200 * 1024 + 17), Durability::kFsync);
    std::vector<Progress> seen;
    WipeOptions o = SmallChunks(m);
    o.progress = [&](const Progress& p) { seen.push_back(p); };
    auto r = WipeFile(path, o);
    REQUIRE(r);
    size_t passes = PassSequence(m, 1).size();
    CHECK(r->passes.size() == passes);
    CHECK(r->target_bytes == 204800 + 4096);  // rounded up to the block
    CHECK(r->bytes_written() == passes * r->target_bytes);
    CHECK(r->verdict() == WipeReport::Verdict::kPassed);
    CHECK(r->bytes_verified() == passes * r->target_bytes);
    CHECK(r->removed);
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::is_empty(dir.path()));
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.back().bytes_done == r->target_bytes);
    CHECK(r->kind == TargetKind::kFile);
    CHECK_FALSE(r->device.filesystem.empty());
  }
}

TEST_CASE("WipeReportTimesComeFromTheClockSeam", "[engine]") {
  TempDir dir;
  std::string path = dir.File("dated.txt");
  WriteFileBytes(path, custody::crypto::RandomString(8192), Durability::kFsync);
  custody::testutil::FixedClock clock(1893456000);  // 2030-01-01 00:00:00 UTC
  WipeOptions o = SmallChunks(Method::kZero);
  o.clock = &clock;
  auto r = WipeFile(path, o);
  REQUIRE(r);
  CHECK(std::chrono::system_clock::to_time_t(r->started) == 1893456000);
  CHECK(std::chrono::system_clock::to_time_t(r->finished) == 1893456000);
}

TEST_CASE("WipeFileWithRoundsAndVerifyLastReadsBackOnlyTheFinalPass", "[engine]") {
  TempDir dir;
  std::string path = dir.File("f");
  WriteFileBytes(path, std::string(10000, 'A'), Durability::kFsync);
  WipeOptions o = SmallChunks(Method::kDod3);
  o.rounds = 2;
  o.verify = VerifyMode::kLast;
  auto r = WipeFile(path, o);
  REQUIRE(r);
  REQUIRE(r->passes.size() == 6);
  for (size_t i = 0; i + 1 < r->passes.size(); ++i) CHECK_FALSE(r->passes[i].verify);
  REQUIRE(r->passes.back().verify);
  CHECK(r->passes.back().pass.stream == 1);
}

TEST_CASE("WipeFileWithVerifyOffRecordsNoVerification", "[engine]") {
  TempDir dir;
  std::string path = dir.File("f");
  WriteFileBytes(path, "abc", Durability::kFsync);
  WipeOptions o;
  o.verify = VerifyMode::kOff;
  auto r = WipeFile(path, o);
  REQUIRE(r);
  CHECK(r->verdict() == WipeReport::Verdict::kNotPerformed);
  CHECK(r->removed);
}

TEST_CASE("WipeFileOfEmptyFileJustRemovesIt", "[engine]") {
  TempDir dir;
  std::string path = dir.File("empty");
  WriteFileBytes(path, "", Durability::kFsync);
  auto r = WipeFile(path, WipeOptions{});
  REQUIRE(r);
  CHECK(r->target_bytes == 0);
  CHECK(r->removed);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("WipeFileRefusesWhatItCannotWipeSafely", "[engine]") {
  TempDir dir;
  std::string file = dir.File("f");
  WriteFileBytes(file, "data", Durability::kFsync);

  SECTION("missing file is NotFound") {
    auto r = WipeFile(dir.File("nope"), WipeOptions{});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kNotFound);
  }
  SECTION("symlink") {
    fs::create_symlink(file, dir.File("link"));
    auto r = WipeFile(dir.File("link"), WipeOptions{});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
    CHECK(fs::exists(file));
  }
  SECTION("hard links") {
    fs::create_hard_link(file, dir.File("other"));
    auto r = WipeFile(file, WipeOptions{});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
    CHECK(r.error().message.find("hard links") != std::string::npos);
    CHECK(ReadFileBytes(file) == "data");
  }
  SECTION("directory points at --free-space") {
    auto r = WipeFile(dir.path().string(), WipeOptions{});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("--free-space") != std::string::npos);
  }
  SECTION("bad rounds") {
    WipeOptions o;
    o.rounds = 0;
    auto r = WipeFile(file, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
    CHECK(ReadFileBytes(file) == "data");
  }
}

TEST_CASE("WipeBlockDeviceRefusesARegularFile", "[engine]") {
  TempDir dir;
  WriteFileBytes(dir.File("f"), "x", Durability::kFsync);
  auto r = WipeBlockDevice(dir.File("f"), WipeOptions{});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kUsage);
}

TEST_CASE("CopyOnWriteFilesystemsAreKnown", "[engine]") {
  CHECK(IsCopyOnWrite(0x9123683E));  // btrfs
  CHECK(IsCopyOnWrite(0x2FC12FC1));  // zfs
  CHECK(IsCopyOnWrite(0xCA451A4E));  // bcachefs
  CHECK_FALSE(IsCopyOnWrite(0xEF53));
  CHECK(FilesystemName(0xEF53) == "ext4");
  CHECK(FilesystemName(0x1234) == "0x1234");
}

TEST_CASE("NonRotationalMediaGetThePurgeWarning", "[engine]") {
  DeviceFacts f;
  f.rotational = Tristate::kNo;
  f.transport = "nvme";
  f.hpa = f.dco = "not applicable";
  auto w = f.Warnings();
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("not a Purge") != std::string::npos);
  f.rotational = Tristate::kYes;
  CHECK(f.Warnings().empty());
}

// The last chunk's rate-limited update and the closing forced one can carry
// the same count; the terminal ends its line at the total, so the final
// line of a pass would print twice. One callback per distinct count.
TEST_CASE("PhaseProgressReportsTheFinalCountOnce", "[engine]") {
  int calls = 0;
  ProgressFn fn = [&](const Progress&) { ++calls; };
  custody::vault::disposal::internal::PhaseProgress p(fn, 0, 1, false, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p.Update(100);        // past the rate limit: reported
  p.Update(100, true);  // the closing call: same count, not again
  CHECK(calls == 1);
  p.Update(100, true);
  CHECK(calls == 1);
}
