#include "crypto/password_kdf.h"

#include <sodium.h>

namespace custody::crypto {

namespace {
constexpr uint64_t kMaxOps = 10;
constexpr uint64_t kMaxMem = 1ull << 30;
constexpr uint64_t kMinMem = 8192;
}  // namespace

KdfParams KdfParamsFor(KdfProfile profile) {
  switch (profile) {
    case KdfProfile::kInteractive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    case KdfProfile::kModerate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    case KdfProfile::kSensitive:
      return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
  }
  return {};
}

Status ValidateKdfParams(const KdfParams& p) {
  if (p.opslimit < 1 || p.opslimit > kMaxOps || p.memlimit < kMinMem || p.memlimit > kMaxMem)
    return Fail(Code::kCorrupt, "KDF parameters out of bounds (opslimit " +
                                    std::to_string(p.opslimit) + ", expected 1..10; memlimit " +
                                    std::to_string(p.memlimit) + ", expected 8 KiB..1 GiB)");
  return {};
}

Result<SecretBytes> DeriveKeyFromPassphrase(const SecretBytes& passphrase, std::string_view salt,
                                            const KdfParams& params) {
  CUSTODY_TRY(ValidateKdfParams(params));
  if (salt.size() != kKdfSaltSize) return Fail(Code::kCorrupt, "KDF salt has the wrong size");
  SecretBytes key(32);
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), reinterpret_cast<const uint8_t*>(salt.data()),
                    params.opslimit, static_cast<size_t>(params.memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Fail(Code::kIo, "Argon2id ran out of memory");
  return key;
}

}  // namespace custody::crypto
