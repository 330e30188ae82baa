// Overwrite methods: which passes are written, in which order, with which
// bytes.
//
// A pass writes either a fixed pattern (1 or 3 bytes repeated from byte 0 of
// the target, so byte o holds pattern[o % size]) or a pseudo-random pattern:
// the ChaCha20 keystream of the wipe's seed (crypto/keystream.h) with the
// pass's own stream id, byte o holding keystream byte o. The seed is recorded
// in the certificate, so every pass can be regenerated and compared later.
//
// Methods (names are what the CLI and the certificate say):
//   zero     one pass of 0x00 (NIST SP 800-88 Rev. 1 "Clear" by overwrite)
//   one      one pass of 0xFF
//   random   one pseudo-random pass
//   dod-3    DoD 5220.22-M (E): 0x00, 0xFF, random
//   dod-7    DoD 5220.22-M (ECE): 0x00, 0xFF, random, random, 0x00, 0xFF, random
//   gutmann  Gutmann's 35 passes: 4 random, his 27 fixed patterns in the
//            order of his table (not shuffled, so the certificate can list
//            them), 4 random
//   bmb      0xFF, 0x00, random, random, random, 0xFF
// `rounds` repeats the whole sequence. Random passes get stream ids 0, 1, 2...
// in the order they occur over all rounds, so no two passes share a stream.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keystream.h"
#include "base/status.h"

namespace custody::vault::disposal {

enum class Method { kZero, kOne, kRandom, kDod3, kDod7, kGutmann, kBmb };

// "zero", "one", ...; ParseMethod is the inverse (kUsage listing the names).
const char* MethodName(Method method);
Result<Method> ParseMethod(std::string_view name);
// "zero, one, random, dod-3, dod-7, gutmann, bmb"
std::string MethodNames();

struct Pass {
  enum class Kind { kFixed, kRandom };
  Kind kind = Kind::kFixed;
  std::vector<uint8_t> pattern;  // kFixed: 1 or 3 bytes
  uint64_t stream = 0;           // kRandom: keystream stream id

  // "00", "ff", "924924" (the pattern in lowercase hex) or "random".
  std::string Describe() const;
  // True when every byte is the same (a 1-byte pattern): the content of a
  // buffer does not depend on where it is written.
  bool IsConstant() const { return kind == Kind::kFixed && pattern.size() == 1; }
  bool operator==(const Pass&) const = default;
};

// The full pass sequence. REQUIRES: rounds >= 1.
std::vector<Pass> PassSequence(Method method, uint32_t rounds);

// Fills `out` with bytes [offset, offset + out.size()) of `pass` over the
// target. REQUIRES: offset % 64 == 0 for random passes. Thread-safe.
void FillPass(const Pass& pass, const crypto::KeystreamSeed& seed, uint64_t offset,
              std::span<uint8_t> out);

}  // namespace custody::vault::disposal
