// Unit tests for base/bech32.h (moved from vault/identity/, where the age
// test-key check still lives in identity_test.cc).
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <string>

#include "base/bech32.h"
#include "tests/testutil/pseudo_random.h"

using custody::testutil::PseudoRandom;

TEST_CASE("base/Bech32RejectsCorruptionWrongHrpAndMixedCase", "[base][bech32]") {
  const std::string data = PseudoRandom(32, 81);
  const std::string enc = custody::Bech32Encode("age", data);
  auto ok = custody::Bech32Decode("age", enc);
  REQUIRE(ok);
  CHECK(*ok == data);
  CHECK_FALSE(custody::Bech32Decode("agf", enc));
  CHECK_FALSE(custody::Bech32Decode("age", "agf" + enc.substr(3)));
  for (size_t i = 4; i < enc.size(); ++i) {
    std::string t = enc;
    t[i] = t[i] == 'q' ? 'p' : 'q';
    CHECK_FALSE(custody::Bech32Decode("age", t));
  }
  std::string mixed = enc;
  for (size_t i = 4; i < mixed.size(); ++i)
    if (std::isalpha(static_cast<unsigned char>(mixed[i]))) {
      mixed[i] = static_cast<char>(std::toupper(mixed[i]));
      break;
    }
  CHECK_FALSE(custody::Bech32Decode("age", mixed));
  CHECK_FALSE(custody::Bech32Decode("age", "age1"));
  CHECK_FALSE(custody::Bech32Decode("age", enc + "b"));   // 'b' is not in the charset
  CHECK_FALSE(custody::Bech32Decode("age", enc.substr(0, enc.size() - 1)));
  // Round trips of other lengths.
  for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{33}}) {
    auto d = PseudoRandom(n, static_cast<uint32_t>(n));
    auto r = custody::Bech32Decode("x", custody::Bech32Encode("x", d));
    REQUIRE(r);
    CHECK(*r == d);
  }
}
