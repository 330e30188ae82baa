// Reproducible pseudo-random patterns for the wipe engine: the ChaCha20
// keystream (djb variant: 64-bit nonce, 64-bit block counter, so any device
// size is addressable) under a 32-byte seed.
//
// The seed is NOT a secret: it is recorded in the wipe certificate so that a
// verifier can regenerate the exact bytes written at any offset. What makes a
// random pass useful is that the pattern is unpredictable before the wipe,
// not that it stays secret after it.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace custody::crypto {

inline constexpr size_t kKeystreamSeedSize = 32;
using KeystreamSeed = std::array<uint8_t, kKeystreamSeedSize>;

KeystreamSeed RandomKeystreamSeed();

// Writes keystream bytes [offset, offset + out.size()) of stream `stream_id`
// (e.g. the pass number) into `out`. REQUIRES: offset % 64 == 0.
// Thread-safe (no shared state).
void FillKeystream(const KeystreamSeed& seed, uint64_t stream_id, uint64_t offset,
                   std::span<uint8_t> out);

}  // namespace custody::crypto
