// libFuzzer harness: a whole vault file -> Vault::Audit and Vault::Open.
// The input is written to a file on /dev/shm and audited (R1-R48, keyless),
// then opened for reading. Invariants: audit and open never crash; a vault
// that opens has a committed end within the file; an audit report that is
// clean implies open succeeds.
#include <cstdint>
#include <string>

#include "tools/fuzz/fuzz_common.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InitOnce();
  if (size > (4u << 20)) return 0;  // keep executions fast; seeds are small
  const std::string& path = fuzz::ScratchPath("vault");
  fuzz::WriteScratch(path, data, size);
  auto rep = vault::Vault::Audit(path);
  auto v = vault::Vault::Open(path, vault::Vault::Access::kRead);
  if (v && (*v)->TEST_container().superblock().committed_end() > size) __builtin_trap();
  if (rep && rep->ok() && !v) __builtin_trap();
  return 0;
}
