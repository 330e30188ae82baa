// Tests for vault/storage/extent_stream.{h,cc}: the chunk geometry, padding
// on add, the checks extract makes before releasing plaintext, and the
// streaming extent the mount seals large files into.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/env.h"
#include "format/constants.h"
#include "tests/testutil/files.h"
#include "tests/testutil/pseudo_random.h"
#include "tests/testutil/temp_dir.h"
#include "vault/storage/container.h"
#include "vault/storage/extent_stream.h"
#include "vault/storage/padding.h"

namespace format = custody::format;
namespace vault = custody::vault;

TEST_CASE("vault/ChunkCountAndExtentLengthFollowTheChunkGeometry", "[vault][extent]") {
  const uint32_t cs = format::kChunkSize;
  CHECK(vault::ChunkCount(0, cs) == 1);
  CHECK(vault::ChunkCount(1, cs) == 1);
  CHECK(vault::ChunkCount(cs, cs) == 1);
  CHECK(vault::ChunkCount(cs + 1, cs) == 2);
  CHECK(vault::ChunkCount(3ull * cs, cs) == 3);
  CHECK(vault::ExtentLength(0, cs) == format::kChunkOverhead);
  CHECK(vault::ExtentLength(cs + 1, cs) == cs + 1 + 2 * format::kChunkOverhead);
}

// ---------------------------------------------------------------------------
// The stream through a real container: padding on add, and what extract
// checks before it releases anything (R140, R142).

namespace {

using custody::Code;
using custody::testutil::PseudoRandom;
using custody::testutil::TempDir;

// A write container with nothing in it yet.
std::unique_ptr<vault::Container> EmptyContainer(const std::string& path) {
  format::Superblock sb;
  sb.set_format_version(1);
  sb.set_vault_id(std::string(16, 'v'));
  sb.set_ledger_head(std::string(32, '\0'));
  auto made = vault::Container::Create(custody::DefaultEnv(), path, {}, sb);
  if (!made) FAIL(made.error().message);
  auto c = vault::Container::Open(custody::DefaultEnv(), path, vault::Container::Mode::kWrite);
  if (!c) FAIL(c.error().message);
  return std::move(*c);
}

// A container with one committed extent holding `content` (unpadded, so a
// test can put any bytes where padding belongs) under a fixed data key.
struct StreamFixture {
  TempDir dir;
  std::string path = dir / "stream.cv";
  std::unique_ptr<vault::Container> container;
  const std::vector<uint8_t> key = std::vector<uint8_t>(32, 0x42);
  const std::string ad = vault::ChunkAdPrefix(std::string(16, 'v'), std::string(16, 'd'), 1);

  format::Extent Store(const std::string& content, format::Padding padding) {
    container = EmptyContainer(path);
    const std::string input = dir / "input";
    custody::testutil::WriteFileBytes(input, content);
    int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto e = vault::EncryptIntoExtent(*container, fd, content.size(), padding, key, ad, "input");
    ::close(fd);
    REQUIRE(e);
    REQUIRE(container->Commit(container->superblock()));
    return *e;
  }

  // Decrypts as a document of `size` bytes; returns the status and the bytes released.
  std::pair<custody::Status, std::string> Decrypt(const format::Extent& e, uint64_t size) {
    std::string out;
    auto sink = [&out](std::span<const uint8_t> b) -> custody::Status {
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return {};
    };
    auto s = vault::DecryptExtent(*container, e, size, key, ad, sink, "document T-1");
    return {s, out};
  }
};

}  // namespace

TEST_CASE("vault/PaddedExtentHoldsPadmeOfTheSizeAndReleasesExactlyTheSize", "[vault][extent][padding]") {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, uint64_t{format::kChunkSize} + 1,
                        uint64_t{3} * format::kChunkSize + 12345}) {
    StreamFixture f;
    const std::string data = PseudoRandom(size, static_cast<uint32_t>(size));
    format::Extent e = f.Store(data, format::PADDING_PADME);
    INFO("size " << size);
    CHECK(e.padding() == format::PADDING_PADME);
    CHECK(e.length() == vault::ExtentLength(vault::Padme(size), format::kChunkSize));
    CHECK(e.chunk_count() == vault::ChunkCount(vault::Padme(size), format::kChunkSize));
    auto [s, out] = f.Decrypt(e, size);
    REQUIRE(s);
    CHECK(out == data);
  }
}

TEST_CASE("vault/ExtractRefusesNonZeroPaddingNamingTheDocument", "[vault][extent][padding]") {
  StreamFixture f;
  std::string stored(vault::Padme(1000), '\0');  // 1024 bytes: 1000 of content, 24 of padding
  std::fill(stored.begin(), stored.begin() + 1000, 'x');
  SECTION("zero padding opens") {
    format::Extent e = f.Store(stored, format::PADDING_NONE);
    e.set_padding(format::PADDING_PADME);  // as if written padded
    auto [s, out] = f.Decrypt(e, 1000);
    REQUIRE(s);
    CHECK(out == std::string(1000, 'x'));
  }
  SECTION("one non-zero padding byte") {
    stored[1020] = '\1';
    format::Extent e = f.Store(stored, format::PADDING_NONE);
    e.set_padding(format::PADDING_PADME);
    auto [s, out] = f.Decrypt(e, 1000);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kCorrupt);
    CHECK(s.error().message.find("document T-1") != std::string::npos);
    CHECK(s.error().message.find("padding") != std::string::npos);
    CHECK(out.empty());
  }
}

TEST_CASE("vault/ExtractRefusesAPaddedLengthOtherThanPadmeOfTheSize", "[vault][extent][padding]") {
  StreamFixture f;
  format::Extent e = f.Store(std::string(1000, 'x'), format::PADDING_PADME);  // holds 1024
  for (uint64_t size : {uint64_t{1024}, uint64_t{1025}, uint64_t{900}}) {  // Padme: 1024, 1088, 928
    INFO("size " << size);
    auto [s, out] = f.Decrypt(e, size);
    if (size == 1024) {
      CHECK(s);
      continue;
    }
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kCorrupt);
    CHECK(s.error().message.find("does not match its recorded size") != std::string::npos);
    CHECK(out.empty());
  }
  SECTION("unpadded (v1) extents must hold exactly the size") {
    format::Extent v1 = e;
    v1.set_padding(format::PADDING_NONE);
    CHECK_FALSE(f.Decrypt(v1, 1000).first);
    CHECK(f.Decrypt(v1, 1024).first);
  }
  SECTION("an unknown padding is refused") {
    format::Extent odd = e;
    odd.set_padding(static_cast<format::Padding>(9));
    auto [s, out] = f.Decrypt(odd, 1000);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("padding 9") != std::string::npos);
  }
}

// R140 at the stream level: the same ciphertext under another root hash
// (what a substitution looks like from the signed event's side) releases
// the chunks before the last, never the last.
TEST_CASE("vault/ExtractWithholdsTheLastChunkWhenTheRootHashDiffers", "[vault][extent]") {
  StreamFixture f;
  const std::string data = PseudoRandom(2 * format::kChunkSize, 3);
  format::Extent e = f.Store(data, format::PADDING_PADME);
  REQUIRE(e.chunk_count() == 2);
  std::string root = e.root_hash();
  root[0] = static_cast<char>(root[0] ^ 1);
  e.set_root_hash(root);
  auto [s, out] = f.Decrypt(e, data.size());
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  CHECK(s.error().message.find("document T-1: the content does not match its registered hash") !=
        std::string::npos);
  CHECK(out == data.substr(0, format::kChunkSize));
}

// ---------------------------------------------------------------------------
// StreamingExtent: the mount seals a large file as it is written. What it
// stores must decrypt, under its own key and the version's associated
// data, to exactly the bytes written, and pass R140 like any extent.

namespace {

custody::crypto::SecretBytes ChunkOf(const std::string& data, uint64_t index) {
  return custody::crypto::SecretBytes::CopyOf(
      {reinterpret_cast<const uint8_t*>(data.data()) + index * format::kChunkSize, format::kChunkSize});
}

vault::PlaintextReader ReaderOf(const std::string& data) {
  return [&data](uint64_t offset, std::span<uint8_t> out) -> custody::Status {
    std::copy_n(data.begin() + static_cast<long>(offset), out.size(), out.begin());
    return {};
  };
}

// Decrypts `e` from `c` as a document of `size` bytes under `key`.
std::pair<custody::Status, std::string> DecryptWith(const vault::Container& c, const format::Extent& e, uint64_t size,
                                                    std::span<const uint8_t> key, const std::string& ad) {
  std::string out;
  auto s = vault::DecryptExtent(c, e, size, key, ad,
                                [&out](std::span<const uint8_t> b) -> custody::Status {
                                  out.append(reinterpret_cast<const char*>(b.data()), b.size());
                                  return {};
                                },
                                "document T-2");
  return {s, out};
}

// A stream for version `version` whose first `chunks` chunks of `data`
// were pushed (each taken) and sealed.
std::unique_ptr<vault::StreamingExtent> StreamOf(const TempDir& dir, const std::string& ad, uint32_t version,
                                                 const std::string& data, uint64_t chunks) {
  auto made = vault::StreamingExtent::Create(dir.path().string(), std::string(16, 'd'), version, ad, nullptr);
  REQUIRE(made);
  for (uint64_t i = 0; i < chunks; ++i) {
    auto chunk = ChunkOf(data, i);
    REQUIRE((*made)->Push(chunk));
    CHECK(chunk.empty());  // taken
  }
  CHECK((*made)->sealed() == chunks);
  std::vector<std::pair<uint64_t, custody::crypto::SecretBytes>> back;
  REQUIRE((*made)->Settle(back));
  CHECK(back.empty());
  return std::move(*made);
}

}  // namespace

TEST_CASE("vault/StreamingExtentStoresWhatWasWrittenAsOneExtent", "[vault][extent][stream]") {
  TempDir dir;
  const std::string ad = vault::ChunkAdPrefix(std::string(16, 'v'), std::string(16, 'd'), 2);
  const uint64_t cs = format::kChunkSize;
  std::string data = PseudoRandom(3 * cs + 4321, 7);
  auto stream = StreamOf(dir, ad, 2, data, 3);
  vault::StreamingExtent& s = *stream;
  std::vector<std::pair<uint64_t, custody::crypto::SecretBytes>> back;

  SECTION("a sealed chunk opens to what was pushed") {
    custody::crypto::SecretBytes out(cs);
    REQUIRE(s.Open(1, out.span()));
    CHECK(std::equal(out.data(), out.data() + cs, reinterpret_cast<const uint8_t*>(data.data()) + cs));
    CHECK_FALSE(s.Open(3, out.span()));
  }
  SECTION("finished: the extent decrypts to the bytes, padded, and passes R140") {
    auto c = EmptyContainer(dir / "v.cv");
    auto e = s.Finish(*c, ReaderOf(data), data.size(), format::PADDING_PADME, "document T-2");
    REQUIRE(e);
    CHECK(s.finished());
    REQUIRE(c->Commit(c->superblock()));
    CHECK(e->length() == vault::ExtentLength(vault::Padme(data.size()), format::kChunkSize));
    auto [st, out] = DecryptWith(*c, *e, data.size(), s.data_key(), ad);
    REQUIRE(st);
    CHECK(out == data);
    // Another version's associated data does not open it.
    const std::string other = vault::ChunkAdPrefix(std::string(16, 'v'), std::string(16, 'd'), 3);
    CHECK_FALSE(DecryptWith(*c, *e, data.size(), s.data_key(), other).first);
    // Nor can it take more chunks for this version.
    auto chunk = ChunkOf(data, 0);
    CHECK_FALSE(s.Push(chunk));
  }
  SECTION("chunks dropped and sealed anew after a change") {
    data[cs + 17] = static_cast<char>(data[cs + 17] ^ 0x5a);
    s.DropFrom(1);
    CHECK(s.sealed() == 1);
    auto chunk = ChunkOf(data, 1);
    REQUIRE(s.Push(chunk));
    REQUIRE(s.Settle(back));
    auto c = EmptyContainer(dir / "v.cv");
    auto e = s.Finish(*c, ReaderOf(data), data.size(), format::PADDING_PADME, "document T-2");
    REQUIRE(e);
    REQUIRE(c->Commit(c->superblock()));
    auto [st, out] = DecryptWith(*c, *e, data.size(), s.data_key(), ad);
    REQUIRE(st);
    CHECK(out == data);
  }
  SECTION("a size its sealed chunks reach is refused (the last chunk would be marked not last)") {
    auto c = EmptyContainer(dir / "v.cv");
    auto e = s.Finish(*c, ReaderOf(data), 3 * cs, format::PADDING_PADME, "document T-2");
    REQUIRE_FALSE(e);
    CHECK(e.error().code == Code::kUsage);
  }
}

TEST_CASE("vault/StreamingExtentNeedsADirectoryForItsUnnamedFile", "[vault][extent][stream]") {
  TempDir dir;
  auto made = vault::StreamingExtent::Create(dir / "missing", std::string(16, 'd'), 1, "ad", nullptr);
  REQUIRE_FALSE(made);
  CHECK(made.error().message.find("missing") != std::string::npos);
}

// A drive that fills while a file streams in: the chunks not sealed come
// back to the writer, whole, with the error, and nothing is lost.
TEST_CASE("vault/StreamingExtentHandsBackWhatItCouldNotSealOnAFullDrive", "[vault][extent][stream][root]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to mount a small tmpfs");
    return;
  }
  TempDir dir;
  const std::string small = dir / "small";
  REQUIRE(::mkdir(small.c_str(), 0700) == 0);
  REQUIRE(std::system(("mount -t tmpfs -o size=2m tmpfs " + small).c_str()) == 0);
  struct Unmount {
    std::string at;
    ~Unmount() { (void)std::system(("umount " + at).c_str()); }
  } unmount{small};
  const std::string data = PseudoRandom(4 * format::kChunkSize, 9);
  std::vector<std::pair<uint64_t, custody::crypto::SecretBytes>> back;
  {
    auto made = vault::StreamingExtent::Create(small, std::string(16, 'd'), 1, "ad", nullptr);
    REQUIRE(made);
    vault::StreamingExtent& s = **made;
    uint64_t pushed = 0;
    for (uint64_t i = 0; i < 4; ++i) {
      auto chunk = ChunkOf(data, i);
      if (!s.Push(chunk)) break;  // an earlier chunk already failed: this one stays here
      ++pushed;
    }
    auto settled = s.Settle(back);
    REQUIRE_FALSE(settled);
    CHECK(settled.error().message.find("a sealed draft") != std::string::npos);
    // 2 MiB holds one sealed chunk (1 MiB + 40 bytes), not two.
    CHECK(s.sealed() == 1);
    REQUIRE(back.size() == pushed - 1);
    for (auto& [index, bytes] : back) {
      REQUIRE(bytes.size() == format::kChunkSize);
      CHECK(std::equal(bytes.data(), bytes.data() + bytes.size(),
                       reinterpret_cast<const uint8_t*>(data.data()) + index * format::kChunkSize));
    }
    REQUIRE(s.Settle(back));  // the error is reported once
  }
}

// Whoever can reach the daemon's descriptors can rewrite the unnamed file
// between the seal and the store. A chunk changed there is refused when
// the draft reads it back, and an extent stored from it fails R140 (the
// root was made of the hashes taken at seal time), so no reader is ever
// served the forged bytes.
TEST_CASE("vault/StreamingExtentRefusesAChunkRewrittenInItsUnnamedFile", "[vault][extent][stream]") {
  TempDir dir;
  const std::string ad = vault::ChunkAdPrefix(std::string(16, 'v'), std::string(16, 'd'), 1);
  const uint64_t cs = format::kChunkSize;
  const std::string data = PseudoRandom(2 * cs + 10, 11);
  auto stream = StreamOf(dir, ad, 1, data, 2);
  vault::StreamingExtent& s = *stream;
  // Flip one ciphertext byte of chunk 1.
  uint8_t b;
  const off_t at = static_cast<off_t>(cs + format::kChunkOverhead + 100);
  REQUIRE(::pread(s.TEST_fd(), &b, 1, at) == 1);
  b ^= 0x01;
  REQUIRE(::pwrite(s.TEST_fd(), &b, 1, at) == 1);
  custody::crypto::SecretBytes out(cs);
  REQUIRE(s.Open(0, out.span()));
  auto opened = s.Open(1, out.span());
  REQUIRE_FALSE(opened);
  CHECK(opened.error().message.find("changed on disk (chunk 1)") != std::string::npos);
  auto c = EmptyContainer(dir / "v.cv");
  auto e = s.Finish(*c, ReaderOf(data), data.size(), format::PADDING_PADME, "document T-2");
  REQUIRE(e);
  REQUIRE(c->Commit(c->superblock()));
  auto [st, released] = DecryptWith(*c, *e, data.size(), s.data_key(), ad);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Code::kCorrupt);
  CHECK(released.size() < data.size());  // never the whole: at most the chunks before the damaged one
  CHECK(released == data.substr(0, released.size()));
}
