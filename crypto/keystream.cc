#include "crypto/keystream.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/sodium_check.h"

namespace custody::crypto {

static_assert(kKeystreamSeedSize == crypto_stream_chacha20_KEYBYTES);

namespace {
constexpr size_t kZeroBlock = 1 << 20;  // a multiple of 64: block counters stay aligned
}

KeystreamSeed RandomKeystreamSeed() {
  KeystreamSeed seed{};
  randombytes_buf(seed.data(), seed.size());
  return seed;
}

void FillKeystream(const KeystreamSeed& seed, uint64_t stream_id, uint64_t offset,
                   std::span<uint8_t> out) {
  if (offset % 64 != 0) std::abort();
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
  for (size_t i = 0; i < sizeof nonce; ++i) nonce[i] = static_cast<uint8_t>(stream_id >> (8 * i));
  // XOR against a shared zero block rather than zeroing `out` first: one
  // pass over memory instead of two (the wipe engine is memory-bound here).
  static const std::vector<uint8_t> kZeros(kZeroBlock, 0);
  size_t done = 0;
  while (done < out.size()) {
    size_t n = std::min(kZeroBlock, out.size() - done);
    internal::MustSucceed(crypto_stream_chacha20_xor_ic(out.data() + done, kZeros.data(), n, nonce,
                                                        (offset + done) / 64, seed.data()),
                          "crypto_stream_chacha20_xor_ic");
    done += n;
  }
}

}  // namespace custody::crypto
