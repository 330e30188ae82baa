// Levels and clearances by index, for tests that speak of "level 2" of a
// vault they just made. Production code names levels (Vault::LevelIndex).
#pragma once

#include <optional>
#include <stdexcept>

#include "vault/vault.h"

namespace custody::testutil {

// Level `index` of `v`; throws (failing the test) if `v` has no such level.
inline vault::Level LevelAt(const vault::Vault& v, int index) {
  auto level = v.LevelAt(static_cast<uint32_t>(index));
  if (!level) throw std::invalid_argument(level.error().message);
  return *level;
}

// A clearance up to level `index`; -1 means none (an auditor's).
inline std::optional<vault::Level> ClearanceAt(const vault::Vault& v, int index) {
  if (index < 0) return std::nullopt;
  return LevelAt(v, index);
}

}  // namespace custody::testutil
