#include "crypto/sealed_box.h"

#include <sodium.h>

#include "crypto/sodium_check.h"

namespace custody::crypto {

static_assert(kSealOverhead == crypto_box_SEALBYTES);
static_assert(kX25519KeySize == crypto_box_PUBLICKEYBYTES);

X25519KeyPair GenerateX25519() {
  X25519KeyPair pair;
  pair.secret_key = SecretBytes(crypto_box_SECRETKEYBYTES);
  internal::MustSucceed(crypto_box_keypair(pair.public_key.data(), pair.secret_key.data()),
                        "crypto_box_keypair");
  return pair;
}

X25519Public X25519PublicFromSecret(const SecretBytes& secret) {
  X25519Public pub{};
  internal::MustSucceed(crypto_scalarmult_base(pub.data(), secret.data()),
                        "crypto_scalarmult_base");
  return pub;
}

Result<std::string> SealTo(const X25519Public& recipient, std::span<const uint8_t> plaintext) {
  std::string out(plaintext.size() + kSealOverhead, '\0');
  // Fails exactly when the shared secret is all zeros: the recipient key is
  // a low-order point, and a box "sealed" to it could never be opened.
  if (crypto_box_seal(reinterpret_cast<uint8_t*>(out.data()), plaintext.data(), plaintext.size(),
                      recipient.data()) != 0)
    return Fail(Code::kUsage,
                "the X25519 (age) key is a low-order point: nothing sealed to it "
                "could ever be opened");
  return out;
}

Result<SecretBytes> OpenSealed(const X25519KeyPair& pair, std::string_view sealed) {
  if (sealed.size() < kSealOverhead)
    return Fail(Code::kCorrupt, "sealed box too short; expected at least 48 bytes, got " +
                                    std::to_string(sealed.size()));
  SecretBytes out(sealed.size() - kSealOverhead);
  if (crypto_box_seal_open(out.data(), reinterpret_cast<const uint8_t*>(sealed.data()),
                           sealed.size(), pair.public_key.data(), pair.secret_key.data()) != 0)
    return Fail(Code::kCorrupt, "sealed box does not open with this identity");
  return out;
}

}  // namespace custody::crypto
