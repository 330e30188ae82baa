#include "crypto/signing.h"

#include <sodium.h>

#include "crypto/sodium_check.h"

namespace custody::crypto {

static_assert(kSignatureSize == crypto_sign_BYTES);
static_assert(kEd25519SeedSize == crypto_sign_SEEDBYTES);

SigningKeyPair GenerateSigningKey() {
  return SigningKeyFromSeed(SecretBytes::Random(kEd25519SeedSize));
}

SigningKeyPair SigningKeyFromSeed(SecretBytes seed) {
  SigningKeyPair pair;
  pair.secret = SecretBytes(crypto_sign_SECRETKEYBYTES);
  internal::MustSucceed(
      crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), seed.data()),
      "crypto_sign_seed_keypair");
  return pair;
}

std::string Sign(const SigningKeyPair& key, std::string_view message) {
  std::string sig(kSignatureSize, '\0');
  internal::MustSucceed(crypto_sign_detached(reinterpret_cast<uint8_t*>(sig.data()), nullptr,
                                             reinterpret_cast<const uint8_t*>(message.data()),
                                             message.size(), key.secret.data()),
                        "crypto_sign_detached");
  return sig;
}

namespace {
// L = 2^252 + 27742317777372353535851937790883648493, little endian.
constexpr uint8_t kGroupOrder[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                     0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
}  // namespace

bool SignatureScalarIsCanonical(std::string_view signature) {
  if (signature.size() != kSignatureSize) return false;
  const auto* s = reinterpret_cast<const uint8_t*>(signature.data()) + 32;
  for (int i = 31; i >= 0; --i) {
    if (s[i] < kGroupOrder[i]) return true;
    if (s[i] > kGroupOrder[i]) return false;
  }
  return false;  // S == L
}

bool IsValidSigningKey(const Ed25519Public& public_key) {
  return crypto_core_ed25519_is_valid_point(public_key.data()) == 1;
}

bool Verify(const Ed25519Public& public_key, std::string_view message,
            std::string_view signature) {
  if (signature.size() != kSignatureSize || !SignatureScalarIsCanonical(signature)) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(signature.data()),
                                     reinterpret_cast<const uint8_t*>(message.data()),
                                     message.size(), public_key.data()) == 0;
}

}  // namespace custody::crypto
