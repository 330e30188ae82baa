// libsodium calls that cannot fail with the sizes this module passes still
// return a status. A nonzero one means a libsodium bug or corrupted memory,
// and nothing it computed (a key, a tag, a signature) may be used: stop.
// Calls that can fail on their inputs (a low-order X25519 key, a forged
// tag) are checked where they are made and reported as errors instead.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace custody::crypto::internal {

inline void MustSucceed(int rc, const char* call) {
  if (rc == 0) return;
  std::fprintf(stderr, "custody: fatal: libsodium %s failed (%d)\n", call, rc);
  std::abort();
}

}  // namespace custody::crypto::internal
