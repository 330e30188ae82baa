// Upgraded: FORMAT.md §3.8 and §3.15, rule R105. The boundary between the
// v1 events of an upgraded vault and its v2 events: it names the ledger it
// follows, and lists the v1 authority events, which carry no links of their
// own, so that the authority chain covers them too.
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Status ApplyUpgraded(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  const auto& u = e.upgraded();
  CUSTODY_TRY(RequireOfficer(e, s, "upgrade"));
  if (s.linked) return Broken(e, "upgrade of a vault that is already format v2");
  // The authority-only replay does not know the full count; the hash list
  // below pins what it needs.
  if (!s.authority_only &&
      (u.previous_event_count() != s.event_count || u.previous_ledger_head() != s.ledger_head))
    return Broken(e, "upgrade does not name the ledger it follows");
  if (static_cast<size_t>(u.v1_authority_size()) != s.authority.size())
    return Broken(e, "upgrade lists " + std::to_string(u.v1_authority_size()) +
                         " v1 authority events, the ledger holds " + std::to_string(s.authority.size()));
  for (int i = 0; i < u.v1_authority_size(); ++i)
    if (u.v1_authority(i) != s.authority[static_cast<size_t>(i)].hash())
      return Broken(e, "upgrade lists v1 authority event " + std::to_string(i) + " wrongly");
  return {};
}

}  // namespace custody::vault
