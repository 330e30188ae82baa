#include "vault/ledger/rules.h"

#include <algorithm>

#include "crypto/signing.h"
#include "format/constants.h"

namespace custody::vault {

std::unexpected<Error> Broken(const format::Event& e, const std::string& why) {
  return Fail(Code::kCorrupt, "ledger event " + std::to_string(e.sequence()) + " breaks the rules: " + why);
}

bool IsLiveMember(const VaultState& s, const std::string& key) {
  auto* m = s.FindMember(key);
  return m != nullptr && !m->revoked();
}

Result<const format::DocumentState*> DocumentReadBy(const format::Event& e, const VaultState& s,
                                                    const std::string& reg_no,
                                                    const std::string& doc_id, std::string_view act) {
  CUSTODY_ASSIGN(const auto* d, FindNamedDocument(s, reg_no, doc_id));
  if (d == nullptr) return Broken(e, std::string(act) + " of an unknown document");
  auto* m = s.FindMember(e.actor_ed25519());
  if (!m || m->revoked() || m->clearance() < static_cast<int32_t>(d->added().level()))
    return Broken(e, std::string(act) + " by someone not cleared");
  if (d->destroyed()) return Broken(e, std::string(act) + " of a destroyed document");
  return d;
}

bool ValidKeyRef(const format::KeyRef& key, const std::string& doc_id) {
  return key.hash().size() == 32 && key.doc_id() == doc_id && key.offset() >= format::kLogStart;
}

bool ValidExtentGeometry(const format::Extent& x) {
  return x.root_hash().size() == 32 && x.chunk_size() != 0 && x.chunk_size() <= format::kMaxChunkSize &&
         x.chunk_count() != 0 && x.offset() >= format::kLogStart &&
         x.chunk_count() <= x.length() / format::kChunkOverhead;
}

bool IsOfficer(const VaultState& s, const std::string& key) {
  auto* m = s.FindMember(key);
  return m != nullptr && !m->revoked() && m->role() == format::ROLE_OFFICER;
}

Status RequireOfficer(const format::Event& e, const VaultState& s, std::string_view act) {
  if (!IsOfficer(s, e.actor_ed25519()))
    return Broken(e, std::string(act) + " by someone who is not an officer");
  return {};
}

Status CheckSlots(const format::Event& e,
                  const google::protobuf::RepeatedPtrField<format::KeySlot>& slots,
                  const std::vector<uint32_t>& epochs) {
  for (const auto& slot : slots) {
    if (slot.level() >= epochs.size()) return Broken(e, "key slot for an unknown level");
    if (slot.epoch() != epochs[slot.level()]) return Broken(e, "key slot for a stale epoch");
    if (slot.sealed_key().size() != 80) return Broken(e, "key slot has the wrong size");
  }
  return {};
}

Result<const format::DocumentState*> FindNamedDocument(const VaultState& s, const std::string& reg_no,
                                                       const std::string& doc_id) {
  CUSTODY_ASSIGN(const auto* d, s.FindDocument(reg_no));
  return d != nullptr && d->added().doc_id() == doc_id ? d : nullptr;
}

bool IsValidSigningKeyBytes(const std::string& ed25519) {
  crypto::Ed25519Public pub{};
  if (ed25519.size() != pub.size()) return false;
  std::copy(ed25519.begin(), ed25519.end(), pub.begin());
  return crypto::IsValidSigningKey(pub);
}

bool SignatureVerifies(const std::string& signer_ed25519, std::string_view body,
                       std::string_view signature) {
  crypto::Ed25519Public pub{};
  if (signer_ed25519.size() != pub.size()) return false;
  std::copy(signer_ed25519.begin(), signer_ed25519.end(), pub.begin());
  return crypto::Verify(pub, body, signature);
}

}  // namespace custody::vault
