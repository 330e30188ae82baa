// Authenticated encryption: XChaCha20-Poly1305-IETF (libsodium).
//
// The nonce is always generated inside Seal (192 random bits, safe to pick at
// random for any number of messages under one key), so callers cannot reuse
// one. Associated data binds the ciphertext to its context (vault, document,
// chunk index, ...); Open fails unless the same bytes are given.
//
// Layout of a sealed message: nonce (24) || ciphertext || tag (16).
// See format/FORMAT.md, "Crypto".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"
#include "base/status.h"

namespace custody::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// Encrypts `plaintext` into `out`, which must be exactly
// plaintext.size() + kAeadOverhead bytes. REQUIRES: key.size() == 32.
// Never fails for valid sizes; aborts on a size mismatch (programmer error).
void AeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext,
              std::span<const uint8_t> ad, std::span<uint8_t> out);

// Decrypts `sealed` into `out` (sealed.size() - kAeadOverhead bytes).
// On failure returns kCorrupt and leaves `out` zeroed: a forged or damaged
// message never releases a byte.
Status AeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> sealed,
                std::span<const uint8_t> ad, std::span<uint8_t> out);

// Convenience forms for small messages held in strings.
std::string AeadSealString(std::span<const uint8_t> key, std::string_view plaintext,
                           std::string_view ad);
Result<std::string> AeadOpenString(std::span<const uint8_t> key, std::string_view sealed,
                                   std::string_view ad);
// Opens a message whose plaintext is itself a key; the result never touches
// ordinary heap memory.
Result<SecretBytes> AeadOpenSecret(std::span<const uint8_t> key, std::string_view sealed,
                                   std::string_view ad);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace custody::crypto
