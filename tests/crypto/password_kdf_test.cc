// Unit tests for crypto/password_kdf.h: Argon2id parameter bounds and
// passphrase key derivation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/password_kdf.h"
#include "crypto/secret_bytes.h"

namespace crypto = custody::crypto;
using custody::Code;

namespace {

bool AllZero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

crypto::SecretBytes Passphrase(std::string_view s) { return crypto::SecretBytes::CopyOf(crypto::AsBytes(s)); }

}  // namespace

TEST_CASE("crypto/ValidateKdfParamsRejectsOutOfBounds", "[crypto][kdf]") {
  const uint64_t kMiB = 1ull << 20;
  struct Case {
    uint64_t ops, mem;
  };
  for (Case c : {Case{0, 64 * kMiB}, Case{11, 64 * kMiB}, Case{2, 1024}, Case{2, 2ull << 30},
                 Case{2, 8191}, Case{2, (1ull << 30) + 1}, Case{UINT64_MAX, UINT64_MAX},
                 Case{0, 0}}) {
    CAPTURE(c.ops, c.mem);
    auto s = crypto::ValidateKdfParams({c.ops, c.mem});
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kCorrupt);
    CHECK_THAT(s.error().message, Catch::Contains("out of bounds"));
  }
}

TEST_CASE("crypto/ValidateKdfParamsAcceptsBoundariesAndProfiles", "[crypto][kdf]") {
  CHECK(crypto::ValidateKdfParams({1, 8192}));
  CHECK(crypto::ValidateKdfParams({10, 1ull << 30}));
  CHECK(crypto::ValidateKdfParams(crypto::KdfParamsFor(crypto::KdfProfile::kInteractive)));
  CHECK(crypto::ValidateKdfParams(crypto::KdfParamsFor(crypto::KdfProfile::kModerate)));
  CHECK(crypto::ValidateKdfParams(crypto::KdfParamsFor(crypto::KdfProfile::kSensitive)));
  auto i = crypto::KdfParamsFor(crypto::KdfProfile::kInteractive);
  auto s = crypto::KdfParamsFor(crypto::KdfProfile::kSensitive);
  CHECK(s.memlimit > i.memlimit);
}

TEST_CASE("crypto/DeriveKeyFromPassphraseValidatesParamsBeforeUse", "[crypto][kdf]") {
  auto pass = Passphrase("correct horse");
  const std::string salt(crypto::kKdfSaltSize, 's');
  // A hostile memlimit (2^63) must be refused, not attempted; likewise ops.
  for (crypto::KdfParams p : {crypto::KdfParams{0, 65536}, crypto::KdfParams{11, 65536},
                              crypto::KdfParams{1, 1024}, crypto::KdfParams{1, 2ull << 30},
                              crypto::KdfParams{1, 1ull << 63}, crypto::KdfParams{1ull << 40, 65536}}) {
    CAPTURE(p.opslimit, p.memlimit);
    auto k = crypto::DeriveKeyFromPassphrase(pass, salt, p);
    REQUIRE_FALSE(k);
    CHECK(k.error().code == Code::kCorrupt);
    CHECK_THAT(k.error().message, Catch::Contains("out of bounds"));
  }
}

TEST_CASE("crypto/DeriveKeyFromPassphraseIsDeterministicPerSalt", "[crypto][kdf]") {
  const crypto::KdfParams p{1, 64 * 1024};  // tiny but valid: keeps the test fast
  auto pass = Passphrase("correct horse battery staple");
  const std::string salt1(crypto::kKdfSaltSize, '\x01');
  std::string salt2 = salt1;
  salt2[15] = '\x02';
  auto a = crypto::DeriveKeyFromPassphrase(pass, salt1, p);
  auto b = crypto::DeriveKeyFromPassphrase(pass, salt1, p);
  auto c = crypto::DeriveKeyFromPassphrase(pass, salt2, p);
  auto d = crypto::DeriveKeyFromPassphrase(Passphrase("correct horse battery stapler"), salt1, p);
  auto e = crypto::DeriveKeyFromPassphrase(pass, salt1, crypto::KdfParams{2, 64 * 1024});
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  REQUIRE(d);
  REQUIRE(e);
  CHECK(a->size() == 32);
  CHECK(a->Equals(*b));
  CHECK_FALSE(a->Equals(*c));
  CHECK_FALSE(a->Equals(*d));
  CHECK_FALSE(a->Equals(*e));
}

TEST_CASE("crypto/DeriveKeyFromPassphraseRejectsWrongSaltSize", "[crypto][kdf]") {
  auto pass = Passphrase("pw");
  for (size_t n : {size_t{0}, size_t{15}, size_t{17}}) {
    auto k = crypto::DeriveKeyFromPassphrase(pass, std::string(n, 's'), {1, 65536});
    REQUIRE_FALSE(k);
    CHECK(k.error().code == Code::kCorrupt);
  }
}

TEST_CASE("crypto/DeriveKeyFromPassphraseWithInteractiveProfile", "[crypto][kdf]") {
  auto pass = Passphrase("pw");
  auto k = crypto::DeriveKeyFromPassphrase(pass, std::string(16, 'a'),
                                           crypto::KdfParamsFor(crypto::KdfProfile::kInteractive));
  REQUIRE(k);
  CHECK(k->size() == 32);
  CHECK_FALSE(AllZero(k->span()));
}
