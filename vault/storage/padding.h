// Padmé padding of a document's plaintext before chunking, so the stored
// extent reveals a size class instead of the exact size.
// See docs/format-v2-extract.md "Padding" (to be merged into
// format/FORMAT.md §3.5).
//
// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", PETS 2019) rounds L up so that only the top
// O(log log L) bits of the length are significant: at most 12 % overhead
// (less for larger L) and O(log log L) bits of leakage.
#pragma once

#include <cstdint>

#include "format/custody.pb.h"

namespace custody::vault {

// Padme(L) = L if L < 2; else with E = floor(log2 L), S = floor(log2 E) + 1,
// z = E - S, m = 2^z - 1: (L + m) & ~m. Always >= L; Padme(L) - L <= 0.12 L.
// Defined for every L < 2^64 - 2^58 (no overflow); document sizes are far
// below that.
uint64_t Padme(uint64_t length);

// The plaintext length an extent holds for a document of `size` bytes
// padded with `padding`; 0 with ok = false for a value this reader does not
// know (a newer writer, or a forged event).
struct PaddedLength {
  bool ok = false;
  uint64_t length = 0;
};
PaddedLength PaddedLengthOf(uint64_t size, format::Padding padding);

}  // namespace custody::vault
