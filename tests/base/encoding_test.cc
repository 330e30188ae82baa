// Unit tests for base/encoding.h: lower-case hex and strict (canonical,
// padded) base64. Moved from tests/crypto/crypto_test.cc; the test names
// keep their "crypto/" prefix.
#include <catch2/catch.hpp>

#include <string>

#include "base/encoding.h"

TEST_CASE("crypto/HexRoundTrip", "[crypto][encoding]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string hex = custody::ToHex(all);
  REQUIRE(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(504) == "fcfdfeff");
  auto back = custody::FromHex(hex);
  REQUIRE(back);
  CHECK(*back == all);
  CHECK(custody::ToHex("") == "");
  auto empty = custody::FromHex("");
  REQUIRE(empty);
  CHECK(empty->empty());
  auto upper = custody::FromHex("DEADBEEF", custody::HexCase::kEither);
  REQUIRE(upper);
  CHECK(*upper == std::string("\xde\xad\xbe\xef"));
}

TEST_CASE("crypto/FromHexRejectsMalformedInput", "[crypto][encoding]") {
  for (const char* bad : {"0", "abc", "zz", "0g", "00 11", " 0011", "0011 ", "00:11"}) {
    CAPTURE(bad);
    CHECK_FALSE(custody::FromHex(bad));
  }
}

TEST_CASE("crypto/Base64RoundTripWithPadding", "[crypto][encoding]") {
  CHECK(custody::ToBase64("") == "");
  CHECK(custody::ToBase64("f") == "Zg==");
  CHECK(custody::ToBase64("fo") == "Zm8=");
  CHECK(custody::ToBase64("foo") == "Zm9v");
  CHECK(custody::ToBase64("foobar") == "Zm9vYmFy");
  CHECK(custody::ToBase64("\xfb\xff") == "+/8=");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(255 - i));
  for (size_t n = 0; n <= 10; ++n) {
    auto back = custody::FromBase64(custody::ToBase64(all.substr(0, n)));
    REQUIRE(back);
    CHECK(*back == all.substr(0, n));
  }
  auto back = custody::FromBase64(custody::ToBase64(all));
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("crypto/Base64StrictRejectsNonCanonical", "[crypto][encoding]") {
  for (const char* bad : {
           "Zg",         // missing padding
           "Zg=",        // short padding
           "Zg===",      // extra padding
           "Zh==",       // non-zero trailing bits (canonical is Zg==)
           "Zm9=",       // non-zero trailing bits (canonical is Zm8=)
           "Zm9v\n",     // trailing newline
           " Zm9v",      // leading space
           "Zm 9v",      // inner space
           "Zm9v====",   // padding after a full group
           "Zm9v-_8=",   // URL-safe alphabet
           "Z===",       // impossible length
           "=Zm9",       // padding first
       }) {
    CAPTURE(bad);
    CHECK_FALSE(custody::FromBase64(bad));
  }
}
