#include "crypto/hkdf.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "crypto/sodium_check.h"

namespace custody::crypto {

namespace {

// One HMAC over the concatenation of up to three parts, so that HKDF-Expand's
// T(i-1) || info || i never has to be assembled in ordinary memory.
void Hmac3(std::span<const uint8_t> key, std::span<const uint8_t> a, std::span<const uint8_t> b,
           std::span<const uint8_t> c, uint8_t* out) {
  // libsodium declares these pointers nonnull even for zero lengths, and an
  // empty span's data() may be null (the empty HKDF salt): never pass one.
  static const uint8_t kNothing = 0;
  auto ptr = [](std::span<const uint8_t> s) { return s.empty() ? &kNothing : s.data(); };
  crypto_auth_hmacsha256_state state;
  internal::MustSucceed(crypto_auth_hmacsha256_init(&state, ptr(key), key.size()),
                        "crypto_auth_hmacsha256_init");
  for (auto part : {a, b, c})
    if (!part.empty())
      internal::MustSucceed(crypto_auth_hmacsha256_update(&state, part.data(), part.size()),
                            "crypto_auth_hmacsha256_update");
  internal::MustSucceed(crypto_auth_hmacsha256_final(&state, out), "crypto_auth_hmacsha256_final");
  // The state holds key-derived pads.
  sodium_memzero(&state, sizeof state);
}

}  // namespace

HmacSha256Tag HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  HmacSha256Tag tag{};
  Hmac3(key, message, {}, {}, tag.data());
  return tag;
}

void HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                std::string_view info, std::span<uint8_t> out) {
  if (out.size() > 255 * kHmacSha256Size) std::abort();
  // Extract. RFC 5869 says a missing salt is HashLen zeros; HMAC pads keys with
  // zeros, so the empty salt gives the same PRK and needs no special case.
  SecretBytes prk(kHmacSha256Size);
  Hmac3(salt, ikm, {}, {}, prk.data());
  // Expand: T(i) = HMAC(PRK, T(i-1) || info || i).
  const std::span<const uint8_t> info_bytes(reinterpret_cast<const uint8_t*>(info.data()),
                                            info.size());
  SecretBytes block(kHmacSha256Size);
  size_t previous = 0;  // length of T(i-1): 0 for T(0)
  for (size_t done = 0, i = 1; done < out.size(); ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    Hmac3(prk.span(), block.slice(0, previous), info_bytes, {&counter, 1}, block.data());
    previous = kHmacSha256Size;
    const size_t n = std::min(out.size() - done, kHmacSha256Size);
    std::copy_n(block.data(), n, out.data() + done);
    done += n;
  }
}

SecretBytes HkdfSha256Key(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                          std::string_view info, size_t size) {
  SecretBytes key(size);
  HkdfSha256(ikm, salt, info, key.span());
  return key;
}

}  // namespace custody::crypto
