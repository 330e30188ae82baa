// Names the vault accepts from callers: level names and registration
// numbers, and the automatic registration numbers (FORMAT.md §3.7,
// "Registration numbers").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "vault/ledger/state.h"

namespace custody::vault {

// A level name: 1 to kMaxLevelNameChars characters (and at most
// kMaxLevelNameBytes bytes of UTF-8), each a letter of any script that is
// not upper case, a digit 0-9 or '-', the first a letter: "secret",
// "top-secret", "秘密", "streng-geheim". Case is not folded, so upper case
// is refused rather than allowing "Secret" beside "secret".
inline constexpr size_t kMaxLevelNameChars = 32;
inline constexpr size_t kMaxLevelNameBytes = 128;
bool IsValidLevelName(const std::string& name);

// [A-Za-z0-9][A-Za-z0-9._/-]{0,63}
bool IsValidRegNo(const std::string& reg_no);

// The next free automatic number at `level` in `year`:
// "<initials of the level name>-<year>-<sequence, 5 digits>", e.g. S-2026-00001.
// REQUIRES: level < state.level_names.size(). kCorrupt if a catalog page
// on the way is damaged.
Result<std::string> NextRegNo(const VaultState& state, uint32_t level, int year);

}  // namespace custody::vault
