// Auditor checkpoints at scale (issue 11, target: consistency proof and
// checkpoint verification at 1,000,000 events <= 50 ms). Builds the RFC 6962
// tree of N pseudo-events (256 bytes each, as small ledger events are), then
// per repetition times, for several old sizes m:
//   proof   MerkleTree::ConsistencyProof(m, N) + VerifyConsistency
//   note    vault::CheckCheckpointNote: parse a signed C2SP note of size m,
//           verify its Ed25519 signature against a 3-member roster, prove
//           and verify consistency to N (what audit --checkpoint does once
//           its replay has built the tree)
// and prints the range over repetitions of the slowest m. Reading the events
// from disk is audit's own cost and is not in these numbers.
// Usage: checkpoint_bench [N] [REPS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/hardening.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "vault/auditor_checkpoint.h"
#include "vault/transparency/merkle.h"

namespace {
double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace

int main(int argc, char** argv) {
  using namespace custody;
  namespace tp = transparency;
  (void)crypto::InitializeProcess();
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string event(256, '\0');
  tp::MerkleTree tree;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    std::snprintf(event.data(), event.size(), "event %llu", static_cast<unsigned long long>(i));
    tree.Append(event);
  }
  std::printf("tree of %llu events built in %.0f ms (audit does this during its replay)\n",
              static_cast<unsigned long long>(n), Ms(std::chrono::steady_clock::now() - t0));

  const std::string vault_id = "00112233445566778899aabbccddeeff";
  std::vector<crypto::SigningKeyPair> members;
  std::vector<crypto::Ed25519Public> roster;
  for (int i = 0; i < 3; ++i) {
    members.push_back(crypto::GenerateSigningKey());
    roster.push_back(members.back().public_key);
  }
  const std::vector<uint64_t> olds = {1, n / 3, n / 2, (n / 2) | 1, n - 1, n - 1000, 1 + (n * 7) / 11};
  // A tree of each old size m to sign: same leaves, so the note is consistent.
  std::vector<std::string> notes;
  for (uint64_t m : olds) {
    tp::Note note;
    note.text = tp::FormatCheckpoint({vault::CheckpointOrigin(vault_id), m, tree.Root(m), {}});
    note.signatures.push_back(
        tp::SignNote(note.text, vault::CheckpointSignerName(vault_id, members[2].public_key), members[2]));
    notes.push_back(tp::FormatNote(note));
  }
  std::vector<double> proof_ms, note_ms;
  size_t longest = 0;
  for (int r = 0; r < reps; ++r) {
    double worst_proof = 0, worst_note = 0;
    for (size_t i = 0; i < olds.size(); ++i) {
      auto a = std::chrono::steady_clock::now();
      auto proof = tree.ConsistencyProof(olds[i], n);
      const bool ok = tp::VerifyConsistency(olds[i], tree.Root(olds[i]), n, tree.Root(), proof);
      auto b = std::chrono::steady_clock::now();
      auto f = vault::CheckCheckpointNote(vault_id, tree, roster, {}, notes[i]);
      auto c = std::chrono::steady_clock::now();
      if (!ok || !f || !f->problem.empty()) {
        std::fprintf(stderr, "checkpoint_bench: verification failed at m=%llu\n",
                     static_cast<unsigned long long>(olds[i]));
        return 1;
      }
      longest = std::max(longest, proof.size());
      worst_proof = std::max(worst_proof, Ms(b - a));
      worst_note = std::max(worst_note, Ms(c - b));
    }
    proof_ms.push_back(worst_proof);
    note_ms.push_back(worst_note);
  }
  auto range = [](const std::vector<double>& v) {
    return std::pair{*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
  };
  auto [p0, p1] = range(proof_ms);
  auto [c0, c1] = range(note_ms);
  std::printf("N=%llu, %d reps, slowest of %zu old sizes each rep (longest proof %zu hashes)\n",
              static_cast<unsigned long long>(n), reps, olds.size(), longest);
  std::printf("consistency proof + verify:       %.3f - %.3f ms  (target <= 50 ms)\n", p0, p1);
  std::printf("checkpoint note check (sig+proof): %.3f - %.3f ms  (target <= 50 ms)\n", c0, c1);
  return 0;
}
