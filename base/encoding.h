// The one text codec for binary values: lowercase hex and standard base64
// (RFC 4648 section 4, with padding). No libsodium: anyone may use it.
//
// Both decoders are strict: they accept exactly the one canonical spelling
// that the matching encoder produces (lowercase hex only; base64 with the
// exact padding and zero trailing bits) and reject everything else, so that a
// decoded-then-encoded value always equals its input (certificates and
// identity lines are signed or compared as text). Callers that take hex typed
// by a person lower-case it first.
//
// These codecs are not constant-time; they are used for public values only
// (ids, hashes, public keys, signatures), never for secret keys.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace custody {

std::string ToHex(std::span<const uint8_t> bytes);
std::string ToHex(std::string_view bytes);
// Which spellings FromHex accepts. Signed text (certificates) takes only the
// canonical lowercase form; hex typed or pasted by a person may be either case.
enum class HexCase { kLowerOnly, kEither };
// std::nullopt unless `text` is an even number of hex digits of the accepted case.
std::optional<std::string> FromHex(std::string_view text, HexCase accept = HexCase::kLowerOnly);

std::string ToBase64(std::string_view bytes);
// std::nullopt unless `text` is canonical padded base64.
std::optional<std::string> FromBase64(std::string_view text);

// "1.5 GiB", "640 KiB", "12 B": a size for people (progress, device facts).
std::string HumanBytes(uint64_t bytes);

}  // namespace custody
