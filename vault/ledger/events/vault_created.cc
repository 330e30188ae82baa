// VaultCreated (event 0): FORMAT.md §3.8, rule R25.
#include "vault/ledger/events/events.h"
#include "vault/ledger/genesis.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
Status CheckVaultCreated(const format::Event& e, const VaultState& s) {
  const auto& vc = e.vault_created();
  const std::string& actor = e.actor_ed25519();
  if (s.event_count != 0 || e.sequence() != 0) return Broken(e, "vault created twice");
  if (vc.vault_id().size() != 16 || vc.level_names().empty() || vc.level_names().size() > 16)
    return Broken(e, "bad vault header");
  if (vc.creator().keys().ed25519() != actor) return Broken(e, "creator is not the actor");
  if (!IsValidSigningKeyBytes(actor))
    return Broken(e, "the creator's signing key is not a valid Ed25519 key (small order or non-canonical)");
  if (e.vault_id() != vc.vault_id()) return Broken(e, "vault id differs from the event's");
  // R100: a v2 genesis (one that starts the authority links) derives the id.
  if (!e.authority_head().empty() &&
      (vc.nonce().size() != kGenesisNonceSize || DeriveVaultId(actor, vc.nonce()) != vc.vault_id()))
    return Broken(e, "the vault id is not derived from the genesis");
  if (static_cast<size_t>(vc.slots_size()) != static_cast<size_t>(vc.level_names_size()))
    return Broken(e, "the creator must hold one slot per level");
  for (int i = 0; i < vc.slots_size(); ++i)
    if (vc.slots(i).member_ed25519() != actor || vc.slots(i).level() != static_cast<uint32_t>(i))
      return Broken(e, "creator slots out of order or for someone else");
  if (vc.profile().due_days() > 3650 ||
      vc.profile().classification_years_size() > vc.level_names_size())
    return Broken(e, "vault profile out of range");
  for (uint32_t y : vc.profile().classification_years())
    if (y > 1000) return Broken(e, "vault profile out of range");
  if (vc.profile().cosign_copies_from() > static_cast<uint32_t>(vc.level_names_size()))
    return Broken(e, "vault profile out of range");
  // Against the epochs this event creates (all 0), before any of them is set.
  return CheckSlots(e, vc.slots(), std::vector<uint32_t>(vc.level_names_size(), 0));
}
}  // namespace

Status ApplyVaultCreated(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  CUSTODY_TRY(CheckVaultCreated(e, s));
  const auto& vc = e.vault_created();
  s.vault_id = vc.vault_id();
  s.label = vc.label();
  s.level_names.assign(vc.level_names().begin(), vc.level_names().end());
  s.epochs.assign(s.level_names.size(), 0);
  s.reg_counters.assign(s.level_names.size(), 0);
  s.live_documents.assign(s.level_names.size(), 0);
  if (vc.profile().due_days() != 0) s.due_days = vc.profile().due_days();
  s.classification_years.assign(vc.profile().classification_years().begin(),
                                vc.profile().classification_years().end());
  s.cosign_copies_from = static_cast<int32_t>(vc.profile().cosign_copies_from()) - 1;
  format::Member creator = vc.creator();
  creator.set_role(format::ROLE_OFFICER);
  creator.set_clearance(static_cast<int32_t>(s.level_names.size()) - 1);
  s.members[e.actor_ed25519()] = creator;
  for (const auto& slot : vc.slots()) s.slots[{slot.member_ed25519(), slot.level()}] = slot;
  return {};
}

}  // namespace custody::vault
