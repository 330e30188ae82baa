// HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869), built on libsodium's
// crypto_auth_hmacsha256: libsodium 1.0.18 has no HKDF (crypto_kdf_hkdf_sha256
// arrived in 1.0.19). Used by the age format (crypto/age.h), whose keys are
// all derived with HKDF-SHA-256 and whose header is authenticated with
// HMAC-SHA-256.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/secret_bytes.h"

namespace custody::crypto {

inline constexpr size_t kHmacSha256Size = 32;
using HmacSha256Tag = std::array<uint8_t, kHmacSha256Size>;

// HMAC-SHA-256 of `message` under `key` (any length; an empty key is valid and
// equals 32 zero bytes, which HKDF's "salt not provided" relies on).
HmacSha256Tag HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message);

// HKDF-Extract(salt, ikm) then HKDF-Expand(prk, info, out.size()) into `out`.
// The pseudo-random key and every intermediate block live in SecretBytes and
// are wiped. REQUIRES: out.size() <= 255 * 32 (aborts otherwise: programmer
// error, RFC 5869's limit).
void HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                std::string_view info, std::span<uint8_t> out);

// The same, into fresh locked memory of `size` bytes (32 by default, the size
// of every key age derives).
SecretBytes HkdfSha256Key(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                          std::string_view info, size_t size = 32);

}  // namespace custody::crypto
