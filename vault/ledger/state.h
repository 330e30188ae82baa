// VaultState: everything the ledger says, derived by replaying events.
//
// It holds no secrets: roster, key slots (sealed), level epochs, documents
// (with references to their key records and extents), counters and the
// ledger head. The same replay serves opening a vault (from the last
// checkpoint) and auditing it (from the first event), so the rules a valid
// ledger obeys are written once, in ApplyEvent.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"

namespace custody::vault {

class VaultState {
 public:
  std::string vault_id;                 // 16 bytes
  std::string label;
  std::vector<std::string> level_names;
  std::map<std::string, format::Member> members;       // by raw Ed25519 key
  std::vector<uint32_t> epochs;                         // per level
  std::map<std::pair<std::string, uint32_t>, format::KeySlot> slots;  // (member, level)
  std::map<std::string, format::DocumentState> documents;  // by registration number
  std::map<std::string, std::string> reg_by_doc_id;
  std::vector<uint64_t> reg_counters;
  int32_t reg_year = 0;
  uint64_t event_count = 0;
  std::string ledger_head = std::string(32, '\0');

  // Checks that the event follows the vault's rules given the current state
  // and who signed it (`signers`: raw Ed25519 keys whose signatures over the
  // body were already verified, actor first), then applies it. kCorrupt with
  // the rule broken otherwise. Every check runs before the first change, so
  // the state is unchanged on failure.
  Status Apply(const format::Event& event, const std::vector<std::string>& signers);

  format::Checkpoint ToCheckpoint() const;
  // Consumes the checkpoint's documents (moved into the state).
  static Result<VaultState> FromCheckpoint(format::Checkpoint&& cp);

  // Index of the highest level that holds a live document, -1 if none.
  int HighestLevelHeld() const;
  const format::Member* FindMember(const std::string& ed25519) const;
  const format::DocumentState* FindDocument(const std::string& reg_no) const;
};

// A ledger event whose signatures have been verified.
struct VerifiedEvent {
  format::Event event;
  std::vector<std::string> signers;  // raw Ed25519 keys, actor first
};

// Parses a SignedEvent record payload and checks that it continues the
// ledger of `state` (sequence, previous hash, vault id) and that every
// signature is valid and by an identity in the roster (for the first event:
// the creator it names). kCorrupt with the reason. The rules of the vault
// are checked separately, by VaultState::Apply.
Result<VerifiedEvent> VerifySignedEvent(const std::string& payload, const VaultState& state);

// "officer", "staff", "auditor".
const char* RoleName(format::Role role);

// The superblock's outer marking (vault id, label, levels, highest level
// held) must agree with the ledger; kCorrupt naming the difference.
Status CheckOuterMarking(const format::Superblock& sb, const VaultState& state);

// The level-key slot of a member for a level, if any.
const format::KeySlot* FindSlot(const VaultState& s, const std::string& member, uint32_t level);

}  // namespace custody::vault
