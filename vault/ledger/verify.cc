#include "vault/ledger/verify.h"

#include "crypto/hash.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

Result<VerifiedEvent> VerifySignedEvent(const std::string& payload, const VaultState& state) {
  format::SignedEvent se;
  VerifiedEvent out;
  format::Event& ev = out.event;
  if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body()))
    return Fail(Code::kCorrupt, "event does not parse");
  if (ev.sequence() != state.event_count)
    return Fail(Code::kCorrupt, "event has sequence " + std::to_string(ev.sequence()) +
                                    ", expected " + std::to_string(state.event_count) +
                                    " (events removed, replayed or reordered)");
  if (ev.prev_hash() != state.ledger_head)
    return Fail(Code::kCorrupt, "event does not chain to the previous one");
  if (state.event_count > 0 && ev.vault_id() != state.vault_id)
    return Fail(Code::kCorrupt, "event belongs to another vault");
  for (const auto& sig : se.signatures()) {
    const std::string& key = sig.signer_ed25519();
    bool known = state.FindMember(key) != nullptr;
    // Event 0 is signed by the creator it names; there is no roster yet.
    if (!known && state.event_count == 0 && ev.kind_case() == format::Event::kVaultCreated)
      known = ev.vault_created().creator().keys().ed25519() == key;
    if (!known || key.size() != 32)
      return Fail(Code::kCorrupt, "event signed by an identity not in the roster");
    if (!SignatureVerifies(key, se.body(), sig.signature()))
      return Fail(Code::kCorrupt, "event signature is invalid");
    out.signers.push_back(key);
  }
  return out;
}

Result<size_t> ReplayEvent(const std::string& payload, VaultState& state) {
  CUSTODY_ASSIGN(VerifiedEvent verified, VerifySignedEvent(payload, state));
  CUSTODY_TRY(state.Apply(verified.event, verified.signers));
  // The head covers the whole record (signatures too), not just the body.
  state.ledger_head = crypto::HashToString(crypto::Blake2b256(payload));
  return verified.signers.size();
}

}  // namespace custody::vault
