#include "crypto/signing.h"

#include <sodium.h>

namespace custody::crypto {

static_assert(kSignatureSize == crypto_sign_BYTES);
static_assert(kEd25519SeedSize == crypto_sign_SEEDBYTES);

SigningKeyPair GenerateSigningKey() {
  return SigningKeyFromSeed(SecretBytes::Random(kEd25519SeedSize));
}

SigningKeyPair SigningKeyFromSeed(SecretBytes seed) {
  SigningKeyPair pair;
  pair.secret = SecretBytes(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), seed.data());
  return pair;
}

std::string Sign(const SigningKeyPair& key, std::string_view message) {
  std::string sig(kSignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<uint8_t*>(sig.data()), nullptr,
                       reinterpret_cast<const uint8_t*>(message.data()), message.size(),
                       key.secret.data());
  return sig;
}

bool Verify(const Ed25519Public& public_key, std::string_view message,
            std::string_view signature) {
  if (signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(signature.data()),
                                     reinterpret_cast<const uint8_t*>(message.data()),
                                     message.size(), public_key.data()) == 0;
}

}  // namespace custody::crypto
