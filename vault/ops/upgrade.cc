// Upgrading a format v1 vault to v2 in place (FORMAT.md §3.15). The v1
// history is kept byte for byte (its signatures stay valid); one signed
// Upgraded event lists the v1 authority events, which carry no authority
// links, so that the v2 chain covers them; a v2 checkpoint follows in the
// same commit. The commit is the ordinary atomic one: until the superblock
// write, the file is the v1 vault it was.
#include "format/constants.h"
#include "vault/ops/internal.h"

namespace custody::vault {

Status Vault::Upgrade(const std::string& path, const Identity& officer, Env* env, const Clock* clock) {
  // A v1 vault vouches for its own checkpoints; only a full audit shows the
  // history worth carrying over.
  CUSTODY_ASSIGN(AuditReport report, Audit(path, env));
  if (!report.ok())
    return Fail(Code::kCorrupt, path + ": refusing to upgrade a vault whose audit fails (" +
                                    report.problems.front().where + ": " +
                                    report.problems.front().message + "); run 'custody audit " +
                                    path + "'");
  CUSTODY_ASSIGN(auto v, OpenAs(path, Access::kWrite, env, clock, /*for_upgrade=*/true));
  const uint32_t version = v->container_->superblock().format_version();
  if (version >= format::kFirstLinkedFormatVersion)
    return Fail(Code::kUsage, path + " is already format v" + std::to_string(version) +
                                  (version < format::kFormatVersion
                                       ? "; its next write stores it as format v" + std::to_string(format::kFormatVersion)
                                       : ""));
  CUSTODY_ASSIGN(const format::Member* m, RequireMember(*v->state_, officer, path));
  CUSTODY_TRY(RequireOfficer(*m, officer, "upgrade a vault"));
  WriteScope scope(v.get());
  format::Event ev;
  auto* u = ev.mutable_upgraded();
  u->set_previous_event_count(v->state_->event_count);
  u->set_previous_ledger_head(v->state_->ledger_head);
  for (const auto& a : v->state_->authority) u->add_v1_authority(a.hash());
  CUSTODY_TRY(v->AppendEvent(std::move(ev), {&officer}));
  return v->CommitAll(officer, scope);
}

}  // namespace custody::vault
