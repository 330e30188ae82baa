#include "crypto/hash.h"

#include <sodium.h>

namespace custody::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384);
static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Hash256 Blake2b256(std::span<const uint8_t> data) {
  Hash256 h{};
  crypto_generichash(h.data(), h.size(), data.data(), data.size(), nullptr, 0);
  return h;
}

Hash256 Blake2b256(std::string_view data) {
  return Blake2b256({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

std::string HashToString(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

Blake2bHasher::Blake2bHasher() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0,
                          kHashSize);
}

void Blake2bHasher::Update(std::span<const uint8_t> data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(),
                            data.size());
}

void Blake2bHasher::Update(std::string_view data) {
  Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

Hash256 Blake2bHasher::Final() {
  Hash256 h{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), h.data(), h.size());
  return h;
}

Sha256Hasher::Sha256Hasher() {
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
}

void Sha256Hasher::Update(std::string_view data) {
  Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

Hash256 Sha256Hasher::Final() {
  Hash256 h{};
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), h.data());
  return h;
}

}  // namespace custody::crypto
