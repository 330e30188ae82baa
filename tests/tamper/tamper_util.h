// Helpers shared by the tamper matrix and the test-vector runner: record
// navigation and keyless forging (re-framing records and superblocks with
// fresh checksums, which anyone with write access to a vault file can do).
// Scratch directories and file I/O are in tests/testutil/.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "format/record.h"
#include "format/superblock.h"

namespace custody::tamper {

struct Rec {
  uint64_t offset = 0;  // of the header
  format::RecordType type = format::RecordType::kUnknown;
  uint64_t length = 0;
  uint64_t payload_offset() const { return offset + format::kRecordHeaderSize; }
  uint64_t end() const { return payload_offset() + length; }
};

// Which slot a reader would pick (higher valid sequence; tie: A), -1 if none.
inline int ActiveSlot(const std::string& bytes) {
  int best = -1;
  uint64_t best_seq = 0;
  for (int i = 0; i < 2; ++i) {
    if (bytes.size() < format::kLogStart) return -1;
    auto sb = format::DecodeSuperblock(
        std::string_view(bytes).substr(format::kSuperblockOffsets[i], format::kSuperblockSize),
        format::kSuperblockOffsets[i]);
    if (!sb) continue;
    if (best < 0 || sb->sequence() > best_seq) {
      best = i;
      best_seq = sb->sequence();
    }
  }
  return best;
}

inline format::Superblock SuperblockAt(const std::string& bytes, int slot) {
  auto sb = format::DecodeSuperblock(
      std::string_view(bytes).substr(format::kSuperblockOffsets[slot], format::kSuperblockSize),
      format::kSuperblockOffsets[slot]);
  if (!sb) throw std::runtime_error("slot does not decode: " + sb.error().message);
  return *sb;
}

// Keyless forgery: re-encodes `sb` with a valid checksum into `slot`.
inline void PutSuperblock(std::string& bytes, int slot, const format::Superblock& sb) {
  auto enc = format::EncodeSuperblock(sb, format::kSuperblockOffsets[slot]);
  if (!enc) throw std::runtime_error(enc.error().message);
  bytes.replace(format::kSuperblockOffsets[slot], format::kSuperblockSize, *enc);
}

// Every record of the committed log of the active superblock.
inline std::vector<Rec> Records(const std::string& bytes) {
  int slot = ActiveSlot(bytes);
  if (slot < 0) throw std::runtime_error("no valid superblock");
  uint64_t end = SuperblockAt(bytes, slot).committed_end();
  std::vector<Rec> out;
  uint64_t at = format::kLogStart;
  while (at < end) {
    auto h = format::DecodeRecordHeader(std::string_view(bytes).substr(at, format::kRecordHeaderSize),
                                        at, end);
    if (!h) throw std::runtime_error(h.error().message);
    Rec r{at, h->type, h->length};
    out.push_back(r);
    at = r.end();
  }
  return out;
}

inline std::string Payload(const std::string& bytes, const Rec& r) {
  return bytes.substr(r.payload_offset(), r.length);
}

// Replaces a record's payload with `payload` of the same length and, when
// `reframe`, rewrites its header checksum as an attacker would.
inline void ReplacePayload(std::string& bytes, const Rec& r, const std::string& payload,
                           bool reframe) {
  if (payload.size() != r.length) throw std::runtime_error("payload length differs");
  if (reframe) {
    std::string framed = format::EncodeRecord(r.type, payload, r.offset);
    bytes.replace(r.offset, framed.size(), framed);
  } else {
    bytes.replace(r.payload_offset(), r.length, payload);
  }
}

inline format::Event EventOf(const std::string& bytes, const Rec& r) {
  format::SignedEvent se;
  format::Event ev;
  if (!se.ParseFromString(Payload(bytes, r)) || !ev.ParseFromString(se.body()))
    throw std::runtime_error("event does not parse");
  return ev;
}

inline std::string H(const std::string& s) { return crypto::HashToString(crypto::Blake2b256(s)); }

}  // namespace custody::tamper
