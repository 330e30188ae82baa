// What a member's client remembers about each vault it has verified
// (FORMAT.md §5.9): per local user and per vault, the highest verified state
// — the genesis, the number of events, the ledger head and where the last
// event lay. Opening a vault whose history is behind that (a rollback: an
// older copy of the drive, a superblock slot erased) or does not extend it
// (a fork: a rewritten history) is refused for writing and warned for
// reading; see Vault::Open.
//
// One small JSON file per vault, `<dir>/<vault id hex>.json`, 0600, written
// atomically and never lowered. Not a secret; protects only against a drive
// that goes backwards, and only for a client that saw it ahead.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/status.h"

namespace custody::vault {

struct RememberedState {
  std::string vault_id;   // 16 raw bytes
  std::string genesis;    // 32: ledger hash of event 0
  uint64_t event_count = 0;
  std::string head;       // 32: ledger hash of event event_count-1
  uint64_t head_offset = 0;  // EVENT header of that event when it was verified
};

class ClientMemory {
 public:
  // Remembered states are files in `dir`, which must exist.
  explicit ClientMemory(std::string dir, Env* env = DefaultEnv());
  // The directory of the local user (base/state_dir.h, "vaults").
  static Result<std::unique_ptr<ClientMemory>> ForThisUser();

  // nullopt if this client never verified the vault. kCorrupt naming the
  // file if it exists but does not parse (never silently forgotten).
  Result<std::optional<RememberedState>> Load(const std::string& vault_id) const;
  // Stores `state` unless the stored one already holds at least as many
  // events of the same genesis (a concurrent client got further). With
  // `durable` false the file is replaced without a sync: it survives the
  // process however it ends, but a power loss may leave the previous one.
  Status Save(const RememberedState& state, bool durable = true) const;
  std::string PathFor(const std::string& vault_id) const;

  // Opens of the vault outside its bindings (format v7, R186) that this
  // client saw and has not yet recorded: serialized OpenOutsideBindings,
  // oldest first, in `<dir>/<vault id hex>.outside.json`. At most
  // kMaxOutsideNotes are kept (the oldest are dropped).
  static constexpr size_t kMaxOutsideNotes = 64;
  Result<std::vector<std::string>> LoadOutsideNotes(const std::string& vault_id) const;
  Status AddOutsideNote(const std::string& vault_id, const std::string& note) const;
  // Removes the first `count` notes (those just recorded).
  Status DropOutsideNotes(const std::string& vault_id, size_t count) const;

 private:
  std::string dir_;
  Env* env_;
};

}  // namespace custody::vault
