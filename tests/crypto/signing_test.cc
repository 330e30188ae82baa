// Unit tests for crypto/signing.h: Ed25519 keys, signatures, seeds.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.h"
#include "crypto/signing.h"

namespace crypto = custody::crypto;

TEST_CASE("crypto/Ed25519SignVerifyRoundTrip", "[crypto][signing]") {
  auto key = crypto::GenerateSigningKey();
  REQUIRE(key.secret.size() == 64);
  std::string sig = crypto::Sign(key, "ledger event 42");
  REQUIRE(sig.size() == crypto::kSignatureSize);
  CHECK(crypto::Verify(key.public_key, "ledger event 42", sig));
  // Empty message too.
  CHECK(crypto::Verify(key.public_key, "", crypto::Sign(key, "")));
}

TEST_CASE("crypto/Ed25519VerifyFailsOnFlippedMessage", "[crypto][signing]") {
  auto key = crypto::GenerateSigningKey();
  std::string msg = "ledger event 42";
  std::string sig = crypto::Sign(key, msg);
  for (size_t i = 0; i < msg.size(); ++i) {
    std::string m = msg;
    m[i] ^= 0x01;
    CHECK_FALSE(crypto::Verify(key.public_key, m, sig));
  }
  CHECK_FALSE(crypto::Verify(key.public_key, msg + "x", sig));
}

TEST_CASE("crypto/Ed25519VerifyFailsOnFlippedSignature", "[crypto][signing]") {
  auto key = crypto::GenerateSigningKey();
  std::string sig = crypto::Sign(key, "msg");
  for (size_t i = 0; i < sig.size(); ++i) {
    std::string s = sig;
    s[i] ^= 0x20;
    CHECK_FALSE(crypto::Verify(key.public_key, "msg", s));
  }
  CHECK_FALSE(crypto::Verify(key.public_key, "msg", sig.substr(0, 63)));
  CHECK_FALSE(crypto::Verify(key.public_key, "msg", sig + '\0'));
  CHECK_FALSE(crypto::Verify(key.public_key, "msg", ""));
}

TEST_CASE("crypto/Ed25519VerifyFailsUnderAnotherPublicKey", "[crypto][signing]") {
  auto a = crypto::GenerateSigningKey();
  auto b = crypto::GenerateSigningKey();
  CHECK_FALSE(crypto::Verify(b.public_key, "msg", crypto::Sign(a, "msg")));
}

TEST_CASE("crypto/Ed25519KeyFromSeedIsDeterministic", "[crypto][signing]") {
  auto a = crypto::GenerateSigningKey();
  auto seed = a.seed();
  auto b = crypto::SigningKeyFromSeed(crypto::SecretBytes::CopyOf(seed));
  CHECK(b.public_key == a.public_key);
  CHECK(b.secret.Equals(a.secret));
  // Ed25519 is deterministic: same key + message => same signature.
  CHECK(crypto::Sign(a, "m") == crypto::Sign(b, "m"));
  CHECK(crypto::Verify(a.public_key, "m", crypto::Sign(b, "m")));
}
