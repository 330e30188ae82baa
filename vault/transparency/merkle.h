// The RFC 6962 (RFC 9162 §2.1) Merkle tree hash, with SHA-256 as RFC 6962
// and the C2SP tlog specs require: leaf = SHA-256(0x00 || entry), node =
// SHA-256(0x01 || left || right), the empty tree = SHA-256(""). Over a
// vault, an entry is one ledger event's exact stored bytes (the EVENT
// record's payload), in ledger order (README "Auditor checkpoints").
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace custody::transparency {

using crypto::Hash256;

Hash256 LeafHash(std::string_view entry);
Hash256 NodeHash(const Hash256& left, const Hash256& right);
Hash256 EmptyTreeHash();

// An append-only tree that answers root and consistency-proof queries for
// any size up to its own in O(log n) hash lookups: it keeps, per level k,
// the hash of every complete, aligned subtree of 2^k leaves (the layout of
// Go's tlog "stored hashes", in vectors per level): about 2n hashes, 64 MB
// at 1,000,000 leaves. Not thread-safe for writing; const methods may run
// concurrently.
class MerkleTree {
 public:
  void Append(std::string_view entry) { AppendLeafHash(LeafHash(entry)); }
  void AppendLeafHash(const Hash256& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // The tree hash of the first `n` leaves. REQUIRES: n <= size().
  Hash256 Root(uint64_t n) const;
  Hash256 Root() const { return Root(size()); }
  // The RFC 6962 §2.1.2 consistency proof that the tree of the first `m`
  // leaves is a prefix of the tree of the first `n`: empty if m == 0 or
  // m == n. REQUIRES: m <= n <= size().
  std::vector<Hash256> ConsistencyProof(uint64_t m, uint64_t n) const;

 private:
  // MTH(D[lo:hi]); one lookup when the range is a complete aligned subtree.
  Hash256 SubtreeHash(uint64_t lo, uint64_t hi) const;
  void SubProof(uint64_t m, uint64_t lo, uint64_t hi, bool complete, std::vector<Hash256>& out) const;
  std::vector<std::vector<Hash256>> levels_;
};

// RFC 9162 §2.1.4.2: true iff `proof` shows that the tree of `old_size`
// leaves with root `old_root` is a prefix of the tree of `new_size` leaves
// with root `new_root`. old_size == new_size holds iff the roots are equal
// and the proof is empty; old_size == 0 iff `old_root` is the empty tree's
// hash and the proof is empty; old_size > new_size never holds.
bool VerifyConsistency(uint64_t old_size, const Hash256& old_root, uint64_t new_size,
                       const Hash256& new_root, std::span<const Hash256> proof);

}  // namespace custody::transparency
