// Unit tests for format/superblock.h: the two superblock slots.
// These are the bytes on disk; a change that breaks any of these tests
// breaks every existing vault.
#include <catch2/catch.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <limits>
#include <string>

#include "base/status.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "format/superblock.h"

namespace format = custody::format;
using custody::Code;

namespace {

format::Superblock SampleSuperblock() {
  format::Superblock sb;
  sb.set_format_version(format::kFormatVersion);
  sb.set_vault_id(std::string("0123456789abcdef"));
  sb.set_sequence(7);
  sb.set_committed_end(123456);
  sb.set_ledger_head(std::string(32, '\x5a'));
  sb.set_event_count(42);
  sb.set_checkpoint_offset(65536);
  sb.set_label("Ministry of Examples — archive");
  for (const char* l : {"internal", "confidential", "secret", "top-secret"}) sb.add_level_names(l);
  sb.set_highest_level_held(2);
  return sb;
}

// Size of the region of a slot covered by its checksum: 16-byte fixed
// header, payload, 32-byte checksum.
size_t CoveredSize(const std::string& slot) {
  return 16 + format::GetLe32(slot.data() + 12) + 32;
}

}  // namespace

TEST_CASE("format/SuperblockEncodeDecodeRoundTrip", "[format][superblock]") {
  const auto sb = SampleSuperblock();
  for (uint64_t slot_offset : format::kSuperblockOffsets) {
    CAPTURE(slot_offset);
    auto enc = format::EncodeSuperblock(sb, slot_offset);
    REQUIRE(enc);
    REQUIRE(enc->size() == format::kSuperblockSize);
    CHECK(enc->substr(0, 8) == format::kSuperblockMagic);
    CHECK(format::GetLe32(enc->data() + 8) == format::kSuperblockLayoutVersion);
    auto dec = format::DecodeSuperblock(*enc, slot_offset);
    REQUIRE(dec);
    CHECK(google::protobuf::util::MessageDifferencer::Equals(*dec, sb));
    CHECK(dec->label() == "Ministry of Examples — archive");
    CHECK(dec->committed_end() == 123456);
    CHECK(dec->level_names_size() == 4);
  }
  // The two slots' encodings differ (the offset is in the checksum).
  CHECK(*format::EncodeSuperblock(sb, 0) != *format::EncodeSuperblock(sb, 4096));
}

TEST_CASE("format/SuperblockFlippedByteAnywhereInCoveredRegionIsRejected", "[format][superblock]") {
  auto enc = format::EncodeSuperblock(SampleSuperblock(), 4096);
  REQUIRE(enc);
  const size_t covered = CoveredSize(*enc);
  REQUIRE(covered < enc->size());
  for (size_t i = 0; i < covered; ++i) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::string t = *enc;
      t[i] = static_cast<char>(t[i] ^ bit);
      auto dec = format::DecodeSuperblock(t, 4096);
      if (dec) FAIL("flipping bit " << int(bit) << " of byte " << i << " was accepted");
      CHECK(dec.error().code == Code::kCorrupt);
    }
  }
}

// FORMAT.md §3.2/R-rules: the padding after the checksum must be zero, so
// every byte of a slot is checked.
TEST_CASE("format/SuperblockFlippedByteInSlotPaddingIsRejected", "[format][superblock]") {
  auto enc = format::EncodeSuperblock(SampleSuperblock(), 0);
  REQUIRE(enc);
  const size_t covered = CoveredSize(*enc);
  size_t accepted = 0;
  for (size_t i = covered; i < enc->size(); ++i) {
    std::string t = *enc;
    t[i] ^= 0x01;
    auto dec = format::DecodeSuperblock(t, 0);
    if (dec) ++accepted;
    else CHECK(dec.error().code == Code::kCorrupt);
  }
  CHECK(accepted == 0);
}

TEST_CASE("format/SuperblockDecodedAtTheWrongSlotOffsetIsRejected", "[format][superblock]") {
  auto a = format::EncodeSuperblock(SampleSuperblock(), format::kSuperblockOffsets[0]);
  REQUIRE(a);
  auto dec = format::DecodeSuperblock(*a, format::kSuperblockOffsets[1]);
  REQUIRE_FALSE(dec);
  CHECK(dec.error().code == Code::kCorrupt);
  CHECK_THAT(dec.error().message, Catch::Contains("checksum"));
  auto dec2 = format::DecodeSuperblock(*a, 12345);
  REQUIRE_FALSE(dec2);
  CHECK(dec2.error().code == Code::kCorrupt);
}

TEST_CASE("format/SuperblockOversizedPayloadIsRefused", "[format][superblock]") {
  // The payload room is 4096 - 16 (fixed header) - 32 (checksum) = 4048.
  constexpr size_t kRoom = format::kSuperblockSize - 16 - 32;
  auto sb = SampleSuperblock();
  sb.set_label("");
  const size_t base = sb.ByteSizeLong();
  // Find a label that makes the payload exactly kRoom bytes.
  size_t len = kRoom - base;
  for (;;) {
    sb.set_label(std::string(len, 'L'));
    if (sb.ByteSizeLong() <= kRoom) break;
    --len;
  }
  REQUIRE(sb.ByteSizeLong() == kRoom);
  auto fits = format::EncodeSuperblock(sb, 0);
  REQUIRE(fits);
  REQUIRE(fits->size() == format::kSuperblockSize);
  auto dec = format::DecodeSuperblock(*fits, 0);
  REQUIRE(dec);
  CHECK(dec->label().size() == len);

  sb.set_label(std::string(len + 1, 'L'));
  REQUIRE(sb.ByteSizeLong() == kRoom + 1);
  auto over = format::EncodeSuperblock(sb, 0);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == Code::kUsage);
  CHECK_THAT(over.error().message, Catch::Contains("too large"));

  sb.set_label(std::string(100000, 'L'));
  auto huge = format::EncodeSuperblock(sb, 0);
  REQUIRE_FALSE(huge);
}

TEST_CASE("format/SuperblockRejectsBadMagicVersionAndTruncation", "[format][superblock]") {
  auto enc = format::EncodeSuperblock(SampleSuperblock(), 0);
  REQUIRE(enc);
  {
    auto d = format::DecodeSuperblock(std::string(format::kSuperblockSize, '\0'), 0);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
    CHECK_THAT(d.error().message, Catch::Contains("not a Custody vault"));
  }
  {
    auto d = format::DecodeSuperblock(enc->substr(0, 47), 0);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
  }
  {
    // The slot cut just before the end of its checksum.
    auto d = format::DecodeSuperblock(enc->substr(0, CoveredSize(*enc) - 1), 0);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
  }
  {
    std::string t = *enc;
    t[8] = 2;  // version 2
    auto d = format::DecodeSuperblock(t, 0);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
    CHECK_THAT(d.error().message, Catch::Contains("version"));
  }
  {
    std::string t = *enc;
    t[12] = '\xff';  // length 0x...ff: out of bounds
    t[13] = '\xff';
    auto d = format::DecodeSuperblock(t, 0);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
  }
}

TEST_CASE("format/SuperblockWithFieldsOutOfRangeIsRejectedDespiteValidChecksum", "[format][superblock]") {
  auto check_rejected = [](const format::Superblock& sb) {
    auto enc = format::EncodeSuperblock(sb, 0);
    REQUIRE(enc);
    auto dec = format::DecodeSuperblock(*enc, 0);
    REQUIRE_FALSE(dec);
    CHECK(dec.error().code == Code::kCorrupt);
  };
  auto sb = SampleSuperblock();
  sb.set_vault_id("short");
  check_rejected(sb);
  sb = SampleSuperblock();
  sb.set_ledger_head(std::string(31, 'x'));
  check_rejected(sb);
  sb = SampleSuperblock();
  sb.set_committed_end(format::kLogStart - 1);
  check_rejected(sb);
  sb = SampleSuperblock();
  sb.set_format_version(format::kFormatVersion + 1);
  check_rejected(sb);
  // Boundary: committed end exactly at the log start is fine.
  sb = SampleSuperblock();
  sb.set_committed_end(format::kLogStart);
  auto enc = format::EncodeSuperblock(sb, 0);
  REQUIRE(enc);
  CHECK(format::DecodeSuperblock(*enc, 0));
}
