#include "crypto/hardening.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace custody::crypto {

Status InitializeProcess() {
  if (sodium_init() < 0) return Fail(Code::kIo, "libsodium failed to initialise");
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return {};
}

}  // namespace custody::crypto
