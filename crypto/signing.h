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
// True iff `signature` is a valid signature of `message` by `public_key`.
bool Verify(const Ed25519Public& public_key, std::string_view message, std::string_view signature);

}  // namespace custody::crypto
