// custody checkpoint: auditor checkpoints in the C2SP formats (README
// "Auditor checkpoints"; vault/auditor_checkpoint.h). Signing, cosigning
// and checking a note never write the vault.
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "tools/custody/cli.h"
#include "vault/auditor_checkpoint.h"
#include "vault/vault.h"

namespace custody::cli {

namespace tp = transparency;
int LastExit();

// A note or proof file, whole; bounded like a note (a proof of a tree of
// 2^64 leaves is 64 lines). kNotFound or kUsage naming the file.
Result<std::string> ReadNoteFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Code::kNotFound, what + " " + path + " not found");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() > tp::kMaxNoteBytes) return Fail(Code::kUsage, what + " " + path + " is too large");
  return bytes;
}

Result<std::vector<tp::VerifierKey>> ParseVerifierKeys(const std::vector<std::string>& keys) {
  std::vector<tp::VerifierKey> out;
  for (const auto& k : keys) {
    CUSTODY_ASSIGN(tp::VerifierKey key, tp::VerifierKey::Parse(k));
    out.push_back(std::move(key));
  }
  return out;
}

namespace {

// Opens `path` for reading and builds its tree by the verified walk.
struct OpenedTree {
  std::unique_ptr<vault::Vault> vault;
  tp::MerkleTree tree;
};
Result<OpenedTree> OpenTree(const std::string& path) {
  CUSTODY_ASSIGN(auto v, OpenVault(path, vault::Vault::Access::kRead));
  CUSTODY_ASSIGN(tp::MerkleTree tree, v->LedgerTree());
  return OpenedTree{std::move(v), std::move(tree)};
}

// The identity at `as`, unlocked, and checked to be a member of `v`.
Result<std::unique_ptr<vault::Identity>> UnlockMember(const vault::Vault& v, const std::string& as,
                                                      const std::string& passphrase_file, const std::string& role) {
  CUSTODY_ASSIGN(auto id, UnlockIdentity(as, passphrase_file, role));
  const auto& key = id->public_identity().ed25519;
  if (!v.MemberByKey(std::string(key.begin(), key.end())))
    return Fail(Code::kAuth, "identity " + id->public_identity().name + " (" + id->public_identity().Fingerprint() +
                                 ") is not in the roster of this vault");
  return id;
}

Status WriteOut(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-") {
    std::cout << text;
    return {};
  }
  return WriteFileAtomically(DefaultEnv(), out, text, /*replace=*/false);
}

void RegisterCosign(CLI::App& parent) {
  struct Opts { std::string note, as, vault, passphrase_file, out; };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(
      "cosign", "Cosign a checkpoint note (C2SP tlog-cosignature, cosignature/v1) after checking it: "
                "its signature by a member of VAULT's roster and that VAULT's ledger extends it. "
                "Prints the note with the cosignature added. Any member may cosign, an auditor included.");
  cmd->add_option("NOTE", o->note, "The checkpoint note")->required();
  cmd->add_option("-i,--as", o->as, "Cosigner's identity file")->required();
  cmd->add_option("--vault", o->vault, "The vault the note is a checkpoint of")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  cmd->add_option("-o,--out", o->out, "Write the cosigned note to FILE, which must not exist (default: stdout)");
  SetBody(cmd, [o] {
    auto note = ReadNoteFile(o->note, "checkpoint note");
    if (!note) return Report(note.error());
    auto t = OpenTree(o->vault);
    if (!t) return Report(t.error());
    auto id = UnlockMember(*t->vault, o->as, o->passphrase_file, "cosigner");
    if (!id) return Report(id.error());
    auto cosigned = vault::CosignCheckpointNote(t->vault->id_hex(), t->tree, t->vault->RosterKeys(), *note,
                                                (*id)->signing(), uint64_t(SystemClock()->NowUnix()));
    if (!cosigned) return Report(cosigned.error());
    if (auto s = WriteOut(o->out, *cosigned); !s) return Report(s.error());
    return 0;
  });
}

void RegisterKey(CLI::App& parent) {
  struct Opts { std::string vault, as; bool cosigner = false; };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(
      "key", "Print the C2SP verifier key (NAME+KEYID+BASE64) of an identity as a checkpoint signer of "
             "VAULT (or, with --cosigner, as a cosigner): what an auditor keeps to pass 'audit --key'. "
             "Reads only the public half of the identity file.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("-i,--as", o->as, "Identity file, or its public line")->required();
  cmd->add_flag("--cosigner", o->cosigner, "The key as a cosigner (algorithm 0x04)");
  SetBody(cmd, [o] {
    auto pub = vault::PublicIdentity::ReadFromIdentityFile(o->as);
    if (!pub) pub = vault::PublicIdentity::ParseLineOrFile(o->as);
    if (!pub) return Report(pub.error());
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    std::cout << vault::CheckpointVerifierKey((*v)->id_hex(), pub->ed25519,
                                              o->cosigner ? tp::kAlgCosignatureV1 : tp::kAlgEd25519)
                     .ToString()
              << "\n";
    return 0;
  });
}

void RegisterLeaves(CLI::App& parent) {
  struct Opts { std::string vault; };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(
      "leaves", "Print the tree's leaves, one line per ledger event: base64 of the event's exact stored "
                "bytes, so that another implementation can rebuild the RFC 6962 tree. Needs no key.");
  cmd->add_option("VAULT", o->vault)->required();
  SetBody(cmd, [o] {
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    std::ostringstream out;
    auto s = (*v)->ForEachVerifiedEventBytes([&](std::string_view bytes) -> Status {
      out << ToBase64(bytes) << "\n";
      return {};
    });
    if (!s) return Report(s.error());
    std::cout << out.str();
    return 0;
  });
}

Result<std::vector<crypto::Hash256>> ParseProof(const std::string& text) {
  std::vector<crypto::Hash256> proof;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto h = FromBase64(line);
    if (!h || h->size() != 32 || proof.size() == 64)
      return Fail(Code::kUsage, "consistency proof line " + std::to_string(proof.size() + 1) +
                                    " is not base64 of a 32-byte hash (or the proof is longer than 64 hashes)");
    crypto::Hash256 x{};
    std::copy(h->begin(), h->end(), x.begin());
    proof.push_back(x);
  }
  return proof;
}

void RegisterVerify(CLI::App& parent) {
  struct Opts { std::string old_note, new_note, proof; std::vector<std::string> keys; };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(
      "verify", "Without the vault: check two checkpoint notes of one vault, each signed by a --key, and "
                "that PROOF (one base64 hash a line, RFC 6962) shows NEW extends OLD. Exit 5 with "
                "'rollback' or 'fork' if it does not.");
  cmd->add_option("OLD", o->old_note, "The earlier checkpoint note")->required();
  cmd->add_option("NEW", o->new_note, "The later checkpoint note")->required();
  cmd->add_option("--proof", o->proof, "The consistency proof file")->required();
  cmd->add_option("--key", o->keys, "A trusted verifier key (repeatable)")->required();
  SetBody(cmd, [o] {
    auto keys = ParseVerifierKeys(o->keys);
    if (!keys) return Report(keys.error());
    auto proof_text = ReadNoteFile(o->proof, "consistency proof");
    if (!proof_text) return Report(proof_text.error());
    auto proof = ParseProof(*proof_text);
    if (!proof) return Report(proof.error());
    tp::TreeHead heads[2];
    const std::string* paths[2] = {&o->old_note, &o->new_note};
    for (int i = 0; i < 2; ++i) {
      auto bytes = ReadNoteFile(*paths[i], "checkpoint note");
      if (!bytes) return Report(bytes.error());
      auto verified = vault::VerifyCheckpointNote(*bytes, *keys);
      if (!verified) return Report(verified.error().With(*paths[i]));
      heads[i] = verified->head;
    }
    if (heads[0].origin != heads[1].origin)
      return Report(Error{Code::kUsage, "the notes are checkpoints of two logs: '" + heads[0].origin + "' and '" +
                                            heads[1].origin + "'"});
    std::string problem;
    if (heads[0].size > heads[1].size)
      problem = "rollback: the new checkpoint's tree (" + std::to_string(heads[1].size) + ") is smaller than the old's (" +
                std::to_string(heads[0].size) + ")";
    else if (heads[0].size == heads[1].size && heads[0].root != heads[1].root)
      problem = "fork: both checkpoints hold " + std::to_string(heads[0].size) + " events with different roots";
    else if (!tp::VerifyConsistency(heads[0].size, heads[0].root, heads[1].size, heads[1].root, *proof))
      problem = "rollback or fork: the proof does not show the new tree extends the old";
    if (!problem.empty()) return Report(Error{Code::kCorrupt, problem});
    std::cout << "consistent: " << heads[1].origin << " " << heads[0].size << " -> " << heads[1].size
              << " events (" << proof->size() << " proof hashes)\n";
    return 0;
  });
}

}  // namespace

void RegisterCheckpointCommands(CLI::App& app) {
  struct Opts { std::string vault, as, passphrase_file, out; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "checkpoint",
      "Print a signed checkpoint of VAULT: a C2SP signed note (tlog-checkpoint) naming the vault, the "
      "number of ledger events and the RFC 6962 root hash over them, signed (Ed25519) by the member "
      "--as. Keep it off the drive; 'custody audit VAULT --checkpoint NOTE' later proves the vault "
      "extends it, or reports a rollback or fork (exit 5). Without --as, prints the unsigned body.");
  cmd->add_option("VAULT", o->vault);
  cmd->add_option("-i,--as", o->as, "Signer's identity file (any member, an auditor included)");
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  cmd->add_option("-o,--out", o->out, "Write the note to FILE, which must not exist (default: stdout)");
  RegisterCosign(*cmd);
  RegisterKey(*cmd);
  RegisterLeaves(*cmd);
  RegisterVerify(*cmd);
  SetBody(cmd, [o, cmd] {
    if (!cmd->get_subcommands().empty()) return LastExit();  // a subcommand ran and set it
    if (o->vault.empty()) return Report(Error{Code::kUsage, "checkpoint needs VAULT (or a subcommand)"});
    auto t = OpenTree(o->vault);
    if (!t) return Report(t.error());
    std::string text;
    if (o->as.empty()) {
      text = tp::FormatCheckpoint({vault::CheckpointOrigin(t->vault->id_hex()), t->tree.size(), t->tree.Root(), {}});
    } else {
      auto id = UnlockMember(*t->vault, o->as, o->passphrase_file, "signer");
      if (!id) return Report(id.error());
      text = vault::SignCheckpointNote(t->vault->id_hex(), t->tree, (*id)->signing());
    }
    if (auto s = WriteOut(o->out, text); !s) return Report(s.error());
    return 0;
  });
}

}  // namespace custody::cli
