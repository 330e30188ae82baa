// Unit tests for crypto/sealed_box.h: X25519 sealed boxes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/sealed_box.h"
#include "crypto/secret_bytes.h"

namespace crypto = custody::crypto;
using custody::Code;

namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("crypto/SealedBoxRoundTrip", "[crypto][sealed]") {
  auto pair = crypto::GenerateX25519();
  REQUIRE(pair.secret_key.size() == crypto::kX25519KeySize);
  CHECK(crypto::X25519PublicFromSecret(pair.secret_key) == pair.public_key);
  auto level_key = crypto::SecretBytes::Random(32);
  std::string sealed = *crypto::SealTo(pair.public_key, level_key.span());
  REQUIRE(sealed.size() == 32 + crypto::kSealOverhead);
  auto opened = crypto::OpenSealed(pair, sealed);
  REQUIRE(opened);
  CHECK(opened->Equals(level_key));
}

TEST_CASE("crypto/SealedBoxDoesNotOpenWithAnotherKey", "[crypto][sealed]") {
  auto alice = crypto::GenerateX25519();
  auto bob = crypto::GenerateX25519();
  CHECK(alice.public_key != bob.public_key);
  std::string sealed = *crypto::SealTo(alice.public_key, Bytes("level key"));
  auto r = crypto::OpenSealed(bob, sealed);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kCorrupt);
}

TEST_CASE("crypto/SealedBoxRejectsTamperedOrShortInput", "[crypto][sealed]") {
  auto pair = crypto::GenerateX25519();
  std::string sealed = *crypto::SealTo(pair.public_key, Bytes("level key"));
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, sealed.size() - 1}) {
    std::string t = sealed;
    t[i] ^= 0x04;
    auto r = crypto::OpenSealed(pair, t);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kCorrupt);
  }
  auto shrt = crypto::OpenSealed(pair, sealed.substr(0, crypto::kSealOverhead - 1));
  REQUIRE_FALSE(shrt);
  CHECK(shrt.error().code == Code::kCorrupt);
}

// A box sealed to a low-order point could never be opened (the shared
// secret is all zeros whatever the ephemeral key): SealTo refuses.
TEST_CASE("crypto/SealedBoxRefusesLowOrderKeys", "[crypto][sealed]") {
  crypto::X25519Public zero{};
  crypto::X25519Public one{};
  one[0] = 1;
  for (const auto& key : {zero, one}) {
    auto r = crypto::SealTo(key, Bytes("level key"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
    CHECK(r.error().message.find("low-order") != std::string::npos);
  }
}
