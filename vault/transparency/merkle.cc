// See merkle.h; the proof algorithms are RFC 6962 §2.1.2 (generation) and
// RFC 9162 §2.1.4.2 (verification), kept in their shape so they can be read
// side by side with the RFCs.
#include "vault/transparency/merkle.h"

#include <bit>

namespace custody::transparency {

namespace {
// The largest power of two strictly below n. REQUIRES: n >= 2.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }
}  // namespace

Hash256 LeafHash(std::string_view entry) {
  crypto::Sha256Hasher h;
  const uint8_t prefix = 0x00;
  h.Update(std::span<const uint8_t>(&prefix, 1));
  h.Update(entry);
  return h.Final();
}

Hash256 NodeHash(const Hash256& left, const Hash256& right) {
  crypto::Sha256Hasher h;
  const uint8_t prefix = 0x01;
  h.Update(std::span<const uint8_t>(&prefix, 1));
  h.Update(left);
  h.Update(right);
  return h.Final();
}

Hash256 EmptyTreeHash() { return crypto::Sha256Hasher().Final(); }

void MerkleTree::AppendLeafHash(const Hash256& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each time a level's count becomes even, its last two hashes complete a
  // subtree one level up.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const auto& level = levels_[k];
    levels_[k + 1].push_back(NodeHash(level[level.size() - 2], level.back()));
  }
}

Hash256 MerkleTree::SubtreeHash(uint64_t lo, uint64_t hi) const {
  const uint64_t width = hi - lo;
  if (std::has_single_bit(width) && lo % width == 0) {
    const int k = std::countr_zero(width);
    return levels_[k][lo >> k];
  }
  const uint64_t k = SplitPoint(width);
  return NodeHash(SubtreeHash(lo, lo + k), SubtreeHash(lo + k, hi));
}

Hash256 MerkleTree::Root(uint64_t n) const { return n == 0 ? EmptyTreeHash() : SubtreeHash(0, n); }

// SUBPROOF(m, D[lo:hi], complete) of RFC 6962 §2.1.2, m counted from lo.
void MerkleTree::SubProof(uint64_t m, uint64_t lo, uint64_t hi, bool complete,
                          std::vector<Hash256>& out) const {
  const uint64_t n = hi - lo;
  if (m == n) {
    if (!complete) out.push_back(SubtreeHash(lo, hi));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, lo, lo + k, complete, out);
    out.push_back(SubtreeHash(lo + k, hi));
  } else {
    SubProof(m - k, lo + k, hi, false, out);
    out.push_back(SubtreeHash(lo, lo + k));
  }
}

std::vector<Hash256> MerkleTree::ConsistencyProof(uint64_t m, uint64_t n) const {
  std::vector<Hash256> out;
  if (m == 0 || m == n) return out;
  SubProof(m, 0, n, true, out);
  return out;
}

bool VerifyConsistency(uint64_t old_size, const Hash256& old_root, uint64_t new_size,
                       const Hash256& new_root, std::span<const Hash256> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty() && old_root == EmptyTreeHash();
  if (proof.empty()) return false;
  // When old_size is a power of two, the old tree is itself a node of the
  // new one and the proof omits it.
  std::vector<Hash256> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash256& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace custody::transparency
