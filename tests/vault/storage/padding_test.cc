// Tests for vault/storage/padding.{h,cc}: Padmé's known values and its
// overhead bound.
#include <catch2/catch.hpp>

#include <cstdint>

#include "vault/storage/padding.h"

namespace format = custody::format;
namespace vault = custody::vault;

TEST_CASE("vault/PadmeKnownValues", "[vault][padding]") {
  CHECK(vault::Padme(0) == 0);
  CHECK(vault::Padme(1) == 1);
  CHECK(vault::Padme(2) == 2);
  CHECK(vault::Padme(8) == 8);
  CHECK(vault::Padme(9) == 10);
  CHECK(vault::Padme(129) == 144);
  CHECK(vault::Padme(1000) == 1024);
  CHECK(vault::Padme(10000000) == 10223616);
  CHECK(vault::Padme(uint64_t{1} << 20) == uint64_t{1} << 20);
  CHECK(vault::Padme((uint64_t{1} << 20) + 1) == 1081344);  // a multiple of 2^15
}

// The bound the issue promises (overhead <= 12 %), checked for every length
// up to 4 MiB; also never shorter, monotone and idempotent (a padded length
// is its own size class).
TEST_CASE("vault/PadmeOverheadIsAtMost12PercentUpTo4MiB", "[vault][padding]") {
  uint64_t previous = 0;
  uint64_t worst_num = 0, worst_den = 1;
  bool all_ok = true;
  for (uint64_t len = 1; len <= (uint64_t{1} << 22); ++len) {
    const uint64_t p = vault::Padme(len);
    const bool ok = p >= len && (p - len) * 100 <= 12 * len && p >= previous && vault::Padme(p) == p;
    if (!ok) {
      all_ok = false;
      FAIL_CHECK("Padme(" << len << ") = " << p);
      break;
    }
    if ((p - len) * worst_den > worst_num * len) {
      worst_num = p - len;
      worst_den = len;
    }
    previous = p;
  }
  CHECK(all_ok);
  INFO("worst overhead " << worst_num << "/" << worst_den);
  CHECK(worst_num * 100 <= 12 * worst_den);
}

TEST_CASE("vault/PaddedLengthOfKnowsNoneAndPadmeOnly", "[vault][padding]") {
  CHECK(vault::PaddedLengthOf(1000, format::PADDING_NONE).length == 1000);
  CHECK(vault::PaddedLengthOf(1000, format::PADDING_PADME).length == 1024);
  CHECK(vault::PaddedLengthOf(0, format::PADDING_PADME).ok);
  CHECK(vault::PaddedLengthOf(0, format::PADDING_PADME).length == 0);
  CHECK_FALSE(vault::PaddedLengthOf(1000, static_cast<format::Padding>(7)).ok);
}
