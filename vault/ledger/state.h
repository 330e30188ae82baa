// VaultState: everything the ledger says, derived by replaying events.
//
// It holds no secrets: roster, key slots (sealed), level epochs, documents
// (with references to their key records and extents), counters and the
// ledger head. The same replay serves opening a vault (from the last
// checkpoint) and auditing it (from the first event), so the rules a valid
// ledger obeys are written once: the common ones in apply.cc, each kind's in
// events/<kind>.cc, found through event_registry.h.
//
// The ledger room (one job a file):
//   state.h        this data and its lookups
//   apply.cc       VaultState::Apply: the checks every event obeys, dispatch
//   event_registry.h  the table of event kinds (name, FORMAT.md rules, apply)
//   events/        one file per kind: its rules and its effect
//   rules.h        helpers the kinds share (internal to the ledger)
//   verify.h       VerifySignedEvent, ReplayEvent: the one replay step
//   checkpoint.h   VerifyCheckpoint; To/FromCheckpoint are defined there
//   marking.h      CheckOuterMarking
//
// Not thread-safe: a VaultState is a plain value; callers serialise access.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/catalog/catalog.h"

namespace custody::vault {

inline constexpr uint32_t kDefaultDueDays = 5;

class VaultState {
 public:
  std::string vault_id;                 // 16 bytes
  std::string label;
  std::vector<std::string> level_names;
  std::map<std::string, format::Member> members;       // by raw Ed25519 key
  std::vector<uint32_t> epochs;                         // per level
  std::map<std::pair<std::string, uint32_t>, format::KeySlot> slots;  // (member, level)
  // v2 key lineage: (level, epoch) -> the level key of epoch-1 sealed under
  // the key of `epoch` (format::LevelLink.prev_key).
  std::map<std::pair<uint32_t, uint32_t>, std::string> lineage;
  // Every document, by registration number: in memory, or a tree of pages
  // read on demand (format v2, FORMAT.md §3.16).
  Catalog catalog;
  std::vector<uint64_t> live_documents;  // per level: documents not destroyed
  // Every tracked copy (R170, R171), by CopyKey (registration number, copy
  // number): in memory, or a tree of pages read on demand (format v5,
  // FORMAT.md §3.16 "The copy tree"). Kept apart from the catalog: a
  // document's entry holds only its counters, so it stays bounded however
  // many copies are made.
  CopyCatalog copies;
  std::vector<uint64_t> reg_counters;
  int32_t reg_year = 0;
  // The register's rules (format::Profile, from the genesis).
  uint32_t due_days = kDefaultDueDays;
  std::vector<uint32_t> classification_years;  // per level
  // Copies at this level or above need an officer's co-signature (R170a);
  // -1: none.
  int32_t cosign_copies_from = -1;
  // Approved media and hosts (format v7, R182-R185): authority events, so
  // every open has them from the genesis on.
  struct MediumState {
    format::MediumRegistered registered;
    uint64_t registered_at = 0;          // sequence of the MediumRegistered
    bool out = false;                    // checked out (R183) and not back
    format::MediumCheckedOut checkout;   // the last check-out
    std::string checkout_by;             // its officer (raw Ed25519)
    int64_t checkout_unix = 0;
  };
  std::map<std::string, MediumState> media;  // by register number
  std::map<std::string, std::string> hosts;  // HostRef.id -> name at binding
  // The registered medium identified as `m` is (fs_id, serial, size_bytes);
  // nullptr if none is.
  const MediumState* FindMedium(const format::Medium& m) const;

  uint64_t event_count = 0;
  std::string ledger_head = std::string(32, '\0');
  // The authority chain (FORMAT.md §3.14): every authority event so far, in
  // ledger order, with its ledger hash and (when known) its header offset.
  std::vector<format::AuthorityRef> authority;
  std::string genesis;          // ledger hash of event 0; empty before it
  bool linked = false;          // events carry authority links (a v2 ledger)
  // Set while Vault::Open replays the authority events alone (FORMAT.md
  // §5.5): sequence numbers may skip, and the parts of a rule that depend on
  // documents are left to the replay that has them (audit, later events).
  bool authority_only = false;

  // Ledger hash of the latest authority event; 32 zero bytes if none.
  std::string AuthorityHead() const;

  // Checks that the event follows the vault's rules given the current state
  // and who signed it (`signers`: raw Ed25519 keys whose signatures over the
  // body were already verified, actor first), then applies it and increments
  // event_count. It does not touch ledger_head (see ReplayEvent, verify.h).
  // kCorrupt "ledger event N breaks the rules: <rule>" otherwise; an unset or
  // unregistered kind is "unknown event kind". Every check runs before the
  // first change, so the state is unchanged on failure.
  Status Apply(const format::Event& event, const std::vector<std::string>& signers);

  // Defined in checkpoint.cc. A v1 checkpoint holds the whole state; a v2
  // one (linked ledgers) no authority, but the index of authority events,
  // `head_offset`, the header offset of the last event it covers, and the
  // catalog's root (as last flushed) and live counts, and the copy tree's
  // root (as last flushed; with none, the copies inline, as 0.4.0 wrote
  // them: audit compares those, its copies held in memory).
  // `inline_catalog`: the documents inline instead, as 0.2.0 wrote them;
  // needs a catalog held in memory.
  format::Checkpoint ToCheckpoint(uint64_t head_offset = 0, bool inline_catalog = false) const;
  // Consumes the checkpoint's documents (moved into the state). kCorrupt
  // "checkpoint fields out of range" if R33 fails. Does not verify the
  // signature: see VerifyCheckpoint.
  static Result<VaultState> FromCheckpoint(format::Checkpoint&& cp);

  // When a document registered at `added_unix` must be handled: the end of
  // that UTC day if urgent, else `due_days` later (FORMAT.md R28a).
  int64_t DueUnix(int64_t added_unix, bool urgent) const;
  // The default end of the classification period of a document registered
  // at `level` at `added_unix`; 0 if the level has none.
  int64_t ClassifiedUntilUnix(uint32_t level, int64_t added_unix) const;

  // Index of the highest level that holds a live document, -1 if none.
  int HighestLevelHeld() const;
  // nullptr if absent. Pointers stay valid until the state is next changed.
  const format::Member* FindMember(const std::string& ed25519) const;
  // nullptr if absent; kCorrupt if the catalog page that would hold it is
  // damaged.
  Result<const format::DocumentState*> FindDocument(const std::string& reg_no) const {
    return catalog.Find(reg_no);
  }
  // nullptr if there is no such copy; kCorrupt if the copy page that would
  // hold it is damaged. Reads one path of the copy tree.
  Result<const format::CopyState*> FindCopy(const std::string& reg_no, uint32_t copy_no) const {
    return copies.Find(CopyKey(reg_no, copy_no));
  }
};

// "officer", "staff", "auditor" ("unknown" for any other value).
const char* RoleName(format::Role role);

// The level-key slot of a member for a level, if any (nullptr otherwise).
const format::KeySlot* FindSlot(const VaultState& s, const std::string& member, uint32_t level);

// Every extent a document holds bytes in: its earlier versions' (oldest
// first, format v8), then the current one. What a destruction overwrites,
// compaction carries and audit hashes.
std::vector<const format::Extent*> DocumentExtents(const format::DocumentState& d);

}  // namespace custody::vault

