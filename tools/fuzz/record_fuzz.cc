// libFuzzer harness: format::DecodeRecordHeader + VerifyRecord.
// Input: le64 record offset (bytes 0..7), le64 committed end (8..15), then
// the record (header + payload) as it would lie in the file. Asserts the
// R10/R13/R14 bounds: an accepted header never claims a payload past the
// committed end or (non-extent) above 256 MiB, and nothing is allocated
// from the claimed length (the payload handed to VerifyRecord is the bytes
// actually present, at most what the input holds).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "format/constants.h"
#include "format/endian.h"
#include "format/record.h"
#include "tools/fuzz/fuzz_common.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InitOnce();
  if (size < 16) return 0;
  const char* p = reinterpret_cast<const char*>(data);
  uint64_t offset = format::GetLe64(p);
  uint64_t limit = format::GetLe64(p + 8);
  std::string_view rec(p + 16, size - 16);
  auto h = format::DecodeRecordHeader(rec, offset, limit);
  if (!h) return 0;
  if (rec.size() < format::kRecordHeaderSize) __builtin_trap();
  if (offset > limit || h->length > limit - offset - format::kRecordHeaderSize) __builtin_trap();
  if (h->type != format::RecordType::kExtent && h->length > format::kMaxRecordPayload)
    __builtin_trap();
  if (h->checksum.size() != 32) __builtin_trap();
  std::string_view payload = rec.substr(format::kRecordHeaderSize);
  if (payload.size() > h->length) payload = payload.substr(0, h->length);
  auto ok = format::VerifyRecord(*h, rec.substr(0, format::kRecordHeaderSize), payload, offset);
  if (ok && !format::PayloadCoveredElsewhere(h->type)) {
    // A verified non-extent record re-encodes to the same bytes.
    std::string again = format::EncodeRecord(h->type, payload, offset);
    if (payload.size() == h->length &&
        again != std::string(rec.substr(0, format::kRecordHeaderSize + payload.size())))
      __builtin_trap();
  }
  return 0;
}
