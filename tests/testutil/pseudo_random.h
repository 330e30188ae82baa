// Deterministic pseudo-random test data (namespace custody::testutil):
// header-only, no link dependency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace custody::testutil {

// `n` deterministic pseudo-random bytes from `seed` (the low byte of each
// std::mt19937 output).
inline std::string PseudoRandom(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace custody::testutil
