#include "vault/ledger/verify.h"

#include "crypto/hash.h"
#include "vault/ledger/event_registry.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

CheckedSignatures CheckSignaturesAhead(const std::string& payload) {
  CheckedSignatures out;
  format::SignedEvent se;
  if (!se.ParseFromString(payload)) return out;
  out.valid.reserve(static_cast<size_t>(se.signatures_size()));
  for (const auto& sig : se.signatures())
    out.valid.push_back(SignatureVerifies(sig.signer_ed25519(), se.body(), sig.signature()));
  return out;
}

Result<VerifiedEvent> VerifySignedEvent(const std::string& payload, const VaultState& state,
                                        const CheckedSignatures* ahead) {
  format::SignedEvent se;
  VerifiedEvent out;
  format::Event& ev = out.event;
  if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body()))
    return Fail(Code::kCorrupt, "event does not parse");
  // The authority-only replay visits events out of the ledger's full
  // sequence; the authority links (R101) chain them instead.
  if (!state.authority_only && ev.sequence() != state.event_count)
    return Fail(Code::kCorrupt, "event has sequence " + std::to_string(ev.sequence()) +
                                    ", expected " + std::to_string(state.event_count) +
                                    " (events removed, replayed or reordered)");
  if (!state.authority_only && ev.prev_hash() != state.ledger_head)
    return Fail(Code::kCorrupt, "event does not chain to the previous one");
  if (!state.vault_id.empty() && ev.vault_id() != state.vault_id)
    return Fail(Code::kCorrupt, "event belongs to another vault");
  const bool use_ahead = ahead != nullptr && ahead->valid.size() == static_cast<size_t>(se.signatures_size());
  for (int i = 0; i < se.signatures_size(); ++i) {
    const auto& sig = se.signatures(i);
    const std::string& key = sig.signer_ed25519();
    bool known = state.FindMember(key) != nullptr;
    // Event 0 is signed by the creator it names; there is no roster yet.
    if (!known && state.event_count == 0 && ev.kind_case() == format::Event::kVaultCreated)
      known = ev.vault_created().creator().keys().ed25519() == key;
    if (!known || key.size() != 32)
      return Fail(Code::kCorrupt, "event signed by an identity not in the roster");
    const bool valid = use_ahead ? ahead->valid[static_cast<size_t>(i)]
                                 : SignatureVerifies(key, se.body(), sig.signature());
    if (!valid)
      return Fail(Code::kCorrupt, "event signature is invalid");
    out.signers.push_back(key);
  }
  return out;
}

void NoteEventApplied(const format::Event& event, const std::string& payload, uint64_t offset,
                      VaultState& state) {
  // The head covers the whole record (signatures too), not just the body.
  state.ledger_head = crypto::HashToString(crypto::Blake2b256(payload));
  if (event.kind_case() == format::Event::kVaultCreated) state.genesis = state.ledger_head;
  if (IsAuthorityKind(event.kind_case())) {
    format::AuthorityRef ref;
    ref.set_offset(offset);
    ref.set_hash(state.ledger_head);
    state.authority.push_back(std::move(ref));
  }
}

Result<size_t> ReplayEvent(const std::string& payload, VaultState& state, uint64_t offset,
                           const CheckedSignatures* ahead, VerifiedEvent* applied) {
  CUSTODY_ASSIGN(VerifiedEvent verified, VerifySignedEvent(payload, state, ahead));
  CUSTODY_TRY(state.Apply(verified.event, verified.signers));
  NoteEventApplied(verified.event, payload, offset, state);
  const size_t count = verified.signers.size();
  if (applied) *applied = std::move(verified);
  return count;
}

}  // namespace custody::vault
