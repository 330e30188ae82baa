// Superblock slots: encoding and validation. See FORMAT.md "Superblock".
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "format/custody.pb.h"

namespace custody::format {

// Encodes `sb` into exactly kSuperblockSize bytes for the slot at
// `slot_offset`. kUsage if the payload does not fit (a label or level list too long).
Result<std::string> EncodeSuperblock(const Superblock& sb, uint64_t slot_offset);

// Decodes a slot. kCorrupt (with the reason) if the magic, version, length or
// checksum is wrong or the payload does not parse. Never allocates more than
// kSuperblockSize.
Result<Superblock> DecodeSuperblock(std::string_view slot, uint64_t slot_offset);

}  // namespace custody::format
