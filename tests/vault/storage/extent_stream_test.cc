// Tests for vault/storage/extent_stream.{h,cc}: the chunk geometry.
#include <catch2/catch.hpp>

#include <cstdint>

#include "format/constants.h"
#include "vault/storage/extent_stream.h"

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
