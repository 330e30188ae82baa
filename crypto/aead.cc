#include "crypto/aead.h"

#include <sodium.h>

#include <cstdlib>

#include "crypto/sodium_check.h"

namespace custody::crypto {

static_assert(kAeadKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);

void AeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext,
              std::span<const uint8_t> ad, std::span<uint8_t> out) {
  if (key.size() != kAeadKeySize || out.size() != plaintext.size() + kAeadOverhead) std::abort();
  uint8_t* nonce = out.data();
  randombytes_buf(nonce, kAeadNonceSize);
  unsigned long long written = 0;
  internal::MustSucceed(crypto_aead_xchacha20poly1305_ietf_encrypt(
                            out.data() + kAeadNonceSize, &written, plaintext.data(),
                            plaintext.size(), ad.data(), ad.size(), nullptr, nonce, key.data()),
                        "crypto_aead_xchacha20poly1305_ietf_encrypt");
}

Status AeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> sealed,
                std::span<const uint8_t> ad, std::span<uint8_t> out) {
  if (key.size() != kAeadKeySize) std::abort();
  if (sealed.size() < kAeadOverhead)
    return Fail(Code::kCorrupt, "ciphertext too short; expected at least " +
                                    std::to_string(kAeadOverhead) + " bytes, got " +
                                    std::to_string(sealed.size()));
  if (out.size() != sealed.size() - kAeadOverhead) std::abort();
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &written, nullptr, sealed.data() + kAeadNonceSize,
          sealed.size() - kAeadNonceSize, ad.data(), ad.size(), sealed.data(), key.data()) != 0) {
    if (!out.empty()) sodium_memzero(out.data(), out.size());
    return Fail(Code::kCorrupt, "authentication tag mismatch");
  }
  return {};
}

std::string AeadSealString(std::span<const uint8_t> key, std::string_view plaintext,
                           std::string_view ad) {
  std::string out(plaintext.size() + kAeadOverhead, '\0');
  AeadSeal(key, AsBytes(plaintext), AsBytes(ad),
           {reinterpret_cast<uint8_t*>(out.data()), out.size()});
  return out;
}

Result<std::string> AeadOpenString(std::span<const uint8_t> key, std::string_view sealed,
                                   std::string_view ad) {
  if (sealed.size() < kAeadOverhead) return Fail(Code::kCorrupt, "ciphertext too short");
  std::string out(sealed.size() - kAeadOverhead, '\0');
  CUSTODY_TRY(AeadOpen(key, AsBytes(sealed), AsBytes(ad),
                       {reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  return out;
}

Result<SecretBytes> AeadOpenSecret(std::span<const uint8_t> key, std::string_view sealed,
                                   std::string_view ad) {
  if (sealed.size() < kAeadOverhead) return Fail(Code::kCorrupt, "ciphertext too short");
  SecretBytes out(sealed.size() - kAeadOverhead);
  CUSTODY_TRY(AeadOpen(key, AsBytes(sealed), AsBytes(ad), out.span()));
  return out;
}

}  // namespace custody::crypto
