// Verifying ledger events, and the one replay step that open and audit share.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/ledger/state.h"

namespace custody::vault {

// A ledger event whose signatures have been verified.
struct VerifiedEvent {
  format::Event event;
  std::vector<std::string> signers;  // raw Ed25519 keys, actor first
};

// The signatures of one SignedEvent payload, checked ahead of its replay:
// audit checks a batch of events on several threads (CheckSignaturesAhead),
// then replays them in order on one, passing each event its verdicts.
// Only the verdicts are taken ahead; every other check, and the order of
// the checks (so which error an event fails with), stays in the replay.
struct CheckedSignatures {
  // valid[i]: whether signature i of the payload verifies under its signer
  // key (SignatureVerifies, rules.h). Empty if the payload did not parse.
  std::vector<bool> valid;
};

// Thread-safe: reads nothing but `payload`.
CheckedSignatures CheckSignaturesAhead(const std::string& payload);

// Parses a SignedEvent record payload and checks that it continues the
// ledger of `state` (sequence, previous hash, vault id: R17–R20) and that
// every signature is valid and by an identity in the roster (for the first
// event: the creator it names; R21). kCorrupt with the reason: "event does
// not parse", "event has sequence N, expected M (...)", "event does not
// chain to the previous one", "event belongs to another vault", "event
// signed by an identity not in the roster", "event signature is invalid".
// The rules of the vault are checked separately, by VaultState::Apply.
// Reads `state` only. REQUIRES: `ahead`, if not null, is what
// CheckSignaturesAhead returned for this `payload`; its verdicts are then
// used instead of verifying again.
Result<VerifiedEvent> VerifySignedEvent(const std::string& payload, const VaultState& state,
                                        const CheckedSignatures* ahead = nullptr);

// One step of replaying a ledger, the same for open and audit: verifies
// `payload` (an EVENT record's payload) as VerifySignedEvent does, applies it
// with VaultState::Apply, then NoteEventApplied (R23; Apply has already
// incremented event_count).
//
// On success returns the number of signatures verified (>= 1). On failure
// returns kCorrupt with the message of the step that failed — exactly
// VerifySignedEvent's or Apply's, no context added (the caller adds the
// record's offset or the path) — and `state` is unchanged. No signature
// count is returned on failure, even if the signatures were valid and only
// a rule was broken.
//
// `offset` (the EVENT record's header offset, 0 if unknown) is kept in
// state.authority for an authority event. `ahead` as for VerifySignedEvent.
// `applied`, if not null, receives the event and its signers on success.
Result<size_t> ReplayEvent(const std::string& payload, VaultState& state, uint64_t offset = 0,
                           const CheckedSignatures* ahead = nullptr, VerifiedEvent* applied = nullptr);

// What follows a successful Apply of `event` stored as `payload` at header
// `offset`: the ledger head, the genesis, the authority chain. Shared by
// ReplayEvent and the writer, which seals events itself.
void NoteEventApplied(const format::Event& event, const std::string& payload, uint64_t offset,
                      VaultState& state);

}  // namespace custody::vault
