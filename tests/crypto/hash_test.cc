// Unit tests for crypto/hash.h: BLAKE2b-256, one-shot and streaming.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace crypto = custody::crypto;

namespace {

std::string ToHexArray(const crypto::Hash256& h) { return custody::ToHex(crypto::HashToString(h)); }

}  // namespace

TEST_CASE("crypto/Blake2b256KnownAnswers", "[crypto][hash]") {
  CHECK(ToHexArray(crypto::Blake2b256(std::string_view{})) ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  CHECK(ToHexArray(crypto::Blake2b256(std::string_view{"abc"})) ==
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  std::vector<uint8_t> empty;
  CHECK(ToHexArray(crypto::Blake2b256(std::span<const uint8_t>(empty))) ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  crypto::Blake2bHasher h;
  CHECK(ToHexArray(h.Final()) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_CASE("crypto/Blake2bStreamingEqualsOneShot", "[crypto][hash]") {
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 7));
  const auto expect = crypto::Blake2b256(data);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{128}, size_t{129}, size_t{4096}, data.size()}) {
    CAPTURE(piece);
    crypto::Blake2bHasher h;
    for (size_t at = 0; at < data.size(); at += piece)
      h.Update(std::string_view(data).substr(at, piece));
    CHECK(h.Final() == expect);
  }
  // Span overload too, and a different input gives a different hash.
  crypto::Blake2bHasher h;
  h.Update(crypto::AsBytes(data));
  CHECK(h.Final() == expect);
  data[50000] ^= 1;
  CHECK(crypto::Blake2b256(data) != expect);
}

TEST_CASE("crypto/Blake2bHasherCopySnapshotsState", "[crypto][hash]") {
  crypto::Blake2bHasher a;
  a.Update("hello ");
  crypto::Blake2bHasher b = a;
  a.Update("world");
  b.Update("there");
  CHECK(a.Final() == crypto::Blake2b256(std::string_view{"hello world"}));
  CHECK(b.Final() == crypto::Blake2b256(std::string_view{"hello there"}));
}

TEST_CASE("crypto/HashToStringIsTheRawBytes", "[crypto][hash]") {
  auto h = crypto::Blake2b256(std::string_view{"x"});
  std::string s = crypto::HashToString(h);
  REQUIRE(s.size() == 32);
  CHECK(std::equal(s.begin(), s.end(), reinterpret_cast<const char*>(h.data())));
}

TEST_CASE("crypto/Sha256KnownAnswersInOneAndManyUpdates", "[crypto][hash]") {
  crypto::Sha256Hasher empty;
  CHECK(ToHexArray(empty.Final()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  crypto::Sha256Hasher one;
  one.Update(std::string_view{"abc"});
  CHECK(ToHexArray(one.Final()) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  crypto::Sha256Hasher split;
  split.Update(std::string_view{"a"});
  split.Update(std::string_view{"bc"});
  CHECK(ToHexArray(split.Final()) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
