#include "vault/ops/policy.h"

#include "base/clock.h"

namespace custody::vault {

namespace {
template <typename Bytes>
std::string Raw(const Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
}  // namespace

std::string SigningKeyOf(const Identity& id) { return SigningKeyOf(id.public_identity()); }
std::string SigningKeyOf(const PublicIdentity& id) { return Raw(id.ed25519); }

format::Member MemberOf(const PublicIdentity& id, format::Role role, int32_t clearance) {
  format::Member m;
  m.mutable_keys()->set_name(id.name);
  m.mutable_keys()->set_x25519(Raw(id.x25519));
  m.mutable_keys()->set_ed25519(Raw(id.ed25519));
  m.set_role(role);
  m.set_clearance(clearance);
  return m;
}

Result<const format::Member*> RequireMember(const VaultState& state, const PublicIdentity& pub,
                                            const std::string& vault_path) {
  const format::Member* m = state.FindMember(SigningKeyOf(pub));
  if (m == nullptr)
    return Fail(Code::kAuth, "identity '" + pub.name + "' (" + pub.Fingerprint() +
                                 ") is not in the roster of vault " + vault_path);
  if (m->revoked())
    return Fail(Code::kAuth, "identity '" + pub.name + "' (" + pub.Fingerprint() +
                                 ") was revoked from vault " + vault_path);
  return m;
}

Status RequireGrantCurrent(const format::Member& member, const PublicIdentity& id, int64_t now) {
  if (member.until_unix() == 0 || now <= member.until_unix()) return {};
  return Fail(Code::kAuth, "the grant of '" + id.name + "' (" + id.Fingerprint() + ") expired at " +
                               UtcDateTime(member.until_unix()) + "; an officer must grant again");
}

Status RequireOfficer(const format::Member& member, const PublicIdentity& id, std::string_view act) {
  if (member.role() == format::ROLE_OFFICER) return {};
  return Fail(Code::kAuth, "only a secrecy officer may " + std::string(act) + "; '" + id.name +
                               "' is " + RoleName(member.role()));
}

Status RequireDistinctCosigner(const PublicIdentity& actor, const PublicIdentity& cosigner,
                               std::string_view cosigner_role, std::string_view actor_role) {
  if (actor.ed25519 != cosigner.ed25519) return {};
  return Fail(Code::kUsage, "the " + std::string(cosigner_role) +
                                " must be a different identity from the " + std::string(actor_role));
}

}  // namespace custody::vault
