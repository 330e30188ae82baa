// Checkpoints: the whole derived state, signed, so that opening a vault need
// not replay the ledger from its first event (FORMAT.md §3.9, §5.5).
// VaultState::ToCheckpoint / FromCheckpoint (state.h) convert; this header
// verifies.
#pragma once

#include <string>

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/ledger/state.h"

namespace custody::vault {

// Parses `payload` (a CHECKPOINT record's payload) as a SignedCheckpoint and
// its body as a Checkpoint, and checks that it is signed by a live (not
// revoked) member of `roster`, with a 32-byte key, and that the signature is
// valid over the exact body bytes (R32, R34). Returns the parsed Checkpoint.
// Reads only `roster.members`.
//
// kCorrupt on failure, in this order: "checkpoint does not parse",
// "checkpoint signed by an identity not in the roster", "checkpoint
// signature is invalid" (no context added).
//
// It does not check the checkpoint's content: not its fields (R33, see
// VaultState::FromCheckpoint), not its vault id or event count against the
// superblock (R34a), not that it matches a replayed state (audit). The
// caller chooses the roster: audit passes the state replayed so far; format
// v1's open passes the state built from the checkpoint itself, so there a
// signer the checkpoint adds to its own roster is accepted — a known
// weakness of v1.
Result<format::Checkpoint> VerifyCheckpoint(const std::string& payload, const VaultState& roster);

// Format v2: takes the catalog (the tree's root and live counts, or the
// documents inline as 0.2.0 wrote them; registration counters) of a verified
// checkpoint into `s`, whose authority was already derived from the chain;
// the tree is read through `pages` from then on. The checkpoint MUST carry
// no authority (label, levels, members, slots, epochs: R106), every value is
// bounded before use (R150; a tree's pages as they are read, §3.16), and no
// document appears twice. kCorrupt naming the field otherwise.
Status AdoptCatalog(format::Checkpoint&& cp, const PageReader* pages, VaultState& s);

}  // namespace custody::vault
