#include "crypto/hash.h"

#include <sodium.h>

#include "crypto/sodium_check.h"

namespace custody::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384);
static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Hash256 Blake2b256(std::span<const uint8_t> data) {
  Hash256 h{};
  internal::MustSucceed(
      crypto_generichash(h.data(), h.size(), data.data(), data.size(), nullptr, 0),
      "crypto_generichash");
  return h;
}

Hash256 Blake2b256(std::string_view data) {
  return Blake2b256({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

std::string HashToString(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

Blake2bHasher::Blake2bHasher() {
  internal::MustSucceed(crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_),
                                                nullptr, 0, kHashSize),
                        "crypto_generichash_init");
}

void Blake2bHasher::Update(std::span<const uint8_t> data) {
  internal::MustSucceed(
      crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(),
                                data.size()),
      "crypto_generichash_update");
}

void Blake2bHasher::Update(std::string_view data) {
  Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

Hash256 Blake2bHasher::Final() {
  Hash256 h{};
  internal::MustSucceed(
      crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), h.data(),
                               h.size()),
      "crypto_generichash_final");
  return h;
}

Sha256Hasher::Sha256Hasher() {
  internal::MustSucceed(
      crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_)),
      "crypto_hash_sha256_init");
}

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  internal::MustSucceed(
      crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                                data.size()),
      "crypto_hash_sha256_update");
}

void Sha256Hasher::Update(std::string_view data) {
  Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

Hash256 Sha256Hasher::Final() {
  Hash256 h{};
  internal::MustSucceed(
      crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), h.data()),
      "crypto_hash_sha256_final");
  return h;
}

}  // namespace custody::crypto
