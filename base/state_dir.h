// Where Custody keeps what a local user's client remembers between runs
// (verified vault states, in-flight extractions). Per local user, never
// inside a vault, never on the vault's drive.
#pragma once

#include <string>

#include "base/status.h"

namespace custody {

// $CUSTODY_STATE_DIR if set, else $XDG_STATE_HOME/custody, else
// $HOME/.local/state/custody. kUsage if none of the three is set.
// The directory is not created here (see EnsureStateDir).
Result<std::string> StateDir();

// StateDir()/<sub>, created (with parents) mode 0700 if missing. kIo if it
// cannot be created, or exists but is not a directory owned by this user or
// is readable by others (a remembered state others can rewrite protects
// nothing).
Result<std::string> EnsureStateDir(const std::string& sub);

}  // namespace custody
