// Unit tests for format/endian.h: the little-endian helpers (and the record
// magic they spell). These are the bytes on disk; a change that breaks any
// of these tests breaks every existing vault.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "format/constants.h"
#include "format/endian.h"

namespace format = custody::format;

TEST_CASE("format/LittleEndianHelpersRoundTripAndUseLittleEndianOrder", "[format][endian]") {
  std::string s;
  format::PutLe32(s, 0x11223344u);
  format::PutLe64(s, 0x0102030405060708ull);
  REQUIRE(s.size() == 12);
  CHECK(s.substr(0, 4) == std::string("\x44\x33\x22\x11", 4));
  CHECK(s.substr(4) == std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  CHECK(format::GetLe32(s.data()) == 0x11223344u);
  CHECK(format::GetLe64(s.data() + 4) == 0x0102030405060708ull);
  std::string m;
  format::PutLe32(m, 0xffffffffu);
  format::PutLe64(m, std::numeric_limits<uint64_t>::max());
  CHECK(format::GetLe32(m.data()) == 0xffffffffu);
  CHECK(format::GetLe64(m.data() + 4) == std::numeric_limits<uint64_t>::max());
  // The record magic spells "REC1" on disk.
  std::string magic;
  format::PutLe32(magic, format::kRecordMagic);
  CHECK(magic == "REC1");
}
