// Identities: who a person is to Custody.
//
// An identity is an X25519 key pair (opens key slots and sealed copies; the
// same key as an age X25519 identity) plus an Ed25519 signing key (signs
// ledger events, checkpoints and certificates), and a display name.
//
// On disk it is one file encrypted under a passphrase with Argon2id
// (format/FORMAT.md, "Identity file"). Its public half is one line of text:
//
//   age1<bech32 X25519 public> ed25519:<base64 Ed25519 public> <name>
//
// The name is the rest of the line (UTF-8, may contain spaces).
#pragma once

#include <memory>
#include <string>

#include "crypto/password_kdf.h"
#include "crypto/sealed_box.h"
#include "crypto/secret_bytes.h"
#include "crypto/signing.h"
#include "base/status.h"

namespace custody::vault {

// The public half: safe to print, store and share.
struct PublicIdentity {
  std::string name;
  crypto::X25519Public x25519{};
  crypto::Ed25519Public ed25519{};

  // The one-line text form above.
  std::string ToLine() const;
  // "age1..." (bech32, as the age tool prints it).
  std::string AgeRecipient() const;
  // Short stable fingerprint for messages: first 8 bytes of BLAKE2b(ed25519), hex.
  std::string Fingerprint() const;
  // Parses the line form (surrounding whitespace ignored). kUsage on bad input
  // with what was expected.
  static Result<PublicIdentity> Parse(const std::string& line);
  // Accepts either a public line or the path of a file whose first line is one.
  static Result<PublicIdentity> ParseLineOrFile(const std::string& line_or_path);
  // Reads the public half stored in clear in an identity file (no
  // passphrase). Its binding to the secrets is checked only by Identity::Load.
  static Result<PublicIdentity> ReadFromIdentityFile(const std::string& path);
};

// An unlocked identity: holds secrets in locked memory. Move-only.
class Identity {
 public:
  // Generates a fresh identity.
  static std::unique_ptr<Identity> Generate(const std::string& name);
  // Reads and decrypts an identity file. kNotFound if missing, kCorrupt if it
  // is not an identity file or is damaged, kAuth on a wrong passphrase.
  static Result<std::unique_ptr<Identity>> Load(const std::string& path,
                                                const crypto::SecretBytes& passphrase);
  // Writes the identity encrypted under `passphrase` to `path` (mode 0600,
  // published whole with WriteFileAtomically; refuses to overwrite an
  // existing file: kIo "already exists").
  Status Save(const std::string& path, const crypto::SecretBytes& passphrase,
              crypto::KdfProfile profile) const;

  const PublicIdentity& public_identity() const { return public_; }
  const crypto::X25519KeyPair& x25519() const { return x25519_; }
  const crypto::SigningKeyPair& signing() const { return signing_; }

  // Signs `message` with the Ed25519 key (64-byte signature).
  std::string Sign(std::string_view message) const;

  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

 private:
  Identity() = default;
  PublicIdentity public_;
  crypto::X25519KeyPair x25519_;
  crypto::SigningKeyPair signing_;
};

}  // namespace custody::vault
