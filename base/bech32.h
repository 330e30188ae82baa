// Bech32 (BIP 173) as used by age for `age1...` recipients and
// `AGE-SECRET-KEY-1...` identities.
//
// In base/ (it was in vault/identity/) because both the identity lines of
// vault/identity and the age file format of crypto/ need it, and crypto/ must
// not depend on vault/. It is a pure text codec like encoding.h: no libsodium.
// Not constant-time, and its intermediate buffers are ordinary heap memory:
// callers decoding a secret key copy the result into SecretBytes and wipe it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace custody {

// Encodes `data` (8-bit bytes) under human-readable part `hrp` (lower case).
std::string Bech32Encode(std::string_view hrp, std::string_view data);
// Decodes; returns the 8-bit data if the checksum is valid and the hrp
// matches (case-insensitively; mixed case is rejected).
std::optional<std::string> Bech32Decode(std::string_view expected_hrp, std::string_view text);

}  // namespace custody
