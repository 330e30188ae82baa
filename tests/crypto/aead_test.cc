// Unit tests for crypto/aead.h: XChaCha20-Poly1305 seal/open with an
// internal random nonce; every tampering fails with kCorrupt and a zeroed
// output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/secret_bytes.h"

namespace crypto = custody::crypto;
using custody::Code;

namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

bool AllZero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

TEST_CASE("crypto/AeadSealOpenRoundTrip", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(crypto::kAeadKeySize);
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{4096}}) {
    std::vector<uint8_t> pt(n);
    for (size_t i = 0; i < n; ++i) pt[i] = static_cast<uint8_t>(i * 7 + 3);
    auto ad = Bytes("vault/doc/chunk0");
    std::vector<uint8_t> sealed(n + crypto::kAeadOverhead);
    crypto::AeadSeal(key.span(), pt, ad, sealed);
    if (n > 0) {
      // Ciphertext is not the plaintext.
      CHECK_FALSE(std::equal(pt.begin(), pt.end(), sealed.begin() + crypto::kAeadNonceSize));
    }
    std::vector<uint8_t> out(n, 0xAA);
    REQUIRE(crypto::AeadOpen(key.span(), sealed, ad, out));
    CHECK(out == pt);
  }
}

TEST_CASE("crypto/AeadSealUsesAFreshNonceEachTime", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(32);
  std::string a = crypto::AeadSealString(key.span(), "same message", "ad");
  std::string b = crypto::AeadSealString(key.span(), "same message", "ad");
  REQUIRE(a.size() == 12 + crypto::kAeadOverhead);
  CHECK(a.substr(0, crypto::kAeadNonceSize) != b.substr(0, crypto::kAeadNonceSize));
  CHECK(a != b);
}

namespace {
// Seals a 64-byte message, applies `mutate` and checks that opening fails
// with kCorrupt and leaves the output zeroed.
void ExpectOpenFails(const std::function<void(std::vector<uint8_t>& sealed, std::string& ad,
                                              crypto::SecretBytes& key)>& mutate) {
  auto key = crypto::SecretBytes::Random(32);
  std::vector<uint8_t> pt(64);
  for (size_t i = 0; i < pt.size(); ++i) pt[i] = static_cast<uint8_t>(0x41 + i % 26);
  std::string ad = "custody/v1/chunk:doc-1:0";
  std::vector<uint8_t> sealed(pt.size() + crypto::kAeadOverhead);
  crypto::AeadSeal(key.span(), pt, crypto::AsBytes(ad), sealed);
  mutate(sealed, ad, key);
  std::vector<uint8_t> out(pt.size(), 0xCC);
  auto st = crypto::AeadOpen(key.span(), sealed, crypto::AsBytes(ad), out);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Code::kCorrupt);
  CHECK(AllZero(out));
}
}  // namespace

TEST_CASE("crypto/AeadOpenFailsIfCiphertextTampered", "[crypto][aead]") {
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize + 5] ^= 0x01; });
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize] ^= 0x80; });
}

TEST_CASE("crypto/AeadOpenFailsIfNonceTampered", "[crypto][aead]") {
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[0] ^= 0x01; });
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize - 1] ^= 0x40; });
}

TEST_CASE("crypto/AeadOpenFailsIfTagTampered", "[crypto][aead]") {
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed.back() ^= 0x01; });
  ExpectOpenFails(
      [](auto& sealed, auto&, auto&) { sealed[sealed.size() - crypto::kAeadTagSize] ^= 0x10; });
}

TEST_CASE("crypto/AeadOpenFailsIfAssociatedDataDiffers", "[crypto][aead]") {
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad.back() = '1'; });
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad.clear(); });
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad += '\0'; });
}

TEST_CASE("crypto/AeadOpenFailsUnderTheWrongKey", "[crypto][aead]") {
  ExpectOpenFails([](auto&, auto&, crypto::SecretBytes& key) { key.data()[0] ^= 1; });
}

TEST_CASE("crypto/AeadOpenFailsIfTruncatedOrExtended", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(32);
  std::string sealed = crypto::AeadSealString(key.span(), "hello world", "ad");
  auto truncated = crypto::AeadOpenString(key.span(), sealed.substr(0, sealed.size() - 1), "ad");
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().code == Code::kCorrupt);
  auto extended = crypto::AeadOpenString(key.span(), sealed + "x", "ad");
  REQUIRE_FALSE(extended);
  CHECK(extended.error().code == Code::kCorrupt);
}

TEST_CASE("crypto/AeadOpenRejectsInputShorterThanOverhead", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(32);
  for (size_t n : {size_t{0}, size_t{1}, crypto::kAeadNonceSize, crypto::kAeadOverhead - 1}) {
    std::vector<uint8_t> sealed(n, 0x5A);
    std::vector<uint8_t> out;
    auto st = crypto::AeadOpen(key.span(), sealed, {}, out);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Code::kCorrupt);
    CHECK_THAT(st.error().message, Catch::Contains("too short"));

    auto s = crypto::AeadOpenString(key.span(), std::string(n, 'x'), "");
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kCorrupt);
    auto k = crypto::AeadOpenSecret(key.span(), std::string(n, 'x'), "");
    REQUIRE_FALSE(k);
    CHECK(k.error().code == Code::kCorrupt);
  }
}

TEST_CASE("crypto/AeadEmptyPlaintextStillAuthenticates", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(32);
  std::string sealed = crypto::AeadSealString(key.span(), "", "ad");
  REQUIRE(sealed.size() == crypto::kAeadOverhead);
  auto ok = crypto::AeadOpenString(key.span(), sealed, "ad");
  REQUIRE(ok);
  CHECK(ok->empty());
  sealed[30] ^= 1;
  auto bad = crypto::AeadOpenString(key.span(), sealed, "ad");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Code::kCorrupt);
}

TEST_CASE("crypto/AeadStringAndSecretFormsRoundTrip", "[crypto][aead]") {
  auto key = crypto::SecretBytes::Random(32);
  auto data_key = crypto::SecretBytes::Random(32);
  std::string wrapped = crypto::AeadSealString(
      key.span(), {reinterpret_cast<const char*>(data_key.data()), data_key.size()}, "wrap");
  auto opened = crypto::AeadOpenSecret(key.span(), wrapped, "wrap");
  REQUIRE(opened);
  CHECK(opened->Equals(data_key));
  auto wrong_ad = crypto::AeadOpenSecret(key.span(), wrapped, "wrap2");
  REQUIRE_FALSE(wrong_ad);
  CHECK(wrong_ad.error().code == Code::kCorrupt);

  auto s = crypto::AeadOpenString(key.span(), crypto::AeadSealString(key.span(), "metadata", "m"), "m");
  REQUIRE(s);
  CHECK(*s == "metadata");
}
