#include "format/superblock.h"

#include "crypto/hash.h"
#include "format/constants.h"
#include "format/endian.h"

namespace custody::format {

namespace {
// magic (8) || version (4) || payload length (4)
constexpr size_t kFixedHeader = 16;
constexpr size_t kChecksumSize = crypto::kHashSize;
constexpr size_t kMaxPayload = kSuperblockSize - kFixedHeader - kChecksumSize;

crypto::Hash256 SlotChecksum(uint64_t slot_offset, std::string_view covered) {
  std::string prefix;
  PutLe64(prefix, slot_offset);
  crypto::Blake2bHasher h;
  h.Update(prefix);
  h.Update(covered);
  return h.Final();
}
}  // namespace

Result<std::string> EncodeSuperblock(const Superblock& sb, uint64_t slot_offset) {
  std::string payload;
  if (!sb.SerializeToString(&payload)) return Fail(Code::kIo, "cannot serialize superblock");
  if (payload.size() > kMaxPayload)
    return Fail(Code::kUsage, "superblock too large (" + std::to_string(payload.size()) +
                                  " bytes; the label and level names must fit in " +
                                  std::to_string(kMaxPayload) + ")");
  std::string out(kSuperblockMagic);
  PutLe32(out, kSuperblockLayoutVersion);
  PutLe32(out, static_cast<uint32_t>(payload.size()));
  out += payload;
  out += crypto::HashToString(SlotChecksum(slot_offset, out));
  out.resize(kSuperblockSize, '\0');
  return out;
}

Result<Superblock> DecodeSuperblock(std::string_view slot, uint64_t slot_offset) {
  if (slot.size() != kSuperblockSize) return Fail(Code::kCorrupt, "superblock truncated");
  if (slot.substr(0, kSuperblockMagic.size()) != kSuperblockMagic)
    return Fail(Code::kCorrupt, "bad superblock magic (not a Custody vault)");
  uint32_t version = GetLe32(slot.data() + 8);
  if (version != kSuperblockLayoutVersion)
    return Fail(Code::kCorrupt, "unsupported format version " + std::to_string(version) +
                                    " (this build reads version " +
                                    std::to_string(kSuperblockLayoutVersion) + ")");
  uint32_t len = GetLe32(slot.data() + 12);
  if (len > kMaxPayload || kFixedHeader + len + kChecksumSize > slot.size())
    return Fail(Code::kCorrupt, "superblock payload length " + std::to_string(len) +
                                    " out of bounds");
  std::string_view covered = slot.substr(0, kFixedHeader + len);
  std::string_view stored = slot.substr(kFixedHeader + len, kChecksumSize);
  if (crypto::HashToString(SlotChecksum(slot_offset, covered)) != stored)
    return Fail(Code::kCorrupt, "superblock checksum mismatch");
  // The rest of the slot is padding and MUST be zero, so that every byte of
  // a slot is checked.
  std::string_view padding = slot.substr(kFixedHeader + len + kChecksumSize);
  if (padding.find_first_not_of('\0') != std::string_view::npos)
    return Fail(Code::kCorrupt, "superblock padding is not zero");
  Superblock sb;
  if (!sb.ParseFromArray(slot.data() + kFixedHeader, static_cast<int>(len)))
    return Fail(Code::kCorrupt, "superblock payload does not parse");
  if (sb.format_version() < kOldestReadableFormatVersion || sb.format_version() > kFormatVersion ||
      sb.vault_id().size() != 16 ||
      sb.ledger_head().size() != 32 || sb.committed_end() < kLogStart)
    return Fail(Code::kCorrupt, "superblock fields out of range");
  return sb;
}

}  // namespace custody::format
