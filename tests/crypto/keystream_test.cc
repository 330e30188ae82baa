// Unit tests for crypto/keystream.h: the seekable ChaCha20 keystream used
// for wipe passes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/keystream.h"

namespace crypto = custody::crypto;

namespace {

bool AllZero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

TEST_CASE("crypto/KeystreamRegeneratesIdenticallyAtOffsets", "[crypto][keystream]") {
  auto seed = crypto::RandomKeystreamSeed();
  std::vector<uint8_t> whole(64 * 100);
  crypto::FillKeystream(seed, 3, 0, whole);
  CHECK_FALSE(AllZero(whole));
  for (uint64_t off : {uint64_t{0}, uint64_t{64}, uint64_t{640}, uint64_t{64 * 37}}) {
    for (size_t len : {size_t{1}, size_t{64}, size_t{100}, size_t{1000}}) {
      if (off + len > whole.size()) continue;
      CAPTURE(off, len);
      std::vector<uint8_t> part(len, 0xEE);
      crypto::FillKeystream(seed, 3, off, part);
      CHECK(std::equal(part.begin(), part.end(), whole.begin() + static_cast<long>(off)));
    }
  }
  // Far offsets (beyond 4 GiB) are addressable and reproducible.
  std::vector<uint8_t> far1(128), far2(128);
  crypto::FillKeystream(seed, 3, 1ull << 40, far1);
  crypto::FillKeystream(seed, 3, 1ull << 40, far2);
  CHECK(far1 == far2);
  CHECK_FALSE(std::equal(far1.begin(), far1.end(), whole.begin()));
}

TEST_CASE("crypto/KeystreamDiffersPerStreamIdAndSeed", "[crypto][keystream]") {
  auto seed = crypto::RandomKeystreamSeed();
  std::vector<uint8_t> a(256), b(256), c(256), d(256);
  crypto::FillKeystream(seed, 0, 0, a);
  crypto::FillKeystream(seed, 1, 0, b);
  crypto::FillKeystream(seed, 1ull << 32, 0, c);
  auto seed2 = seed;
  seed2[0] ^= 1;
  crypto::FillKeystream(seed2, 0, 0, d);
  CHECK(a != b);
  CHECK(a != c);
  CHECK(b != c);
  CHECK(a != d);
}

TEST_CASE("crypto/KeystreamMatchesChaCha20OfAFixedSeed", "[crypto][keystream]") {
  // RFC 7539 / djb ChaCha20 test vector: all-zero key, all-zero nonce, block 0
  // starts 76 b8 e0 ad a0 f1 3d 90.
  crypto::KeystreamSeed zero{};
  std::vector<uint8_t> out(8);
  crypto::FillKeystream(zero, 0, 0, out);
  CHECK(custody::ToHex({reinterpret_cast<const char*>(out.data()), out.size()}) == "76b8e0ada0f13d90");
}

TEST_CASE("crypto/RandomKeystreamSeedsDiffer", "[crypto][keystream]") {
  CHECK(crypto::RandomKeystreamSeed() != crypto::RandomKeystreamSeed());
}
