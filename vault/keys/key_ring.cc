#include "vault/keys/key_ring.h"

#include <algorithm>

#include "crypto/aead.h"
#include "crypto/sealed_box.h"
#include "format/constants.h"
#include "format/endian.h"

namespace custody::vault {

KeyRing::KeyRing(size_t levels) : keys_(levels * kLevelKeySize), has_(levels, false) {}

std::span<const uint8_t> KeyRing::Key(uint32_t level) const {
  return keys_.slice(level * kLevelKeySize, kLevelKeySize);
}

void KeyRing::Set(uint32_t level, std::span<const uint8_t> key) {
  std::copy(key.begin(), key.end(), keys_.data() + level * kLevelKeySize);
  has_[level] = true;
}

bool SlotCache::OpenInto(const Identity& id, const std::string& sealed, uint32_t level, KeyRing& ring) {
  const auto& pub = id.x25519().public_key;
  std::string key(reinterpret_cast<const char*>(pub.data()), pub.size());
  key += sealed;
  std::lock_guard lock(mu_);
  auto hit = keys_.find(key);
  if (hit == keys_.end()) {
    auto opened = crypto::OpenSealed(id.x25519(), sealed);
    if (!opened || opened->size() != kLevelKeySize) return false;
    if (keys_.size() >= kMaxKeys) keys_.clear();
    hit = keys_.emplace(std::move(key), std::move(*opened)).first;
  }
  ring.Set(level, hit->second.span());
  return true;
}

Result<std::unique_ptr<KeyRing>> OpenKeySlots(const VaultState& state, const format::Member& member,
                                              const Identity& id, SlotCache* cache) {
  auto ring = std::make_unique<KeyRing>(state.level_names.size());
  const int32_t top = std::min<int32_t>(member.clearance(),
                                        static_cast<int32_t>(state.level_names.size()) - 1);
  for (int32_t level = 0; level <= top; ++level) {
    auto* slot = FindSlot(state, member.keys().ed25519(), static_cast<uint32_t>(level));
    if (slot == nullptr) continue;
    bool opened;
    if (cache != nullptr) {
      opened = cache->OpenInto(id, slot->sealed_key(), static_cast<uint32_t>(level), *ring);
    } else {
      auto key = crypto::OpenSealed(id.x25519(), slot->sealed_key());
      opened = key && key->size() == kLevelKeySize;
      if (opened) ring->Set(static_cast<uint32_t>(level), key->span());
    }
    if (!opened)
      return Fail(Code::kCorrupt, "key slot for level " + state.level_names[level] + " of '" +
                                      id.public_identity().name +
                                      "' does not open (damaged or not sealed to this identity)");
  }
  return ring;
}

namespace {
std::string LineageAd(const std::string& vault_id, uint32_t level, uint32_t epoch) {
  std::string ad(format::kAdLineage);
  ad += vault_id;
  format::PutLe32(ad, level);
  format::PutLe32(ad, epoch);
  return ad;
}
}  // namespace

std::string SealLineageLink(std::span<const uint8_t> new_key, std::span<const uint8_t> old_key,
                            const std::string& vault_id, uint32_t level, uint32_t new_epoch) {
  return crypto::AeadSealString(new_key, {reinterpret_cast<const char*>(old_key.data()), old_key.size()},
                                LineageAd(vault_id, level, new_epoch));
}

Result<crypto::SecretBytes> LevelKeyAt(const KeyRing& ring, const VaultState& state, uint32_t level,
                                       uint32_t epoch) {
  if (!ring.Has(level) || level >= state.epochs.size())
    return Fail(Code::kNotCleared, "no key for level " + std::to_string(level));
  const uint32_t current = state.epochs[level];
  if (epoch > current)
    return Fail(Code::kCorrupt, "a key record names epoch " + std::to_string(epoch) +
                                    " of a level whose newest is " + std::to_string(current));
  auto key = crypto::SecretBytes::CopyOf(ring.Key(level));
  for (uint32_t e = current; e > epoch; --e) {
    auto link = state.lineage.find({level, e});
    if (link == state.lineage.end())
      return Fail(Code::kCorrupt, "no key link from epoch " + std::to_string(e) + " of level " +
                                      state.level_names[level] + " (a key record older than the lineage)");
    auto older = crypto::AeadOpenSecret(key.span(), link->second, LineageAd(state.vault_id, level, e));
    if (!older || older->size() != kLevelKeySize)
      return Fail(Code::kCorrupt, "the key link to epoch " + std::to_string(e - 1) + " of level " +
                                      state.level_names[level] + " does not open");
    key = std::move(*older);
  }
  return key;
}

Result<format::KeySlot> SealKeySlot(const format::Member& member, uint32_t level, uint32_t epoch,
                                    std::span<const uint8_t> level_key) {
  crypto::X25519Public pub{};
  std::copy(member.keys().x25519().begin(), member.keys().x25519().end(), pub.begin());
  format::KeySlot slot;
  slot.set_member_ed25519(member.keys().ed25519());
  slot.set_level(level);
  slot.set_epoch(epoch);
  auto sealed = crypto::SealTo(pub, level_key);
  if (!sealed) return std::unexpected(sealed.error().With("'" + member.keys().name() + "'"));
  slot.set_sealed_key(std::move(*sealed));
  return slot;
}

}  // namespace custody::vault
