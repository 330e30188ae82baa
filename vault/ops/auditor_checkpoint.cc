// See vault/auditor_checkpoint.h.
#include "vault/auditor_checkpoint.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace custody::vault {

namespace tp = transparency;

std::string CheckpointOrigin(const std::string& vault_id_hex) { return "custody/" + vault_id_hex; }

std::string CheckpointSignerName(const std::string& vault_id_hex, const crypto::Ed25519Public& key) {
  // The fingerprint PublicIdentity::Fingerprint prints, so a person can
  // match a note's signer with `custody audit`'s member lines.
  const auto h = crypto::Blake2b256(key);
  return CheckpointOrigin(vault_id_hex) + "/" + ToHex(std::span<const uint8_t>(h.data(), 8));
}

tp::VerifierKey CheckpointVerifierKey(const std::string& vault_id_hex, const crypto::Ed25519Public& key,
                                      uint8_t alg) {
  return {CheckpointSignerName(vault_id_hex, key), alg, key};
}

std::string SignCheckpointNote(const std::string& vault_id_hex, const tp::MerkleTree& tree,
                               const crypto::SigningKeyPair& signer) {
  tp::Note note;
  note.text = tp::FormatCheckpoint({CheckpointOrigin(vault_id_hex), tree.size(), tree.Root(), {}});
  note.signatures.push_back(
      tp::SignNote(note.text, CheckpointSignerName(vault_id_hex, signer.public_key), signer));
  return tp::FormatNote(note);
}

Result<VerifiedNote> VerifyCheckpointNote(const std::string& bytes, const std::vector<tp::VerifierKey>& keys,
                                          const std::string* origin) {
  auto note = tp::ParseNote(bytes);
  if (!note) return Fail(Code::kUsage, "not a checkpoint note: " + note.error().message);
  auto head = tp::ParseCheckpoint(note->text);
  if (!head) return Fail(Code::kUsage, "not a checkpoint note: " + head.error().message);
  if (origin != nullptr && head->origin != *origin)
    return Fail(Code::kUsage, "the note is a checkpoint of '" + head->origin + "', not of this vault ('" + *origin +
                                  "')");
  VerifiedNote v{std::move(*note), std::move(*head), {}, {}};
  for (const auto& sig : v.note.signatures) {
    for (const auto& key : keys) {
      uint64_t t = 0;
      const auto check = tp::CheckSignature(v.note.text, sig, key, &t);
      if (check == tp::SignatureCheck::kNotThisKey) continue;
      if (check == tp::SignatureCheck::kInvalid)
        return Fail(Code::kCorrupt, "bad signature: the note's signature by " + sig.name +
                                        " does not verify (the note was altered or forged)");
      v.signers.push_back(sig.name);
      v.cosigned_at.push_back(key.alg == tp::kAlgCosignatureV1 ? t : 0);
      break;
    }
  }
  if (v.signers.empty()) return Fail(Code::kAuth, "unknown key: no signature on the note is by a trusted key");
  return v;
}

Result<CheckpointFinding> CheckCheckpointNote(const std::string& vault_id_hex, const tp::MerkleTree& tree,
                                              const std::vector<crypto::Ed25519Public>& roster,
                                              const std::vector<tp::VerifierKey>& trusted,
                                              const std::string& bytes) {
  std::vector<tp::VerifierKey> keys = trusted;
  if (keys.empty())
    for (const auto& k : roster)
      for (uint8_t alg : {tp::kAlgEd25519, tp::kAlgCosignatureV1})
        keys.push_back(CheckpointVerifierKey(vault_id_hex, k, alg));
  const std::string origin = CheckpointOrigin(vault_id_hex);
  auto verified = VerifyCheckpointNote(bytes, keys, &origin);
  if (!verified) {
    if (verified.error().code != Code::kAuth) return std::unexpected(verified.error());
    return Fail(Code::kAuth, std::string("unknown key: no signature on the note is by ") +
                                 (trusted.empty() ? "a member of this vault's roster" : "a key given with --key"));
  }
  CheckpointFinding f;
  f.note = std::move(*verified);
  const tp::TreeHead& head = f.note.head;
  f.tree_size = tree.size();
  f.tree_root = tree.Root();
  const std::string held = std::to_string(f.tree_size) + " events";
  if (head.size > f.tree_size) {
    f.problem = "rollback: the checkpoint records " + std::to_string(head.size) + " events, the vault holds " +
                held + " (the drive is older than the checkpoint)";
  } else if (head.size == f.tree_size) {
    if (head.root != f.tree_root)
      f.problem = "fork: the checkpoint and the vault both hold " + held +
                  " but their tree roots differ (the history was rewritten)";
  } else {
    f.proof = tree.ConsistencyProof(head.size, f.tree_size);
    if (!tp::VerifyConsistency(head.size, head.root, f.tree_size, f.tree_root, f.proof))
      f.problem = "rollback or fork: the vault's " + held + " do not extend the " + std::to_string(head.size) +
                  " the checkpoint records (no consistency proof exists; the history was rewritten)";
  }
  return f;
}

Result<std::string> CosignCheckpointNote(const std::string& vault_id_hex, const tp::MerkleTree& tree,
                                         const std::vector<crypto::Ed25519Public>& roster, const std::string& bytes,
                                         const crypto::SigningKeyPair& cosigner, uint64_t timestamp) {
  if (std::find(roster.begin(), roster.end(), cosigner.public_key) == roster.end())
    return Fail(Code::kAuth, "the cosigner is not in this vault's roster");
  CUSTODY_ASSIGN(CheckpointFinding f, CheckCheckpointNote(vault_id_hex, tree, roster, {}, bytes));
  if (!f.problem.empty()) return Fail(Code::kCorrupt, "not cosigned: " + f.problem);
  tp::Note& note = f.note.note;
  const auto mine = CheckpointVerifierKey(vault_id_hex, cosigner.public_key, tp::kAlgCosignatureV1);
  std::erase_if(note.signatures, [&](const tp::NoteSignature& s) {
    return s.name == mine.name && s.key_id == mine.key_id();
  });
  note.signatures.push_back(tp::Cosign(note.text, mine.name, cosigner, timestamp));
  return tp::FormatNote(note);
}

}  // namespace custody::vault
