// Auditor checkpoints (README "Auditor checkpoints"; issue 11): a C2SP
// tlog-checkpoint over the RFC 6962 tree of a vault's ledger events, signed
// as a C2SP note by a member, cosigned (C2SP tlog-cosignature) by an
// auditor, kept outside the drive and checked by a later audit.
//
// Names (frozen: they are in every note and key ID):
//   origin       "custody/<vault id, 32 hex>"
//   signer name  "custody/<vault id>/<member fingerprint, 16 hex>"
//                (PublicIdentity::Fingerprint), for both the note
//                signature (alg 0x01) and the cosignature (alg 0x04): the
//                key IDs differ by the algorithm byte.
// The tree's leaf i is the exact stored bytes of event i (its EVENT
// record's payload, the SignedEvent); the vault itself stores nothing new.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/signing.h"
#include "vault/transparency/merkle.h"
#include "vault/transparency/note.h"

namespace custody::vault {

std::string CheckpointOrigin(const std::string& vault_id_hex);
std::string CheckpointSignerName(const std::string& vault_id_hex, const crypto::Ed25519Public& key);
// The verifier key of `key` as a signer (alg 0x01) or cosigner (0x04).
transparency::VerifierKey CheckpointVerifierKey(const std::string& vault_id_hex, const crypto::Ed25519Public& key,
                                                uint8_t alg);

// A signed note over the first tree.size() events, signed by `signer`.
std::string SignCheckpointNote(const std::string& vault_id_hex, const transparency::MerkleTree& tree,
                               const crypto::SigningKeyPair& signer);

// A checkpoint note whose signatures were checked against a set of keys.
struct VerifiedNote {
  transparency::Note note;
  transparency::TreeHead head;
  std::vector<std::string> signers;     // names of the valid signatures, in note order
  std::vector<uint64_t> cosigned_at;    // per signer: a cosignature's time, or 0
};
// Parses `note` (its bytes) as a checkpoint and checks its signature lines
// against `keys` (any origin): kUsage if it is not a checkpoint note;
// kCorrupt "bad signature" if a line by one of `keys` does not verify;
// kAuth "unknown key" if no line is by one of them. Lines by other keys
// are ignored, as the signed-note spec says. With `origin`, a checkpoint of
// another log is kUsage, before any signature is looked at.
Result<VerifiedNote> VerifyCheckpointNote(const std::string& note, const std::vector<transparency::VerifierKey>& keys,
                                          const std::string* origin = nullptr);

// What a note was checked against and what that found.
struct CheckpointFinding {
  VerifiedNote note;
  uint64_t tree_size = 0;               // today's ledger
  crypto::Hash256 tree_root{};
  std::vector<crypto::Hash256> proof;   // consistency from head.size to tree_size (if it can exist)
  // Empty if today's ledger extends the note; else "rollback: …" or "fork: …".
  std::string problem;
};

// Checks `note` (its bytes) as a checkpoint of vault `vault_id_hex`:
//  - kUsage: not a note, not a checkpoint, or a checkpoint of another log;
//    then VerifyCheckpointNote's errors, where the keys are:
//    `trusted` if non-empty, else every key the roster ever held
//    (`roster`, revoked members included: a revocation does not undo what a
//    member signed before), as signer or cosigner.
// Then compares the tree head with `tree` (today's ledger): a larger tree is
// a rollback, the same size with another root a fork, a smaller one must be
// proved consistent (RFC 6962) or it is a rollback or fork. Those land in
// `problem`, not in the Result's error: the note itself was good.
Result<CheckpointFinding> CheckCheckpointNote(const std::string& vault_id_hex, const transparency::MerkleTree& tree,
                                              const std::vector<crypto::Ed25519Public>& roster,
                                              const std::vector<transparency::VerifierKey>& trusted,
                                              const std::string& note);

// Adds `cosigner`'s cosignature/v1 at `timestamp` to `note`, after checking
// it as CheckCheckpointNote does (against the roster) and that it shows no
// problem: a cosigner only vouches for what it verified. Returns the note
// with the cosignature line appended (an existing one by the same key is
// replaced). kAuth if `cosigner` is not in the roster (it must hold an
// identity of the vault, an auditor's included); kCorrupt "not cosigned:
// rollback…/fork…" if the tree does not extend the note.
Result<std::string> CosignCheckpointNote(const std::string& vault_id_hex, const transparency::MerkleTree& tree,
                                         const std::vector<crypto::Ed25519Public>& roster, const std::string& note,
                                         const crypto::SigningKeyPair& cosigner, uint64_t timestamp);

}  // namespace custody::vault
