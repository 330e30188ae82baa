#include "vault/ledger/state.h"

#include <algorithm>

#include "base/clock.h"

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

const VaultState::MediumState* VaultState::FindMedium(const format::Medium& m) const {
  for (const auto& [number, ms] : media) {
    const format::Medium& r = ms.registered.medium();
    if (r.fs_id() == m.fs_id() && r.serial() == m.serial() && r.size_bytes() == m.size_bytes()) return &ms;
  }
  return nullptr;
}

std::vector<const format::Extent*> DocumentExtents(const format::DocumentState& d) {
  std::vector<const format::Extent*> out;
  for (const auto& v : d.earlier_versions()) out.push_back(&v.extent());
  out.push_back(&d.added().extent());
  return out;
}

const format::KeySlot* FindSlot(const VaultState& s, const std::string& member, uint32_t level) {
  auto it = s.slots.find({member, level});
  return it == s.slots.end() ? nullptr : &it->second;
}

std::string VaultState::AuthorityHead() const {
  return authority.empty() ? std::string(32, '\0') : authority.back().hash();
}

int64_t VaultState::DueUnix(int64_t added_unix, bool urgent) const {
  if (urgent) return EndOfUtcDay(added_unix);
  return added_unix + int64_t{due_days} * 86400;
}

int64_t VaultState::ClassifiedUntilUnix(uint32_t level, int64_t added_unix) const {
  // The default profile: none for the lowest level ("internal"), then the
  // periods of REQUIREMENTS.md 1.5 (confidential 10, secret 20, top secret
  // 30 years), and 30 for any level above.
  static constexpr uint32_t kDefaultYears[] = {0, 10, 20, 30};
  const uint32_t years = level < classification_years.size() ? classification_years[level]
                         : level < 4                          ? kDefaultYears[level]
                                                              : 30;
  return years == 0 ? 0 : AddUtcYears(added_unix, years);
}

int VaultState::HighestLevelHeld() const {
  for (int level = static_cast<int>(live_documents.size()) - 1; level >= 0; --level)
    if (live_documents[level] > 0) return level;
  return -1;
}

}  // namespace custody::vault
