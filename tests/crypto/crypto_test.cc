// Unit tests for crypto/: libsodium wrappers (secret memory, AEAD, sealed
// boxes, signatures, Argon2id bounds, BLAKE2b, keystream, encodings).
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <span>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "base/encoding.h"
#include "crypto/hardening.h"
#include "crypto/hash.h"
#include "crypto/keystream.h"
#include "crypto/password_kdf.h"
#include "crypto/sealed_box.h"
#include "crypto/secret_bytes.h"
#include "crypto/signing.h"
#include "base/status.h"

namespace crypto = custody::crypto;
using custody::Code;

namespace {

const bool kInitialized = [] {
  auto s = crypto::InitializeProcess();
  return s.has_value();
}();

void Init() {
  REQUIRE(kInitialized);
  REQUIRE(crypto::InitializeProcess());  // idempotent
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

bool AllZero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

std::string ToHexArray(const crypto::Hash256& h) { return custody::ToHex(crypto::HashToString(h)); }

crypto::SecretBytes Passphrase(std::string_view s) { return crypto::SecretBytes::CopyOf(crypto::AsBytes(s)); }

}  // namespace

// ---------------------------------------------------------------- SecretBytes

TEST_CASE("crypto/SecretBytesAllocatesZeroedMemoryOfTheRequestedSize", "[crypto][secret]") {
  Init();
  crypto::SecretBytes s(48);
  REQUIRE(s.size() == 48);
  REQUIRE_FALSE(s.empty());
  REQUIRE(s.data() != nullptr);
  CHECK(AllZero(s.span()));
}

TEST_CASE("crypto/SecretBytesZeroSizeIsEmptyAndEqualToOtherEmpty", "[crypto][secret]") {
  Init();
  crypto::SecretBytes a(0);
  crypto::SecretBytes b;
  auto c = crypto::SecretBytes::CopyOf({});
  CHECK(a.empty());
  CHECK(a.size() == 0);
  CHECK(a.span().empty());
  CHECK(c.empty());
  CHECK(a.Equals(b));
  CHECK(b.Equals(c));
  crypto::SecretBytes one(1);
  CHECK_FALSE(a.Equals(one));
  CHECK_FALSE(one.Equals(a));
}

TEST_CASE("crypto/SecretBytesMoveTransfersOwnershipAndEmptiesSource", "[crypto][secret]") {
  Init();
  auto original = crypto::SecretBytes::CopyOf(Bytes("top secret key material!"));
  const uint8_t* ptr = original.data();
  crypto::SecretBytes moved(std::move(original));
  CHECK(moved.data() == ptr);
  CHECK(moved.size() == 24);
  CHECK(std::string(reinterpret_cast<const char*>(moved.data()), moved.size()) ==
        "top secret key material!");
  CHECK(original.empty());          // NOLINT(bugprone-use-after-move)
  CHECK(original.data() == nullptr);  // NOLINT(bugprone-use-after-move)

  crypto::SecretBytes assigned(8);
  assigned = std::move(moved);
  CHECK(assigned.data() == ptr);
  CHECK(assigned.size() == 24);
  CHECK(moved.empty());  // NOLINT(bugprone-use-after-move)

  // Self-move assignment keeps the contents.
  crypto::SecretBytes& alias = assigned;
  assigned = std::move(alias);
  CHECK(assigned.size() == 24);
  CHECK(assigned.data() == ptr);
}

TEST_CASE("crypto/SecretBytesEqualsComparesContentAndSize", "[crypto][secret]") {
  Init();
  auto a = crypto::SecretBytes::CopyOf(Bytes("abcdef"));
  auto b = crypto::SecretBytes::CopyOf(Bytes("abcdef"));
  auto c = crypto::SecretBytes::CopyOf(Bytes("abcdeg"));
  auto d = crypto::SecretBytes::CopyOf(Bytes("abcde"));
  CHECK(a.Equals(b));
  CHECK(b.Equals(a));
  CHECK_FALSE(a.Equals(c));
  CHECK_FALSE(a.Equals(d));
  CHECK_FALSE(d.Equals(a));
}

TEST_CASE("crypto/SecretBytesRandomProducesDistinctValues", "[crypto][secret]") {
  Init();
  auto a = crypto::SecretBytes::Random(32);
  auto b = crypto::SecretBytes::Random(32);
  REQUIRE(a.size() == 32);
  CHECK_FALSE(a.Equals(b));
  CHECK_FALSE(AllZero(a.span()));
}

TEST_CASE("crypto/SecretBytesSliceViewsTheRequestedRange", "[crypto][secret]") {
  Init();
  auto a = crypto::SecretBytes::CopyOf(Bytes("0123456789"));
  auto s = a.slice(3, 4);
  CHECK(std::string(s.begin(), s.end()) == "3456");
  CHECK(a.slice(10, 0).empty());
}

TEST_CASE("crypto/WipeZeroesMemory", "[crypto][secret]") {
  Init();
  std::string buf = "sensitive";
  crypto::Wipe(buf.data(), buf.size());
  CHECK(buf == std::string(9, '\0'));
}

// ----------------------------------------------------------------------- AEAD

TEST_CASE("crypto/AeadSealOpenRoundTrip", "[crypto][aead]") {
  Init();
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
  Init();
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
  Init();
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize + 5] ^= 0x01; });
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize] ^= 0x80; });
}

TEST_CASE("crypto/AeadOpenFailsIfNonceTampered", "[crypto][aead]") {
  Init();
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[0] ^= 0x01; });
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed[crypto::kAeadNonceSize - 1] ^= 0x40; });
}

TEST_CASE("crypto/AeadOpenFailsIfTagTampered", "[crypto][aead]") {
  Init();
  ExpectOpenFails([](auto& sealed, auto&, auto&) { sealed.back() ^= 0x01; });
  ExpectOpenFails(
      [](auto& sealed, auto&, auto&) { sealed[sealed.size() - crypto::kAeadTagSize] ^= 0x10; });
}

TEST_CASE("crypto/AeadOpenFailsIfAssociatedDataDiffers", "[crypto][aead]") {
  Init();
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad.back() = '1'; });
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad.clear(); });
  ExpectOpenFails([](auto&, std::string& ad, auto&) { ad += '\0'; });
}

TEST_CASE("crypto/AeadOpenFailsUnderTheWrongKey", "[crypto][aead]") {
  Init();
  ExpectOpenFails([](auto&, auto&, crypto::SecretBytes& key) { key.data()[0] ^= 1; });
}

TEST_CASE("crypto/AeadOpenFailsIfTruncatedOrExtended", "[crypto][aead]") {
  Init();
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
  Init();
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
  Init();
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
  Init();
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

// ----------------------------------------------------------------- Sealed box

TEST_CASE("crypto/SealedBoxRoundTrip", "[crypto][sealed]") {
  Init();
  auto pair = crypto::GenerateX25519();
  REQUIRE(pair.secret_key.size() == crypto::kX25519KeySize);
  CHECK(crypto::X25519PublicFromSecret(pair.secret_key) == pair.public_key);
  auto level_key = crypto::SecretBytes::Random(32);
  std::string sealed = crypto::SealTo(pair.public_key, level_key.span());
  REQUIRE(sealed.size() == 32 + crypto::kSealOverhead);
  auto opened = crypto::OpenSealed(pair, sealed);
  REQUIRE(opened);
  CHECK(opened->Equals(level_key));
}

TEST_CASE("crypto/SealedBoxDoesNotOpenWithAnotherKey", "[crypto][sealed]") {
  Init();
  auto alice = crypto::GenerateX25519();
  auto bob = crypto::GenerateX25519();
  CHECK(alice.public_key != bob.public_key);
  std::string sealed = crypto::SealTo(alice.public_key, Bytes("level key"));
  auto r = crypto::OpenSealed(bob, sealed);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kCorrupt);
}

TEST_CASE("crypto/SealedBoxRejectsTamperedOrShortInput", "[crypto][sealed]") {
  Init();
  auto pair = crypto::GenerateX25519();
  std::string sealed = crypto::SealTo(pair.public_key, Bytes("level key"));
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

// -------------------------------------------------------------------- Ed25519

TEST_CASE("crypto/Ed25519SignVerifyRoundTrip", "[crypto][signing]") {
  Init();
  auto key = crypto::GenerateSigningKey();
  REQUIRE(key.secret.size() == 64);
  std::string sig = crypto::Sign(key, "ledger event 42");
  REQUIRE(sig.size() == crypto::kSignatureSize);
  CHECK(crypto::Verify(key.public_key, "ledger event 42", sig));
  // Empty message too.
  CHECK(crypto::Verify(key.public_key, "", crypto::Sign(key, "")));
}

TEST_CASE("crypto/Ed25519VerifyFailsOnFlippedMessage", "[crypto][signing]") {
  Init();
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
  Init();
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
  Init();
  auto a = crypto::GenerateSigningKey();
  auto b = crypto::GenerateSigningKey();
  CHECK_FALSE(crypto::Verify(b.public_key, "msg", crypto::Sign(a, "msg")));
}

TEST_CASE("crypto/Ed25519KeyFromSeedIsDeterministic", "[crypto][signing]") {
  Init();
  auto a = crypto::GenerateSigningKey();
  auto seed = a.seed();
  auto b = crypto::SigningKeyFromSeed(crypto::SecretBytes::CopyOf(seed));
  CHECK(b.public_key == a.public_key);
  CHECK(b.secret.Equals(a.secret));
  // Ed25519 is deterministic: same key + message => same signature.
  CHECK(crypto::Sign(a, "m") == crypto::Sign(b, "m"));
  CHECK(crypto::Verify(a.public_key, "m", crypto::Sign(b, "m")));
}

// ------------------------------------------------------------------------ KDF

TEST_CASE("crypto/ValidateKdfParamsRejectsOutOfBounds", "[crypto][kdf]") {
  Init();
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
  Init();
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
  Init();
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
  Init();
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
  Init();
  auto pass = Passphrase("pw");
  for (size_t n : {size_t{0}, size_t{15}, size_t{17}}) {
    auto k = crypto::DeriveKeyFromPassphrase(pass, std::string(n, 's'), {1, 65536});
    REQUIRE_FALSE(k);
    CHECK(k.error().code == Code::kCorrupt);
  }
}

TEST_CASE("crypto/DeriveKeyFromPassphraseWithInteractiveProfile", "[crypto][kdf]") {
  Init();
  auto pass = Passphrase("pw");
  auto k = crypto::DeriveKeyFromPassphrase(pass, std::string(16, 'a'),
                                           crypto::KdfParamsFor(crypto::KdfProfile::kInteractive));
  REQUIRE(k);
  CHECK(k->size() == 32);
  CHECK_FALSE(AllZero(k->span()));
}

// ----------------------------------------------------------------------- Hash

TEST_CASE("crypto/Blake2b256KnownAnswers", "[crypto][hash]") {
  Init();
  CHECK(ToHexArray(crypto::Blake2b256(std::string_view{})) ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  CHECK(ToHexArray(crypto::Blake2b256(std::string_view{"abc"})) ==
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  std::vector<uint8_t> empty;
  CHECK(ToHexArray(crypto::Blake2b256(std::span<const uint8_t>(empty))) ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  crypto::Blake2bHasher h;
  CHECK(ToHexArray(h.Final()) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_CASE("crypto/Blake2bStreamingEqualsOneShot", "[crypto][hash]") {
  Init();
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 7));
  const auto expect = crypto::Blake2b256(data);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{128}, size_t{129}, size_t{4096}, data.size()}) {
    CAPTURE(piece);
    crypto::Blake2bHasher h;
    for (size_t at = 0; at < data.size(); at += piece)
      h.Update(std::string_view(data).substr(at, piece));
    CHECK(h.Final() == expect);
  }
  // Span overload too, and a different input gives a different hash.
  crypto::Blake2bHasher h;
  h.Update(crypto::AsBytes(data));
  CHECK(h.Final() == expect);
  data[50000] ^= 1;
  CHECK(crypto::Blake2b256(data) != expect);
}

TEST_CASE("crypto/Blake2bHasherCopySnapshotsState", "[crypto][hash]") {
  Init();
  crypto::Blake2bHasher a;
  a.Update("hello ");
  crypto::Blake2bHasher b = a;
  a.Update("world");
  b.Update("there");
  CHECK(a.Final() == crypto::Blake2b256(std::string_view{"hello world"}));
  CHECK(b.Final() == crypto::Blake2b256(std::string_view{"hello there"}));
}

TEST_CASE("crypto/HashToStringIsTheRawBytes", "[crypto][hash]") {
  Init();
  auto h = crypto::Blake2b256(std::string_view{"x"});
  std::string s = crypto::HashToString(h);
  REQUIRE(s.size() == 32);
  CHECK(std::equal(s.begin(), s.end(), reinterpret_cast<const char*>(h.data())));
}

// ------------------------------------------------------------------ Keystream

TEST_CASE("crypto/KeystreamRegeneratesIdenticallyAtOffsets", "[crypto][keystream]") {
  Init();
  auto seed = crypto::RandomKeystreamSeed();
  std::vector<uint8_t> whole(64 * 100);
  crypto::FillKeystream(seed, 3, 0, whole);
  CHECK_FALSE(AllZero(whole));
  for (uint64_t off : {uint64_t{0}, uint64_t{64}, uint64_t{640}, uint64_t{64 * 37}}) {
    for (size_t len : {size_t{1}, size_t{64}, size_t{100}, size_t{1000}}) {
      if (off + len > whole.size()) continue;
      CAPTURE(off, len);
      std::vector<uint8_t> part(len, 0xEE);
      crypto::FillKeystream(seed, 3, off, part);
      CHECK(std::equal(part.begin(), part.end(), whole.begin() + static_cast<long>(off)));
    }
  }
  // Far offsets (beyond 4 GiB) are addressable and reproducible.
  std::vector<uint8_t> far1(128), far2(128);
  crypto::FillKeystream(seed, 3, 1ull << 40, far1);
  crypto::FillKeystream(seed, 3, 1ull << 40, far2);
  CHECK(far1 == far2);
  CHECK_FALSE(std::equal(far1.begin(), far1.end(), whole.begin()));
}

TEST_CASE("crypto/KeystreamDiffersPerStreamIdAndSeed", "[crypto][keystream]") {
  Init();
  auto seed = crypto::RandomKeystreamSeed();
  std::vector<uint8_t> a(256), b(256), c(256), d(256);
  crypto::FillKeystream(seed, 0, 0, a);
  crypto::FillKeystream(seed, 1, 0, b);
  crypto::FillKeystream(seed, 1ull << 32, 0, c);
  auto seed2 = seed;
  seed2[0] ^= 1;
  crypto::FillKeystream(seed2, 0, 0, d);
  CHECK(a != b);
  CHECK(a != c);
  CHECK(b != c);
  CHECK(a != d);
}

TEST_CASE("crypto/KeystreamMatchesChaCha20OfAFixedSeed", "[crypto][keystream]") {
  Init();
  // RFC 7539 / djb ChaCha20 test vector: all-zero key, all-zero nonce, block 0
  // starts 76 b8 e0 ad a0 f1 3d 90.
  crypto::KeystreamSeed zero{};
  std::vector<uint8_t> out(8);
  crypto::FillKeystream(zero, 0, 0, out);
  CHECK(custody::ToHex({reinterpret_cast<const char*>(out.data()), out.size()}) == "76b8e0ada0f13d90");
}

TEST_CASE("crypto/RandomKeystreamSeedsDiffer", "[crypto][keystream]") {
  Init();
  CHECK(crypto::RandomKeystreamSeed() != crypto::RandomKeystreamSeed());
}

// ------------------------------------------------------------------ Encodings

TEST_CASE("crypto/HexRoundTrip", "[crypto][encoding]") {
  Init();
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string hex = custody::ToHex(all);
  REQUIRE(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(504) == "fcfdfeff");
  auto back = custody::FromHex(hex);
  REQUIRE(back);
  CHECK(*back == all);
  CHECK(custody::ToHex("") == "");
  auto empty = custody::FromHex("");
  REQUIRE(empty);
  CHECK(empty->empty());
  auto upper = custody::FromHex("DEADBEEF", custody::HexCase::kEither);
  REQUIRE(upper);
  CHECK(*upper == std::string("\xde\xad\xbe\xef"));
}

TEST_CASE("crypto/FromHexRejectsMalformedInput", "[crypto][encoding]") {
  Init();
  for (const char* bad : {"0", "abc", "zz", "0g", "00 11", " 0011", "0011 ", "00:11"}) {
    CAPTURE(bad);
    CHECK_FALSE(custody::FromHex(bad));
  }
}

TEST_CASE("crypto/Base64RoundTripWithPadding", "[crypto][encoding]") {
  Init();
  CHECK(custody::ToBase64("") == "");
  CHECK(custody::ToBase64("f") == "Zg==");
  CHECK(custody::ToBase64("fo") == "Zm8=");
  CHECK(custody::ToBase64("foo") == "Zm9v");
  CHECK(custody::ToBase64("foobar") == "Zm9vYmFy");
  CHECK(custody::ToBase64("\xfb\xff") == "+/8=");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(255 - i));
  for (size_t n = 0; n <= 10; ++n) {
    auto back = custody::FromBase64(custody::ToBase64(all.substr(0, n)));
    REQUIRE(back);
    CHECK(*back == all.substr(0, n));
  }
  auto back = custody::FromBase64(custody::ToBase64(all));
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("crypto/Base64StrictRejectsNonCanonical", "[crypto][encoding]") {
  Init();
  for (const char* bad : {
           "Zg",         // missing padding
           "Zg=",        // short padding
           "Zg===",      // extra padding
           "Zh==",       // non-zero trailing bits (canonical is Zg==)
           "Zm9=",       // non-zero trailing bits (canonical is Zm8=)
           "Zm9v\n",     // trailing newline
           " Zm9v",      // leading space
           "Zm 9v",      // inner space
           "Zm9v====",   // padding after a full group
           "Zm9v-_8=",   // URL-safe alphabet
           "Z===",       // impossible length
           "=Zm9",       // padding first
       }) {
    CAPTURE(bad);
    CHECK_FALSE(custody::FromBase64(bad));
  }
}

TEST_CASE("crypto/CodeNamesAndErrorContext", "[crypto][status]") {
  CHECK(std::string(custody::CodeName(Code::kCorrupt)) == "integrity");
  CHECK(std::string(custody::CodeName(Code::kAuth)) == "authentication");
  CHECK(static_cast<int>(Code::kNotFound) == 6);
  CHECK(static_cast<int>(Code::kNotCleared) == 4);
  custody::Error e{Code::kNotCleared, "inner"};
  auto w = e.With("outer");
  CHECK(w.code == Code::kNotCleared);
  CHECK(w.message == "outer: inner");
}
