// Unit tests for format/: superblock slots, record framing, little-endian
// helpers. These are the bytes on disk; a change that breaks any of these
// tests breaks every existing vault.
#include <catch2/catch.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <limits>
#include <string>

#include "crypto/hardening.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "format/record.h"
#include "format/superblock.h"

namespace format = custody::format;
using custody::Code;
using format::RecordType;

namespace {

const bool kInitialized = custody::crypto::InitializeProcess().has_value();

void Init() { REQUIRE(kInitialized); }

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

// ------------------------------------------------------------------ Endian

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

// -------------------------------------------------------------- Superblock

TEST_CASE("format/SuperblockEncodeDecodeRoundTrip", "[format][superblock]") {
  Init();
  const auto sb = SampleSuperblock();
  for (uint64_t slot_offset : format::kSuperblockOffsets) {
    CAPTURE(slot_offset);
    auto enc = format::EncodeSuperblock(sb, slot_offset);
    REQUIRE(enc);
    REQUIRE(enc->size() == format::kSuperblockSize);
    CHECK(enc->substr(0, 8) == format::kSuperblockMagic);
    CHECK(format::GetLe32(enc->data() + 8) == format::kFormatVersion);
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
  Init();
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
  Init();
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
  Init();
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
  Init();
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
  Init();
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
  Init();
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
  sb.set_format_version(2);
  check_rejected(sb);
  // Boundary: committed end exactly at the log start is fine.
  sb = SampleSuperblock();
  sb.set_committed_end(format::kLogStart);
  auto enc = format::EncodeSuperblock(sb, 0);
  REQUIRE(enc);
  CHECK(format::DecodeSuperblock(*enc, 0));
}

// ------------------------------------------------------------------ Records

TEST_CASE("format/RecordEncodeDecodeRoundTrip", "[format][record]") {
  Init();
  const uint64_t offset = 8192;
  for (RecordType type : {RecordType::kEvent, RecordType::kCheckpoint, RecordType::kKey}) {
    for (std::string payload : {std::string(), std::string("hello ledger"), std::string(5000, '\x07')}) {
      CAPTURE(static_cast<int>(type), payload.size());
      std::string rec = format::EncodeRecord(type, payload, offset);
      REQUIRE(rec.size() == format::kRecordHeaderSize + payload.size());
      CHECK(format::GetLe32(rec.data()) == format::kRecordMagic);
      CHECK(format::GetLe32(rec.data() + 4) == static_cast<uint32_t>(type));
      CHECK(format::GetLe64(rec.data() + 8) == payload.size());
      CHECK(rec.substr(format::kRecordHeaderSize) == payload);
      std::string_view header(rec.data(), format::kRecordHeaderSize);
      auto h = format::DecodeRecordHeader(header, offset, offset + rec.size());
      REQUIRE(h);
      CHECK(h->type == type);
      CHECK(h->length == payload.size());
      CHECK(h->checksum == rec.substr(16, 32));
      CHECK(format::VerifyRecord(*h, header, payload, offset));
    }
  }
}

TEST_CASE("format/RecordChecksumIsBlake2bOfOffsetHeaderAndPayload", "[format][record]") {
  Init();
  const uint64_t offset = 10000;
  std::string rec = format::EncodeRecord(RecordType::kEvent, "payload", offset);
  std::string covered;
  format::PutLe64(covered, offset);
  covered += rec.substr(0, 16);
  covered += "payload";
  CHECK(rec.substr(16, 32) ==
        custody::crypto::HashToString(custody::crypto::Blake2b256(covered)));
}

TEST_CASE("format/RecordVerifiedAtAnotherOffsetFails", "[format][record]") {
  Init();
  for (RecordType type : {RecordType::kEvent, RecordType::kCheckpoint, RecordType::kKey}) {
    CAPTURE(static_cast<int>(type));
    const std::string payload = "signed event bytes";
    std::string rec = format::EncodeRecord(type, payload, 8192);
    std::string_view header(rec.data(), format::kRecordHeaderSize);
    for (uint64_t other : {uint64_t{0}, uint64_t{8191}, uint64_t{8193}, uint64_t{8192 + 4096},
                           uint64_t{1} << 40}) {
      CAPTURE(other);
      auto h = format::DecodeRecordHeader(header, other, other + rec.size());
      REQUIRE(h);
      auto v = format::VerifyRecord(*h, header, payload, other);
      REQUIRE_FALSE(v);
      CHECK(v.error().code == Code::kCorrupt);
      CHECK_THAT(v.error().message, Catch::Contains("checksum"));
    }
  }
  std::string ext = format::EncodeExtentHeader(100, 8192);
  auto h = format::DecodeRecordHeader(ext, 9000, 9000 + 148);
  REQUIRE(h);
  CHECK_FALSE(format::VerifyRecord(*h, ext, {}, 9000));
}

TEST_CASE("format/RecordWithTamperedPayloadOrHeaderFailsVerification", "[format][record]") {
  Init();
  const uint64_t offset = 8192;
  const std::string payload = "an event payload of some length";
  for (RecordType type : {RecordType::kEvent, RecordType::kCheckpoint}) {
    std::string rec = format::EncodeRecord(type, payload, offset);
    std::string_view header(rec.data(), format::kRecordHeaderSize);
    auto h = format::DecodeRecordHeader(header, offset, offset + rec.size());
    REQUIRE(h);
    for (size_t i = 0; i < payload.size(); ++i) {
      std::string p = payload;
      p[i] ^= 0x01;
      CHECK_FALSE(format::VerifyRecord(*h, header, p, offset));
    }
    // Every byte of the checksum matters.
    for (size_t i = 16; i < 48; ++i) {
      std::string t = rec;
      t[i] ^= 0x01;
      std::string_view th(t.data(), format::kRecordHeaderSize);
      auto th_dec = format::DecodeRecordHeader(th, offset, offset + t.size());
      REQUIRE(th_dec);
      CHECK_FALSE(format::VerifyRecord(*th_dec, th, payload, offset));
    }
  }
  // Retyping EVENT as CHECKPOINT (both known types) breaks the checksum.
  std::string rec = format::EncodeRecord(RecordType::kEvent, payload, offset);
  rec[4] = static_cast<char>(RecordType::kCheckpoint);
  std::string_view header(rec.data(), format::kRecordHeaderSize);
  auto h = format::DecodeRecordHeader(header, offset, offset + rec.size());
  REQUIRE(h);
  CHECK(h->type == RecordType::kCheckpoint);
  CHECK_FALSE(format::VerifyRecord(*h, header, payload, offset));
}

TEST_CASE("format/RecordLengthPastTheLimitIsRejectedBeforeAllocation", "[format][record]") {
  Init();
  const uint64_t offset = 8192;
  std::string rec = format::EncodeRecord(RecordType::kEvent, std::string(100, 'x'), offset);
  std::string_view header(rec.data(), format::kRecordHeaderSize);
  // Exactly at the limit: accepted.
  CHECK(format::DecodeRecordHeader(header, offset, offset + 148));
  // One byte short of the limit: rejected.
  auto r = format::DecodeRecordHeader(header, offset, offset + 147);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kCorrupt);
  CHECK_THAT(r.error().message, Catch::Contains("committed end"));
  // Header itself past the limit, and an offset past the limit.
  CHECK_FALSE(format::DecodeRecordHeader(header, offset, offset + 47));
  CHECK_FALSE(format::DecodeRecordHeader(header, offset, offset - 1));
  // Hostile lengths that would overflow offset + 48 + length.
  for (uint64_t len : {std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max() - 47,
                       uint64_t{1} << 63, uint64_t{1} << 40}) {
    CAPTURE(len);
    for (RecordType type : {RecordType::kEvent, RecordType::kExtent}) {
      std::string h(rec.substr(0, format::kRecordHeaderSize));
      h[4] = static_cast<char>(type);
      std::string l;
      format::PutLe64(l, len);
      h.replace(8, 8, l);
      auto d = format::DecodeRecordHeader(h, offset, offset + 1000000);
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Code::kCorrupt);
    }
  }
}

TEST_CASE("format/NonExtentRecordOverMaxPayloadIsRejectedEvenWithinTheLimit", "[format][record]") {
  Init();
  const uint64_t offset = 8192;
  const uint64_t limit = offset + format::kRecordHeaderSize + (uint64_t{1} << 40);
  auto header_for = [&](RecordType type, uint64_t len) {
    std::string h;
    format::PutLe32(h, format::kRecordMagic);
    format::PutLe32(h, static_cast<uint32_t>(type));
    format::PutLe64(h, len);
    h += std::string(32, '\0');
    return h;
  };
  for (RecordType type : {RecordType::kEvent, RecordType::kCheckpoint, RecordType::kKey}) {
    CAPTURE(static_cast<int>(type));
    CHECK(format::DecodeRecordHeader(header_for(type, format::kMaxRecordPayload), offset, limit));
    auto d = format::DecodeRecordHeader(header_for(type, format::kMaxRecordPayload + 1), offset, limit);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
    CHECK_THAT(d.error().message, Catch::Contains("maximum"));
  }
  // Extents are bounded by the committed end only.
  auto e = format::DecodeRecordHeader(header_for(RecordType::kExtent, format::kMaxRecordPayload + 1),
                                      offset, limit);
  REQUIRE(e);
  CHECK(e->length == format::kMaxRecordPayload + 1);
}

TEST_CASE("format/RecordWithUnknownTypeIsRejected", "[format][record]") {
  Init();
  std::string rec = format::EncodeRecord(RecordType::kEvent, "x", 8192);
  for (uint32_t type : {0u, 5u, 6u, 0x100u, 0xffffffffu}) {
    CAPTURE(type);
    std::string t = rec;
    std::string le;
    format::PutLe32(le, type);
    t.replace(4, 4, le);
    auto d = format::DecodeRecordHeader(std::string_view(t.data(), 48), 8192, 8192 + t.size());
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Code::kCorrupt);
    CHECK_THAT(d.error().message, Catch::Contains("unknown record type"));
  }
}

TEST_CASE("format/RecordWithBadMagicOrShortHeaderIsRejected", "[format][record]") {
  Init();
  std::string rec = format::EncodeRecord(RecordType::kEvent, "x", 8192);
  std::string t = rec;
  t[0] ^= 0x20;
  auto d = format::DecodeRecordHeader(std::string_view(t.data(), 48), 8192, 8192 + t.size());
  REQUIRE_FALSE(d);
  CHECK(d.error().code == Code::kCorrupt);
  CHECK_THAT(d.error().message, Catch::Contains("magic"));
  auto s = format::DecodeRecordHeader(std::string_view(rec.data(), 47), 8192, 8192 + rec.size());
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  auto z = format::DecodeRecordHeader(std::string(48, '\0'), 8192, 1 << 20);
  REQUIRE_FALSE(z);
  CHECK(z.error().code == Code::kCorrupt);
}

TEST_CASE("format/KeyAndExtentChecksumCoversHeaderOnly", "[format][record]") {
  Init();
  const uint64_t offset = 20000;
  const std::string payload(72, '\x33');
  for (RecordType type : {RecordType::kKey, RecordType::kExtent}) {
    CAPTURE(static_cast<int>(type));
    REQUIRE(format::PayloadCoveredElsewhere(type));
    std::string rec = format::EncodeRecord(type, payload, offset);
    std::string_view header(rec.data(), format::kRecordHeaderSize);
    auto h = format::DecodeRecordHeader(header, offset, offset + rec.size());
    REQUIRE(h);
    CHECK(format::VerifyRecord(*h, header, payload, offset));
    // Payload overwritten (destruction) or altered: the header still verifies.
    CHECK(format::VerifyRecord(*h, header, std::string(72, '\0'), offset));
    CHECK(format::VerifyRecord(*h, header, std::string(72, '\x34'), offset));
    CHECK(format::VerifyRecord(*h, header, {}, offset));
    // The checksum is exactly that of a header with an empty payload.
    std::string covered;
    format::PutLe64(covered, offset);
    covered += rec.substr(0, 16);
    CHECK(h->checksum == custody::crypto::HashToString(custody::crypto::Blake2b256(covered)));
    // But the header is still covered: a different length fails.
    std::string t = rec;
    t[8] = static_cast<char>(t[8] - 1);
    std::string_view th(t.data(), format::kRecordHeaderSize);
    auto h2 = format::DecodeRecordHeader(th, offset, offset + rec.size());
    REQUIRE(h2);
    CHECK_FALSE(format::VerifyRecord(*h2, th, payload, offset));
  }
  CHECK_FALSE(format::PayloadCoveredElsewhere(RecordType::kEvent));
  CHECK_FALSE(format::PayloadCoveredElsewhere(RecordType::kCheckpoint));
}

TEST_CASE("format/ExtentHeaderMatchesFramedExtentRecordHeader", "[format][record]") {
  Init();
  const uint64_t offset = 8192 + 48 * 3;
  std::string payload(1000, '\x99');
  std::string full = format::EncodeRecord(RecordType::kExtent, payload, offset);
  std::string header = format::EncodeExtentHeader(payload.size(), offset);
  REQUIRE(header.size() == format::kRecordHeaderSize);
  CHECK(header == full.substr(0, format::kRecordHeaderSize));
  auto h = format::DecodeRecordHeader(header, offset, offset + 48 + 1000);
  REQUIRE(h);
  CHECK(h->type == RecordType::kExtent);
  CHECK(h->length == 1000);
  CHECK(format::VerifyRecord(*h, header, {}, offset));
}
