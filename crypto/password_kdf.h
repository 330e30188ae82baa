// Passphrase-based key derivation: Argon2id (crypto_pwhash, ALG_ARGON2ID13).
//
// Parameters are stored beside what they protect (identity files), so they
// are attacker-controlled when read back: ValidateKdfParams bounds them
// *before* any memory is allocated or time spent. A hostile file can make us
// spend at most ~1 GiB and ~10 passes, never more.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"
#include "base/status.h"

namespace custody::crypto {

inline constexpr size_t kKdfSaltSize = 16;

struct KdfParams {
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;  // bytes
};

enum class KdfProfile { kInteractive, kModerate, kSensitive };

KdfParams KdfParamsFor(KdfProfile profile);
// Accepts opslimit in [1, 10] and memlimit in [8 KiB, 1 GiB]; anything else is
// kCorrupt ("KDF parameters out of bounds ...").
Status ValidateKdfParams(const KdfParams& params);
// Derives a 32-byte key. REQUIRES: salt.size() == kKdfSaltSize. Validates the
// parameters first. kIo if the memory cannot be had.
Result<SecretBytes> DeriveKeyFromPassphrase(const SecretBytes& passphrase, std::string_view salt,
                                            const KdfParams& params);

}  // namespace custody::crypto
