// Text encodings used by certificates: lowercase hex and standard base64
// (RFC 4648 section 4, with padding).
//
// Both decoders are strict: they accept exactly the one canonical spelling
// that the matching encoder produces (lowercase hex only; base64 with the
// exact padding and zero trailing bits) and reject everything else, so that a
// decoded-then-encoded value always equals its input.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace custody::vault::disposal {

std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);
// std::nullopt unless `text` is an even number of lowercase hex digits.
std::optional<std::string> HexDecode(std::string_view text);

std::string Base64Encode(std::string_view bytes);
// std::nullopt unless `text` is canonical padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace custody::vault::disposal
