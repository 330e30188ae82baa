#include "vault/storage/padding.h"

#include <bit>

namespace custody::vault {

uint64_t Padme(uint64_t length) {
  if (length < 2) return length;
  const uint64_t e = static_cast<uint64_t>(std::bit_width(length)) - 1;  // floor(log2 L)
  const uint64_t s = static_cast<uint64_t>(std::bit_width(e));           // floor(log2 E) + 1
  const uint64_t mask = (uint64_t{1} << (e - s)) - 1;
  return (length + mask) & ~mask;
}

PaddedLength PaddedLengthOf(uint64_t size, format::Padding padding) {
  switch (padding) {
    case format::PADDING_NONE:
      return {true, size};
    case format::PADDING_PADME:
      return {true, Padme(size)};
    default:
      return {};
  }
}

}  // namespace custody::vault
