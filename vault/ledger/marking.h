// The superblock's outer marking against the signed ledger (FORMAT.md R53).
#pragma once

#include "base/status.h"
#include "format/custody.pb.h"
#include "vault/ledger/state.h"

namespace custody::vault {

// The superblock's outer marking (vault id, label, levels, highest level
// held) must agree with the ledger; kCorrupt naming the difference. The
// marking is not signed: this is what makes a rewritten one detectable to a
// reader that opens or audits, not to one that reads only the superblock.
Status CheckOuterMarking(const format::Superblock& sb, const VaultState& state);

}  // namespace custody::vault
