// Record framing: every object in the log after the superblocks is a record.
// See FORMAT.md "Records".
//
//   record := magic u32 | type u32 | length u64 | checksum [32] | payload [length]
//
// The checksum is BLAKE2b-256(le64 record offset || magic | type | length ||
// payload) for every type except EXTENT and KEY, whose checksum covers the
// header only (their payloads are covered by hashes in signed ledger events,
// and are overwritten in place when a document is destroyed). Binding the offset means a record copied or moved elsewhere
// in the file no longer verifies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "format/constants.h"

namespace custody::format {

struct RecordHeader {
  RecordType type = RecordType::kUnknown;
  uint64_t length = 0;
  std::string checksum;  // 32 bytes as stored
};

// Frames a complete record (header + payload) to be written at `offset`.
std::string EncodeRecord(RecordType type, std::string_view payload, uint64_t offset);
// The header of an EXTENT record of `length` payload bytes at `offset`.
std::string EncodeExtentHeader(uint64_t length, uint64_t offset);

// Parses a header read at `offset`. `limit` is the committed end of the log:
// a length reaching past it is rejected before anything is allocated, as is
// a non-extent payload over kMaxRecordPayload. kCorrupt with the reason.
Result<RecordHeader> DecodeRecordHeader(std::string_view header, uint64_t offset, uint64_t limit);

// Checks the checksum of a non-extent record (or the header of an extent).
Status VerifyRecord(const RecordHeader& header, std::string_view header_bytes,
                    std::string_view payload, uint64_t offset);

}  // namespace custody::format
