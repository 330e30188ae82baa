// Unit tests for crypto/hkdf.h: HMAC-SHA-256 and HKDF-SHA-256 against the
// RFC 5869 appendix A vectors (A.1 basic, A.2 long inputs and output, A.3 no
// salt and no info, the case age's header key uses).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"

namespace crypto = custody::crypto;

namespace {

std::vector<uint8_t> Range(int from, int to) {
  std::vector<uint8_t> v;
  for (int i = from; i < to; ++i) v.push_back(static_cast<uint8_t>(i));
  return v;
}

std::string Hkdf(const std::vector<uint8_t>& ikm, const std::vector<uint8_t>& salt,
                 const std::vector<uint8_t>& info, size_t size) {
  std::vector<uint8_t> out(size);
  crypto::HkdfSha256(ikm, salt, std::string(info.begin(), info.end()), out);
  return custody::ToHex(out);
}

}  // namespace

TEST_CASE("crypto/HkdfSha256MatchesRfc5869", "[crypto][hkdf]") {
  const std::vector<uint8_t> ikm(22, 0x0b);
  CHECK(Hkdf(ikm, Range(0, 13), Range(0xf0, 0xfa), 42) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  CHECK(Hkdf(Range(0, 80), Range(0x60, 0xb0), Range(0xb0, 0x100), 82) ==
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41"
        "c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
  CHECK(Hkdf(ikm, {}, {}, 42) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("crypto/HkdfSha256KeyIsThePrefixOfTheLongerOutput", "[crypto][hkdf]") {
  const std::vector<uint8_t> ikm(22, 0x0b);
  auto key = crypto::HkdfSha256Key(ikm, Range(0, 13), std::string(10, 'x'));
  REQUIRE(key.size() == 32);
  std::vector<uint8_t> longer(64);
  crypto::HkdfSha256(ikm, Range(0, 13), std::string(10, 'x'), longer);
  CHECK(custody::ToHex(key.span()) == custody::ToHex(std::span(longer).first(32)));
}

TEST_CASE("crypto/HmacSha256KnownAnswer", "[crypto][hkdf]") {
  auto tag = crypto::HmacSha256(crypto::AsBytes("key"),
                                crypto::AsBytes("The quick brown fox jumps over the lazy dog"));
  CHECK(custody::ToHex(tag) == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}
