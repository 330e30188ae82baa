// Tests for vault/identity/: identity files (identity.cc) and public identity
// lines (bech32 itself is tested in tests/base/bech32_test.cc).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "base/bech32.h"
#include "crypto/aead.h"
#include "crypto/password_kdf.h"
#include "crypto/sealed_box.h"
#include "crypto/secret_bytes.h"
#include "crypto/signing.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/testutil/vault_fixture.h"
#include "vault/identity/identity.h"

namespace fs = std::filesystem;
namespace crypto = custody::crypto;
namespace format = custody::format;
namespace vault = custody::vault;
using custody::Code;
using custody::testutil::Contains;
using custody::testutil::Init;
using custody::testutil::PseudoRandom;
using custody::testutil::ReadFileBytes;
using custody::testutil::TempDir;
using custody::testutil::WriteFileBytes;
using vault::Identity;

TEST_CASE("vault/IdentityFileRoundTripAndWrongPassphraseIsAuth", "[vault][identity]") {
  Init();
  TempDir dir;
  auto id = Identity::Generate("Irene Identity");
  auto pass = crypto::SecretBytes::CopyOf(crypto::AsBytes("correct horse"));
  const std::string path = dir / "irene.id";
  REQUIRE(id->Save(path, pass, crypto::KdfProfile::kInteractive));
  CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));

  auto loaded = Identity::Load(path, pass);
  REQUIRE(loaded);
  CHECK((*loaded)->public_identity().ToLine() == id->public_identity().ToLine());
  CHECK((*loaded)->x25519().secret_key.Equals(id->x25519().secret_key));
  // The loaded key signs what the original verifies.
  CHECK(crypto::Verify(id->public_identity().ed25519, "m", (*loaded)->Sign("m")));

  auto pub = vault::PublicIdentity::ReadFromIdentityFile(path);
  REQUIRE(pub);
  CHECK(pub->ToLine() == id->public_identity().ToLine());

  auto wrong = Identity::Load(path, crypto::SecretBytes::CopyOf(crypto::AsBytes("correct horsE")));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == Code::kAuth);

  // Refuses to overwrite.
  auto again = id->Save(path, pass, crypto::KdfProfile::kInteractive);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Code::kIo);

  auto missing = Identity::Load(dir / "none.id", pass);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Code::kNotFound);
}

TEST_CASE("vault/TruncatedOrGarbageIdentityFileIsCorrupt", "[vault][identity]") {
  Init();
  TempDir dir;
  auto id = Identity::Generate("Irene");
  auto pass = crypto::SecretBytes::CopyOf(crypto::AsBytes("pw"));
  const std::string path = dir / "irene.id";
  REQUIRE(id->Save(path, pass, crypto::KdfProfile::kInteractive));
  const std::string good = ReadFileBytes(path);
  struct Case {
    std::string name, bytes;
  };
  for (const Case& c : {Case{"half", good.substr(0, good.size() / 2)},
                        Case{"minus-one", good.substr(0, good.size() - 1)},
                        Case{"magic-only", good.substr(0, format::kIdentityMagic.size())},
                        Case{"garbage", PseudoRandom(300, 71)}, Case{"empty", ""},
                        Case{"huge", std::string(format::kMaxIdentityFileSize + 1, 'x')},
                        Case{"vault-like", std::string("CUSTODY\x01") + PseudoRandom(200, 72)}}) {
    CAPTURE(c.name);
    std::string p = dir / c.name;
    WriteFileBytes(p, c.bytes);
    auto l = Identity::Load(p, pass);
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kCorrupt);
    auto pub = vault::PublicIdentity::ReadFromIdentityFile(p);
    REQUIRE_FALSE(pub);
    CHECK(pub.error().code == Code::kCorrupt);
  }
}

namespace {
// Rewrites the stored IdentityFile message through `edit`.
void EditIdentityFile(const std::string& path, const std::function<void(format::IdentityFile&)>& edit) {
  std::string bytes = ReadFileBytes(path);
  format::IdentityFile file;
  REQUIRE(file.ParseFromString(bytes.substr(format::kIdentityMagic.size())));
  edit(file);
  WriteFileBytes(path, std::string(format::kIdentityMagic) + file.SerializeAsString());
}
}  // namespace

TEST_CASE("vault/IdentityFileWithHostileKdfParamsIsRefusedBeforeDerivation", "[vault][identity]") {
  Init();
  TempDir dir;
  auto id = Identity::Generate("Irene");
  auto pass = crypto::SecretBytes::CopyOf(crypto::AsBytes("pw"));
  struct Case {
    uint64_t ops, mem;
  };
  int n = 0;
  const std::string original = dir / "original.id";
  REQUIRE(id->Save(original, pass, crypto::KdfProfile::kInteractive));
  for (Case c : {Case{2, 1ull << 62}, Case{2, 2ull << 30}, Case{0, 1 << 20}, Case{1000000, 1 << 20},
                 Case{2, 1024}}) {
    CAPTURE(c.ops, c.mem);
    std::string path = dir / ("hostile" + std::to_string(n++));
    fs::copy_file(original, path);
    EditIdentityFile(path, [&](format::IdentityFile& file) {
      file.set_kdf_opslimit(c.ops);
      file.set_kdf_memlimit(c.mem);
    });
    auto start = std::chrono::steady_clock::now();
    auto l = Identity::Load(path, pass);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kCorrupt);
    CHECK(Contains(l.error().message, "out of bounds"));
    CHECK(took < std::chrono::seconds(2));  // (1000000 passes would take minutes)
  }
}

TEST_CASE("vault/IdentityFileWithAlteredPublicFieldsDoesNotLoad", "[vault][identity]") {
  Init();
  TempDir dir;
  auto id = Identity::Generate("Irene");
  auto other = Identity::Generate("Mallory");
  auto pass = crypto::SecretBytes::CopyOf(crypto::AsBytes("pw"));
  const std::string original = dir / "original.id";
  REQUIRE(id->Save(original, pass, crypto::KdfProfile::kInteractive));
  {
    std::string p = dir / "renamed";
    fs::copy_file(original, p);
    EditIdentityFile(p, [](format::IdentityFile& f) { f.mutable_keys()->set_name("Mallory"); });
    auto l = Identity::Load(p, pass);
    REQUIRE_FALSE(l);
    CHECK((l.error().code == Code::kAuth || l.error().code == Code::kCorrupt));
  }
  {
    std::string p = dir / "swapped-key";
    fs::copy_file(original, p);
    EditIdentityFile(p, [&](format::IdentityFile& f) {
      const auto& k = other->public_identity().ed25519;
      f.mutable_keys()->set_ed25519(std::string(reinterpret_cast<const char*>(k.data()), 32));
    });
    auto l = Identity::Load(p, pass);
    REQUIRE_FALSE(l);
    CHECK((l.error().code == Code::kAuth || l.error().code == Code::kCorrupt));
  }
  {
    std::string p = dir / "bad-salt";
    fs::copy_file(original, p);
    EditIdentityFile(p, [](format::IdentityFile& f) { f.set_salt("short"); });
    auto l = Identity::Load(p, pass);
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kCorrupt);
  }
}

TEST_CASE("vault/PublicIdentityParseRoundTripsToLine", "[vault][identity]") {
  Init();
  for (const char* name : {"Alice", "王 小明 (档案室)", "Jean-Luc Picard  of the Enterprise", "a"}) {
    CAPTURE(name);
    auto id = Identity::Generate(name);
    const auto& pub = id->public_identity();
    std::string line = pub.ToLine();
    CHECK(line.rfind("age1", 0) == 0);
    CHECK(Contains(line, " ed25519:"));
    CHECK(line.substr(line.size() - std::string(name).size()) == name);
    for (const std::string& text : {line, "  " + line + "  \n", line + "\r\n"}) {
      auto parsed = vault::PublicIdentity::Parse(text);
      REQUIRE(parsed);
      CHECK(parsed->name == name);
      CHECK(parsed->x25519 == pub.x25519);
      CHECK(parsed->ed25519 == pub.ed25519);
      CHECK(parsed->ToLine() == line);
      CHECK(parsed->Fingerprint() == pub.Fingerprint());
    }
  }
}

TEST_CASE("vault/PublicIdentityParseRejectsBadChecksumAndMalformedLines", "[vault][identity]") {
  Init();
  auto id = Identity::Generate("Bob Builder");
  const std::string line = id->public_identity().ToLine();
  const size_t sp = line.find(' ');
  const std::string age = line.substr(0, sp);
  // Change one data character of the bech32 string: the checksum no longer matches.
  for (size_t i : {size_t{5}, size_t{20}, age.size() - 1}) {
    CAPTURE(i);
    std::string bad = line;
    bad[i] = bad[i] == 'q' ? 'p' : 'q';
    auto r = vault::PublicIdentity::Parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
    CHECK(Contains(r.error().message, "age1"));
  }
  for (const std::string& bad : {
           std::string(""), std::string("   "), age,                       // nothing after the recipient
           line.substr(0, line.find(' ', sp + 1)),                          // missing name
           age + " ed25519:AAAA Name",                                      // short signing key
           age + " " + line.substr(sp + 1 + 8),                             // missing ed25519: prefix
           "age2" + line.substr(4),                                         // wrong hrp
           line + "\x01",                                                   // control character in name
       }) {
    CAPTURE(bad);
    auto r = vault::PublicIdentity::Parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kUsage);
  }
  // Upper case recipients are accepted (bech32 is case-insensitive), mixed case is not.
  std::string upper = age;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return std::toupper(c); });
  auto up = vault::PublicIdentity::Parse(upper + line.substr(sp));
  REQUIRE(up);
  CHECK(up->x25519 == id->public_identity().x25519);
  std::string mixed = age;
  mixed[6] = static_cast<char>(std::toupper(mixed[6]));
  if (mixed != age) CHECK_FALSE(vault::PublicIdentity::Parse(mixed + line.substr(sp)));
}

TEST_CASE("vault/ParseLineOrFileReadsTheFirstLineOfAFile", "[vault][identity]") {
  Init();
  TempDir dir;
  auto id = Identity::Generate("Carol");
  std::string p = dir / "carol.pub";
  WriteFileBytes(p, id->public_identity().ToLine() + "\nsecond line ignored\n");
  auto r = vault::PublicIdentity::ParseLineOrFile(p);
  REQUIRE(r);
  CHECK(r->ed25519 == id->public_identity().ed25519);
  auto direct = vault::PublicIdentity::ParseLineOrFile(id->public_identity().ToLine());
  REQUIRE(direct);
  CHECK(direct->name == "Carol");
  auto missing = vault::PublicIdentity::ParseLineOrFile(dir / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Code::kNotFound);
}

TEST_CASE("vault/AgeRecipientMatchesTheAgeToolForItsTestKey", "[vault][identity][bech32]") {
  Init();
  const std::string secret_text =
      "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
  auto scalar = custody::Bech32Decode("age-secret-key-", secret_text);
  REQUIRE(scalar);
  REQUIRE(scalar->size() == 32);
  CHECK(*scalar == std::string(32, '\x42'));
  // Re-encoding gives the same (lower-case) text.
  std::string lower = secret_text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return std::tolower(c); });
  CHECK(custody::Bech32Encode("age-secret-key-", *scalar) == lower);

  auto secret = crypto::SecretBytes::CopyOf(crypto::AsBytes(*scalar));
  vault::PublicIdentity pub;
  pub.name = "age test key";
  pub.x25519 = crypto::X25519PublicFromSecret(secret);
  const std::string expected = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
  CHECK(pub.AgeRecipient() == expected);
  auto decoded = custody::Bech32Decode("age", expected);
  REQUIRE(decoded);
  CHECK(std::equal(decoded->begin(), decoded->end(), reinterpret_cast<const char*>(pub.x25519.data())));
}
