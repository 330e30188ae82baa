// X25519 key pairs and anonymous sealed boxes (crypto_box_seal).
//
// The X25519 secret is a plain 32-byte scalar, the same as an age X25519
// identity, so the public half doubles as an `age1...` recipient.
// Sealed box layout: ephemeral public key (32) || XSalsa20-Poly1305 box;
// overhead kSealOverhead bytes. Only the holder of the secret key can open it;
// the sender is anonymous (who sealed is recorded by a signature elsewhere).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/secret_bytes.h"
#include "base/status.h"

namespace custody::crypto {

inline constexpr size_t kX25519KeySize = 32;
inline constexpr size_t kSealOverhead = 48;

using X25519Public = std::array<uint8_t, kX25519KeySize>;

struct X25519KeyPair {
  X25519Public public_key{};
  SecretBytes secret_key;  // 32 bytes
};

X25519KeyPair GenerateX25519();
// Derives the public key from a 32-byte secret scalar.
X25519Public X25519PublicFromSecret(const SecretBytes& secret);

// Seals `plaintext` to `recipient`. kUsage if `recipient` is a low-order
// point (no shared secret; the box could never be opened).
Result<std::string> SealTo(const X25519Public& recipient, std::span<const uint8_t> plaintext);
// Opens a sealed box with the recipient's pair. kCorrupt if it was not sealed
// to this key or was altered.
Result<SecretBytes> OpenSealed(const X25519KeyPair& pair, std::string_view sealed);

}  // namespace custody::crypto
