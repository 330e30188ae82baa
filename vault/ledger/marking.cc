#include "vault/ledger/marking.h"

namespace custody::vault {

Status CheckOuterMarking(const format::Superblock& sb, const VaultState& state) {
  bool levels_match = static_cast<size_t>(sb.level_names_size()) == state.level_names.size();
  for (size_t i = 0; levels_match && i < state.level_names.size(); ++i)
    levels_match = sb.level_names(static_cast<int>(i)) == state.level_names[i];
  if (sb.vault_id() != state.vault_id || sb.label() != state.label || !levels_match)
    return Fail(Code::kCorrupt, "the outer marking (vault id, label or levels) differs from the "
                                "signed ledger");
  if (sb.highest_level_held() != state.HighestLevelHeld())
    return Fail(Code::kCorrupt, "the outer marking names the wrong highest level held");
  return {};
}

}  // namespace custody::vault
