// Unit tests for format/record.h: record framing and checksums.
// These are the bytes on disk; a change that breaks any of these tests
// breaks every existing vault.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "base/status.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "format/record.h"

namespace format = custody::format;
using custody::Code;
using format::RecordType;

TEST_CASE("format/RecordEncodeDecodeRoundTrip", "[format][record]") {
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
  std::string rec = format::EncodeRecord(RecordType::kEvent, "x", 8192);
  for (uint32_t type : {0u, 6u, 7u, 0x100u, 0xffffffffu}) {
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
