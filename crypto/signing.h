// Ed25519 signatures (crypto_sign_detached).
//
// A signing key is kept in secret memory in libsodium's 64-byte expanded form
// (seed || public key); only the 32-byte seed is ever stored in a file.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"

namespace custody::crypto {

inline constexpr size_t kEd25519PublicSize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kSignatureSize = 64;

using Ed25519Public = std::array<uint8_t, kEd25519PublicSize>;

struct SigningKeyPair {
  Ed25519Public public_key{};
  SecretBytes secret;  // 64 bytes: seed (32) || public key (32)
  std::span<const uint8_t> seed() const { return secret.slice(0, kEd25519SeedSize); }
};

SigningKeyPair GenerateSigningKey();
// Rebuilds the pair from a stored 32-byte seed.
SigningKeyPair SigningKeyFromSeed(SecretBytes seed);

// Returns the 64-byte signature of `message`.
std::string Sign(const SigningKeyPair& key, std::string_view message);
// True iff `signature` is a valid signature of `message` by `public_key`
// (FORMAT.md §4.1, R114): 64 bytes, S < L checked here explicitly (so the
// property does not rest on how libsodium was built), then
// crypto_sign_verify_detached, which also rejects a small-order R and a
// non-canonical or small-order public key.
bool Verify(const Ed25519Public& public_key, std::string_view message, std::string_view signature);

// True iff `public_key` is a canonical encoding of a point of the
// prime-order subgroup, not of small order (R113:
// crypto_core_ed25519_is_valid_point). Keys entering a roster must pass.
bool IsValidSigningKey(const Ed25519Public& public_key);

// True iff the scalar S (bytes 32..63 of a signature, little endian) is
// below the group order L. Exposed for the vectors.
bool SignatureScalarIsCanonical(std::string_view signature);

}  // namespace custody::crypto
