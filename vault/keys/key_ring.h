// Level keys: one random 256-bit key per classification level and epoch,
// sealed (crypto_box_seal) to the X25519 key of every member cleared for it.
// See format/FORMAT.md §4.2 "Key hierarchy".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/secret_bytes.h"
#include "format/custody.pb.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"

namespace custody::vault {

inline constexpr size_t kLevelKeySize = 32;

// The level keys one unlocked member holds, in one locked allocation
// (sodium_malloc: guarded, never swapped, zeroed on destruction).
class KeyRing {
 public:
  explicit KeyRing(size_t levels);
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  size_t levels() const { return has_.size(); }
  bool Has(uint32_t level) const { return level < has_.size() && has_[level]; }
  // REQUIRES: Has(level). The span lives as long as the ring.
  std::span<const uint8_t> Key(uint32_t level) const;
  // REQUIRES: level < levels() and key.size() == kLevelKeySize.
  void Set(uint32_t level, std::span<const uint8_t> key);

 private:
  crypto::SecretBytes keys_;
  std::vector<bool> has_;
};

// Level keys already opened from key slots, by identity and the slot's
// sealed bytes. Opening a slot is an X25519 agreement, and a mount unlocks
// for every commit and every first open. The same sealed bytes opened by
// the same identity always give the same key, so a hit is exactly what
// opening again would give; a slot replaced by a grant, a rotation or a
// revocation has other bytes and is opened afresh. Keys are in locked
// memory, dropped with the cache. Thread-safe.
class SlotCache {
 public:
  // Sets `ring`'s key of `level` to the one `sealed` opens for `id`.
  // False if it does not open.
  bool OpenInto(const Identity& id, const std::string& sealed, uint32_t level, KeyRing& ring);

 private:
  static constexpr size_t kMaxKeys = 64;  // a session's slots: a few per level
  std::mutex mu_;
  std::map<std::string, crypto::SecretBytes> keys_;  // GUARDED_BY(mu_)
};

// Opens every key slot `state` holds for `member` at the levels up to their
// clearance, with `id`'s X25519 key. kCorrupt naming the level if a slot
// does not open (damaged, or not sealed to this identity). A member without
// clearance (an auditor) gets an empty ring.
// REQUIRES: `member` is `id`'s roster entry in `state`.
// `cache`, if given, keeps the opened keys for the next unlock.
Result<std::unique_ptr<KeyRing>> OpenKeySlots(const VaultState& state, const format::Member& member,
                                              const Identity& id, SlotCache* cache = nullptr);

// The key of `level` at `epoch` (≤ the ring's current epoch of that level),
// recovered from the ring's current key along the lineage links of
// `state` (FORMAT.md §3.14 "Revocation"): one AEAD open per epoch walked.
// kNotCleared if the ring lacks the level; kCorrupt if a link is missing or
// does not open.
Result<crypto::SecretBytes> LevelKeyAt(const KeyRing& ring, const VaultState& state, uint32_t level,
                                       uint32_t epoch);

// The lineage link that lets holders of `new_key` (level `level`, epoch
// `new_epoch`) recover `old_key`, the key of epoch new_epoch - 1.
std::string SealLineageLink(std::span<const uint8_t> new_key, std::span<const uint8_t> old_key,
                            const std::string& vault_id, uint32_t level, uint32_t new_epoch);

// A key slot sealing `level_key` (level `level`, epoch `epoch`) to `member`.
// kUsage if the member's X25519 key is a low-order point.
Result<format::KeySlot> SealKeySlot(const format::Member& member, uint32_t level, uint32_t epoch,
                                    std::span<const uint8_t> level_key);

}  // namespace custody::vault
