// Randomness: every random byte in Custody comes from here (libsodium's CSPRNG).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace custody::crypto {

void RandomFill(std::span<uint8_t> out);
std::string RandomString(size_t size);   // `size` random bytes (binary)
uint64_t RandomU64();

}  // namespace custody::crypto
