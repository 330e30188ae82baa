// BLAKE2b-256 (crypto_generichash), one-shot and streaming; SHA-256
// (crypto_hash_sha256) streaming, for formats that name it (the age test kit
// gives payload hashes in SHA-256).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace custody::crypto {

inline constexpr size_t kHashSize = 32;
using Hash256 = std::array<uint8_t, kHashSize>;

Hash256 Blake2b256(std::span<const uint8_t> data);
Hash256 Blake2b256(std::string_view data);
std::string HashToString(const Hash256& h);  // 32 raw bytes as std::string

// Incremental hashing. Not thread-safe; copyable (snapshots the state).
class Blake2bHasher {
 public:
  Blake2bHasher();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Hash256 Final();  // REQUIRES: called once.

 private:
  alignas(64) unsigned char state_[384];
};

// Incremental SHA-256. Not thread-safe; copyable (snapshots the state).
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Hash256 Final();  // REQUIRES: called once.

 private:
  alignas(16) unsigned char state_[128];
};

}  // namespace custody::crypto
