// libFuzzer harness: format::DecodeSuperblock on one 4096-byte slot.
// Input: byte 0 selects the slot offset (even: 0, odd: 4096); the rest is
// the slot (padded with zeros / cut to 4096 bytes, so the checksum path and
// the padding check are both reachable from seeds taken from real vaults).
#include <cstdint>
#include <string>

#include "format/constants.h"
#include "format/superblock.h"
#include "tools/fuzz/fuzz_common.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InitOnce();
  if (size < 1) return 0;
  const uint64_t slot_offset = format::kSuperblockOffsets[data[0] & 1];
  std::string slot(reinterpret_cast<const char*>(data + 1), size - 1);
  // Also feed the raw (wrong-sized) buffer: must be rejected, not read past.
  auto raw = format::DecodeSuperblock(slot, slot_offset);
  if (raw && slot.size() != format::kSuperblockSize) __builtin_trap();
  slot.resize(format::kSuperblockSize, '\0');
  auto sb = format::DecodeSuperblock(slot, slot_offset);
  if (sb) {
    // A decoded slot re-encodes to a slot that decodes to the same fields.
    if (sb->committed_end() < format::kLogStart || sb->vault_id().size() != 16) __builtin_trap();
    auto again = format::EncodeSuperblock(*sb, slot_offset);
    if (again && !format::DecodeSuperblock(*again, slot_offset)) __builtin_trap();
  }
  return 0;
}
