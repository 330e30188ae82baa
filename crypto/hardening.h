// Process start-up: initialise libsodium and make sure secrets cannot leave
// through a core dump or ptrace by another user.
#pragma once

#include "base/status.h"

namespace custody::crypto {

// Calls sodium_init(), sets RLIMIT_CORE to 0 and marks the process
// non-dumpable (PR_SET_DUMPABLE 0). Idempotent. Fails only if libsodium
// cannot initialise (no entropy source).
Status InitializeProcess();

}  // namespace custody::crypto
