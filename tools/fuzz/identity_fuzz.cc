// libFuzzer harness: identity files (R49-R51) and public identity lines (R52).
// Input byte 0: 0..127 -> the rest is an identity file, read with
// PublicIdentity::ReadFromIdentityFile and, when it is structurally valid,
// with Identity::Load under a fixed passphrase; 128..255 -> the rest is a
// public identity line for PublicIdentity::Parse.
//
// Hostile KDF parameters must be rejected before Argon2 runs: the harness
// asserts that any file Load accepted far enough to run the KDF carries
// parameters inside R51's bounds, and caps the KDF cost so that a
// well-formed file (which runs Argon2id, up to 1 GiB) cannot stall the run:
// inputs whose parameters exceed the cap are checked structurally only.
#include <cstdint>
#include <string>

#include "crypto/secret_bytes.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tools/fuzz/fuzz_common.h"
#include "vault/identity/identity.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InitOnce();
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] >= 128) {
    auto id = vault::PublicIdentity::Parse(body);
    if (id) {
      // A parsed line round-trips.
      auto again = vault::PublicIdentity::Parse(id->ToLine());
      if (!again || again->ed25519 != id->ed25519 || again->x25519 != id->x25519 ||
          again->name != id->name)
        __builtin_trap();
    }
    return 0;
  }
  const std::string& path = fuzz::ScratchPath("identity");
  fuzz::WriteScratch(path, data + 1, size - 1);
  auto pub = vault::PublicIdentity::ReadFromIdentityFile(path);
  if (!pub) return 0;
  if (body.size() > format::kMaxIdentityFileSize) __builtin_trap();  // R49
  // Peek at the KDF parameters the file claims (structure already valid).
  format::IdentityFile f;
  if (!f.ParseFromArray(body.data() + format::kIdentityMagic.size(),
                        static_cast<int>(body.size() - format::kIdentityMagic.size())))
    __builtin_trap();
  const bool in_bounds = f.kdf_opslimit() >= 1 && f.kdf_opslimit() <= 10 &&
                         f.kdf_memlimit() >= 8192 && f.kdf_memlimit() <= (1ull << 30);
  const bool cheap = f.kdf_opslimit() <= 2 && f.kdf_memlimit() <= (1u << 20);
  if (in_bounds && !cheap) return 0;  // legitimate but slow: skip Argon2
  static const crypto::SecretBytes pass = crypto::SecretBytes::CopyOf(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("fuzz"), 4));
  auto id = vault::Identity::Load(path, pass);
  if (!in_bounds) {
    // R51: rejected before use, as corrupt, never as a wrong passphrase
    // (which would mean the KDF ran).
    if (id || id.error().code != Code::kCorrupt) __builtin_trap();
  }
  return 0;
}
