#include "vault/ledger/state.h"

#include <algorithm>

namespace custody::vault {

const char* RoleName(format::Role role) {
  switch (role) {
    case format::ROLE_OFFICER: return "officer";
    case format::ROLE_STAFF: return "staff";
    case format::ROLE_AUDITOR: return "auditor";
    default: return "unknown";
  }
}

const format::Member* VaultState::FindMember(const std::string& key) const {
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

const format::KeySlot* FindSlot(const VaultState& s, const std::string& member, uint32_t level) {
  auto it = s.slots.find({member, level});
  return it == s.slots.end() ? nullptr : &it->second;
}

std::string VaultState::AuthorityHead() const {
  return authority.empty() ? std::string(32, '\0') : authority.back().hash();
}

int VaultState::HighestLevelHeld() const {
  for (int level = static_cast<int>(live_documents.size()) - 1; level >= 0; --level)
    if (live_documents[level] > 0) return level;
  return -1;
}

}  // namespace custody::vault
