// Text encodings of binary values (libsodium's constant-time codecs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace custody::crypto {

std::string ToHex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);
// Standard base64 with padding (RFC 4648 section 4).
std::string ToBase64(std::string_view bytes);
// Strict: rejects whitespace, missing/extra padding and non-canonical input.
std::optional<std::string> FromBase64(std::string_view text);

}  // namespace custody::crypto
