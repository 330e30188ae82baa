#include "format/record.h"

#include "crypto/hash.h"
#include "format/endian.h"

namespace custody::format {

namespace {
constexpr size_t kFieldsSize = 16;  // magic + type + length

std::string Fields(RecordType type, uint64_t length) {
  std::string out;
  PutLe32(out, kRecordMagic);
  PutLe32(out, static_cast<uint32_t>(type));
  PutLe64(out, length);
  return out;
}

std::string Checksum(uint64_t offset, std::string_view fields, std::string_view payload) {
  std::string prefix;
  PutLe64(prefix, offset);
  crypto::Blake2bHasher h;
  h.Update(prefix);
  h.Update(fields);
  h.Update(payload);
  return crypto::HashToString(h.Final());
}

bool KnownType(uint32_t t) { return t >= 1 && t <= 5; }  // 5: v2 catalog pages
}  // namespace

std::string EncodeRecord(RecordType type, std::string_view payload, uint64_t offset) {
  std::string out = Fields(type, payload.size());
  out += Checksum(offset, out, PayloadCoveredElsewhere(type) ? std::string_view{} : payload);
  out += payload;
  return out;
}

std::string EncodeExtentHeader(uint64_t length, uint64_t offset) {
  std::string out = Fields(RecordType::kExtent, length);
  out += Checksum(offset, out, {});
  return out;
}

Result<RecordHeader> DecodeRecordHeader(std::string_view header, uint64_t offset, uint64_t limit) {
  const std::string at = " at offset " + std::to_string(offset);
  if (header.size() < kRecordHeaderSize) return Fail(Code::kCorrupt, "record header truncated" + at);
  if (GetLe32(header.data()) != kRecordMagic) return Fail(Code::kCorrupt, "bad record magic" + at);
  uint32_t type = GetLe32(header.data() + 4);
  if (!KnownType(type))
    return Fail(Code::kCorrupt, "unknown record type " + std::to_string(type) + at);
  RecordHeader h;
  h.type = static_cast<RecordType>(type);
  h.length = GetLe64(header.data() + 8);
  if (offset > limit || limit - offset < kRecordHeaderSize ||
      h.length > limit - offset - kRecordHeaderSize)
    return Fail(Code::kCorrupt, "record length " + std::to_string(h.length) + at +
                                    " runs past the committed end " + std::to_string(limit));
  if (h.type != RecordType::kExtent && h.length > kMaxRecordPayload)
    return Fail(Code::kCorrupt, "record length " + std::to_string(h.length) + at +
                                    " exceeds the maximum " + std::to_string(kMaxRecordPayload));
  h.checksum.assign(header.substr(kFieldsSize, 32));
  return h;
}

Status VerifyRecord(const RecordHeader& header, std::string_view header_bytes,
                    std::string_view payload, uint64_t offset) {
  std::string_view fields = header_bytes.substr(0, kFieldsSize);
  std::string expect =
      Checksum(offset, fields, PayloadCoveredElsewhere(header.type) ? std::string_view{} : payload);
  if (expect != header.checksum)
    return Fail(Code::kCorrupt, "record checksum mismatch at offset " + std::to_string(offset));
  return {};
}

}  // namespace custody::format
