#include "vault/keys/key_ring.h"

#include <algorithm>

#include "crypto/sealed_box.h"

namespace custody::vault {

KeyRing::KeyRing(size_t levels) : keys_(levels * kLevelKeySize), has_(levels, false) {}

std::span<const uint8_t> KeyRing::Key(uint32_t level) const {
  return keys_.slice(level * kLevelKeySize, kLevelKeySize);
}

void KeyRing::Set(uint32_t level, std::span<const uint8_t> key) {
  std::copy(key.begin(), key.end(), keys_.data() + level * kLevelKeySize);
  has_[level] = true;
}

Result<std::unique_ptr<KeyRing>> OpenKeySlots(const VaultState& state, const format::Member& member,
                                              const Identity& id) {
  auto ring = std::make_unique<KeyRing>(state.level_names.size());
  const int32_t top = std::min<int32_t>(member.clearance(),
                                        static_cast<int32_t>(state.level_names.size()) - 1);
  for (int32_t level = 0; level <= top; ++level) {
    auto* slot = FindSlot(state, member.keys().ed25519(), static_cast<uint32_t>(level));
    if (slot == nullptr) continue;
    auto key = crypto::OpenSealed(id.x25519(), slot->sealed_key());
    if (!key || key->size() != kLevelKeySize)
      return Fail(Code::kCorrupt, "key slot for level " + state.level_names[level] + " of '" +
                                      id.public_identity().name +
                                      "' does not open (damaged or not sealed to this identity)");
    ring->Set(static_cast<uint32_t>(level), key->span());
  }
  return ring;
}

format::KeySlot SealKeySlot(const format::Member& member, uint32_t level, uint32_t epoch,
                            std::span<const uint8_t> level_key) {
  crypto::X25519Public pub{};
  std::copy(member.keys().x25519().begin(), member.keys().x25519().end(), pub.begin());
  format::KeySlot slot;
  slot.set_member_ed25519(member.keys().ed25519());
  slot.set_level(level);
  slot.set_epoch(epoch);
  slot.set_sealed_key(crypto::SealTo(pub, level_key));
  return slot;
}

}  // namespace custody::vault
