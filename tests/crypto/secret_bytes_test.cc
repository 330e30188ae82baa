// Unit tests for crypto/secret_bytes.h: sodium_malloc-backed, move-only
// secret memory with constant-time equality, and Wipe.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.h"

namespace crypto = custody::crypto;

namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

bool AllZero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

TEST_CASE("crypto/SecretBytesAllocatesZeroedMemoryOfTheRequestedSize", "[crypto][secret]") {
  crypto::SecretBytes s(48);
  REQUIRE(s.size() == 48);
  REQUIRE_FALSE(s.empty());
  REQUIRE(s.data() != nullptr);
  CHECK(AllZero(s.span()));
}

TEST_CASE("crypto/SecretBytesZeroSizeIsEmptyAndEqualToOtherEmpty", "[crypto][secret]") {
  crypto::SecretBytes a(0);
  crypto::SecretBytes b;
  auto c = crypto::SecretBytes::CopyOf({});
  CHECK(a.empty());
  CHECK(a.size() == 0);
  CHECK(a.span().empty());
  CHECK(c.empty());
  CHECK(a.Equals(b));
  CHECK(b.Equals(c));
  crypto::SecretBytes one(1);
  CHECK_FALSE(a.Equals(one));
  CHECK_FALSE(one.Equals(a));
}

TEST_CASE("crypto/SecretBytesMoveTransfersOwnershipAndEmptiesSource", "[crypto][secret]") {
  auto original = crypto::SecretBytes::CopyOf(Bytes("top secret key material!"));
  const uint8_t* ptr = original.data();
  crypto::SecretBytes moved(std::move(original));
  CHECK(moved.data() == ptr);
  CHECK(moved.size() == 24);
  CHECK(std::string(reinterpret_cast<const char*>(moved.data()), moved.size()) ==
        "top secret key material!");
  CHECK(original.empty());          // NOLINT(bugprone-use-after-move)
  CHECK(original.data() == nullptr);  // NOLINT(bugprone-use-after-move)

  crypto::SecretBytes assigned(8);
  assigned = std::move(moved);
  CHECK(assigned.data() == ptr);
  CHECK(assigned.size() == 24);
  CHECK(moved.empty());  // NOLINT(bugprone-use-after-move)

  // Self-move assignment keeps the contents.
  crypto::SecretBytes& alias = assigned;
  assigned = std::move(alias);
  CHECK(assigned.size() == 24);
  CHECK(assigned.data() == ptr);
}

TEST_CASE("crypto/SecretBytesEqualsComparesContentAndSize", "[crypto][secret]") {
  auto a = crypto::SecretBytes::CopyOf(Bytes("abcdef"));
  auto b = crypto::SecretBytes::CopyOf(Bytes("abcdef"));
  auto c = crypto::SecretBytes::CopyOf(Bytes("abcdeg"));
  auto d = crypto::SecretBytes::CopyOf(Bytes("abcde"));
  CHECK(a.Equals(b));
  CHECK(b.Equals(a));
  CHECK_FALSE(a.Equals(c));
  CHECK_FALSE(a.Equals(d));
  CHECK_FALSE(d.Equals(a));
}

TEST_CASE("crypto/SecretBytesRandomProducesDistinctValues", "[crypto][secret]") {
  auto a = crypto::SecretBytes::Random(32);
  auto b = crypto::SecretBytes::Random(32);
  REQUIRE(a.size() == 32);
  CHECK_FALSE(a.Equals(b));
  CHECK_FALSE(AllZero(a.span()));
}

TEST_CASE("crypto/SecretBytesSliceViewsTheRequestedRange", "[crypto][secret]") {
  auto a = crypto::SecretBytes::CopyOf(Bytes("0123456789"));
  auto s = a.slice(3, 4);
  CHECK(std::string(s.begin(), s.end()) == "3456");
  CHECK(a.slice(10, 0).empty());
}

TEST_CASE("crypto/WipeZeroesMemory", "[crypto][secret]") {
  std::string buf = "sensitive";
  crypto::Wipe(buf.data(), buf.size());
  CHECK(buf == std::string(9, '\0'));
}
