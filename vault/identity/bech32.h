// Bech32 (BIP 173) as used by age for `age1...` recipients.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace custody::vault {

// Encodes `data` (8-bit bytes) under human-readable part `hrp` (lower case).
std::string Bech32Encode(std::string_view hrp, std::string_view data);
// Decodes; returns the 8-bit data if the checksum is valid and the hrp
// matches (case-insensitively; mixed case is rejected).
std::optional<std::string> Bech32Decode(std::string_view expected_hrp, std::string_view text);

}  // namespace custody::vault
