#include "crypto/keystream.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace custody::crypto {

static_assert(kKeystreamSeedSize == crypto_stream_chacha20_KEYBYTES);

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
  std::memset(out.data(), 0, out.size());
  crypto_stream_chacha20_xor_ic(out.data(), out.data(), out.size(), nonce, offset / 64,
                                seed.data());
}

}  // namespace custody::crypto
