// C2SP signed notes (c2sp.org/signed-note), the checkpoints they carry
// (c2sp.org/tlog-checkpoint) and the two Ed25519 signature kinds Custody
// writes and reads on them:
//   alg 0x01  a note signature: Ed25519 over the note text;
//   alg 0x04  a cosignature (c2sp.org/tlog-cosignature, cosignature/v1):
//             8-byte big-endian timestamp || Ed25519 over
//             "cosignature/v1\ntime <t>\n" || note text.
// Key ID = SHA-256(name || "\n" || alg || 32-byte public key)[:4], big
// endian. Nothing here knows a vault; names and trust are the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/signing.h"
#include "vault/transparency/merkle.h"

namespace custody::transparency {

inline constexpr uint8_t kAlgEd25519 = 0x01;
inline constexpr uint8_t kAlgCosignatureV1 = 0x04;
// Bounds a reader applies before parsing (Go's note package uses the same
// limit on signatures).
inline constexpr size_t kMaxNoteBytes = 1 << 20;
inline constexpr size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key ID (64, or 8 + 64 for a cosignature)
};

struct Note {
  std::string text;  // ends with "\n"; the signed part
  std::vector<NoteSignature> signatures;
};

// A signer name: non-empty, no Unicode spaces, no '+'.
bool IsValidKeyName(std::string_view name);
uint32_t KeyId(std::string_view name, uint8_t alg, const crypto::Ed25519Public& key);

// Parses "text\n— name base64(keyid||sig)\n...". kCorrupt naming the
// problem: too long, not UTF-8 or a control character in the text, no
// signature block, a malformed signature line, more than
// kMaxNoteSignatures signatures.
Result<Note> ParseNote(std::string_view message);
std::string FormatNote(const Note& note);

// REQUIRES: IsValidKeyName(name); text ends with "\n".
NoteSignature SignNote(std::string_view text, std::string_view name, const crypto::SigningKeyPair& key);
NoteSignature Cosign(std::string_view text, std::string_view name, const crypto::SigningKeyPair& key,
                     uint64_t timestamp);
// The exact message a cosignature/v1 signs.
std::string CosignedMessage(std::string_view text, uint64_t timestamp);

// A key a verifier trusts: name, algorithm, public key. Its text form is a
// C2SP "vkey": <name>+<key ID, 8 hex>+base64(alg || public key).
struct VerifierKey {
  std::string name;
  uint8_t alg = kAlgEd25519;
  crypto::Ed25519Public key{};
  uint32_t key_id() const { return KeyId(name, alg, key); }
  std::string ToString() const;
  // kUsage naming what is wrong; only algorithms 0x01 and 0x04.
  static Result<VerifierKey> Parse(std::string_view vkey);
};

// What checking one signature line against a key found.
enum class SignatureCheck {
  kNotThisKey,  // another name or key ID: the line is someone else's
  kValid,
  kInvalid,     // this key's line, but the signature does not verify
};
// For a cosignature, `timestamp` (if given) receives its time.
SignatureCheck CheckSignature(std::string_view text, const NoteSignature& sig, const VerifierKey& key,
                              uint64_t* timestamp = nullptr);

// A C2SP tlog-checkpoint body: origin, tree size, root hash, then optional
// extension lines.
struct TreeHead {
  std::string origin;
  uint64_t size = 0;
  Hash256 root{};
  std::vector<std::string> extensions;
};
std::string FormatCheckpoint(const TreeHead& head);
// kCorrupt naming the line that is wrong (empty origin, a size not in
// canonical decimal, a root that is not base64 of 32 bytes, an empty line).
Result<TreeHead> ParseCheckpoint(std::string_view text);

}  // namespace custody::transparency
