// Helpers the ledger rules share (apply.cc, events/*.cc, verify.cc,
// checkpoint.cc). Internal to vault/ledger: not for callers outside it.
//
// The terms are FORMAT.md §5.4's: a "live member" is in the roster and not
// revoked; an "officer" is a live member with role OFFICER.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/ledger/state.h"

namespace custody::vault {

// The one error a broken ledger rule gives: kCorrupt
// "ledger event <sequence> breaks the rules: <why>". Tests and vectors match
// on `why`, so its texts are part of the behaviour.
std::unexpected<Error> Broken(const format::Event& e, const std::string& why);

bool IsLiveMember(const VaultState& s, const std::string& key);
bool IsOfficer(const VaultState& s, const std::string& key);

// Ok if the event's actor is an officer, else
// Broken(e, "<act> by someone who is not an officer").
Status RequireOfficer(const format::Event& e, const VaultState& s, std::string_view act);

// Every slot names a level < epochs.size() (one epoch per level), carries
// that level's epoch in `epochs` and an 80-byte sealed key; Broken otherwise.
Status CheckSlots(const format::Event& e,
                  const google::protobuf::RepeatedPtrField<format::KeySlot>& slots,
                  const std::vector<uint32_t>& epochs);

// The document registered as `reg_no` if its doc_id is `doc_id`, else
// nullptr (an event must name a document by both); kCorrupt if the catalog
// page that would hold it is damaged.
Result<const format::DocumentState*> FindNamedDocument(const VaultState& s, const std::string& reg_no,
                                               const std::string& doc_id);

// The document an event that reads it names (R29, R180): `reg_no` exists
// with `doc_id`, the actor is a live member cleared for its level, and it is
// not destroyed; Broken(e, "<act> of an unknown document" | "<act> by
// someone not cleared" | "<act> of a destroyed document") otherwise.
Result<const format::DocumentState*> DocumentReadBy(const format::Event& e, const VaultState& s,
                                                    const std::string& reg_no,
                                                    const std::string& doc_id, std::string_view act);

// A key reference an event gives a document (R28, R189, R192): a 32-byte
// hash, the document's id, an offset in the log.
bool ValidKeyRef(const format::KeyRef& key, const std::string& doc_id);
// An extent's geometry within the bounds every reader assumes (R28, R192).
bool ValidExtentGeometry(const format::Extent& x);

// R113: a 32-byte canonical Ed25519 key of the prime-order subgroup, not of
// small order (crypto::IsValidSigningKey). Every key entering the roster.
bool IsValidSigningKeyBytes(const std::string& ed25519);

// True if `signature` is a valid Ed25519 signature over `body` by the raw
// 32-byte key `signer_ed25519`; false for a key of any other size.
bool SignatureVerifies(const std::string& signer_ed25519, std::string_view body,
                       std::string_view signature);

}  // namespace custody::vault
