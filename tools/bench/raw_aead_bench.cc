// The raw peer for the add/extract benchmark: single-thread XChaCha20-Poly1305
// (through crypto/, i.e. libsodium) over a file, in 1 MiB chunks, writing the
// result to a file, reporting bytes per second. Usage: raw_aead_bench IN OUT
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "crypto/aead.h"
#include "crypto/hardening.h"

int main(int argc, char** argv) {
  using namespace custody;
  if (argc != 3) { std::fprintf(stderr, "usage: raw_aead_bench IN OUT\n"); return 2; }
  (void)crypto::InitializeProcess();
  auto key = crypto::SecretBytes::Random(32);
  int in = open(argv[1], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in < 0 || out < 0) { std::perror("open"); return 1; }
  const size_t cs = 1 << 20;
  std::vector<uint8_t> buf(cs), ct(cs + crypto::kAeadOverhead);
  uint64_t total = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    ssize_t n = read(in, buf.data(), cs);
    if (n <= 0) break;
    size_t len = static_cast<size_t>(n);
    crypto::AeadSeal(key.span(), {buf.data(), len}, {}, {ct.data(), len + crypto::kAeadOverhead});
    if (write(out, ct.data(), len + crypto::kAeadOverhead) < 0) { std::perror("write"); return 1; }
    total += len;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.1f\n", static_cast<double>(total) / s / 1e6);
  return 0;
}
