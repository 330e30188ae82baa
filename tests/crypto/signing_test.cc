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

// R114: S + L verifies the same point equation; it must be rejected by our
// own check, whatever libsodium was built with.
TEST_CASE("crypto/Ed25519SignatureWithSPlusLIsRejected", "[crypto][signing]") {
  auto key = crypto::GenerateSigningKey();
  const std::string message = "custody R114";
  std::string sig = crypto::Sign(key, message);
  REQUIRE(crypto::SignatureScalarIsCanonical(sig));
  static const uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0x10};
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    unsigned v = static_cast<uint8_t>(sig[32 + i]) + kL[i] + carry;
    sig[32 + i] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
  CHECK_FALSE(crypto::SignatureScalarIsCanonical(sig));
  CHECK_FALSE(crypto::Verify(key.public_key, message, sig));
  // S == L exactly, and the largest canonical S.
  std::string at_l = sig;
  std::copy(std::begin(kL), std::end(kL), at_l.begin() + 32);
  CHECK_FALSE(crypto::SignatureScalarIsCanonical(at_l));
  at_l[32] = static_cast<char>(0xec);
  CHECK(crypto::SignatureScalarIsCanonical(at_l));
}

// R113: the eight small-order points (and their non-canonical encodings)
// are never valid signing keys; an honest key is.
TEST_CASE("crypto/SmallOrderEd25519KeysAreNotValidSigningKeys", "[crypto][signing]") {
  const char* small_order_hex[] = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  };
  for (const char* hex : small_order_hex) {
    crypto::Ed25519Public pub{};
    for (size_t i = 0; i < 32; ++i) pub[i] = static_cast<uint8_t>(std::stoi(std::string(hex + 2 * i, 2), nullptr, 16));
    INFO(hex);
    CHECK_FALSE(crypto::IsValidSigningKey(pub));
  }
  CHECK(crypto::IsValidSigningKey(crypto::GenerateSigningKey().public_key));
}
