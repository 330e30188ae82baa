#include "crypto/random.h"

#include <sodium.h>

namespace custody::crypto {

void RandomFill(std::span<uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

std::string RandomString(size_t size) {
  std::string s(size, '\0');
  if (size) randombytes_buf(s.data(), size);
  return s;
}

uint64_t RandomU64() {
  uint64_t v;
  randombytes_buf(&v, sizeof v);
  return v;
}

}  // namespace custody::crypto
