// A sealed copy's marking (FORMAT.md §3.17): what the issuer signs, and that
// no line of it can be changed, moved to another file or re-signed by
// someone else without ParseVerified refusing it.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "crypto/hardening.h"
#include "crypto/hash.h"
#include "vault/copies/copy_marking.h"
#include "vault/identity/identity.h"

namespace custody::vault {
namespace {

const bool kInitialized = crypto::InitializeProcess().has_value();

struct Fixture {
  std::unique_ptr<Identity> issuer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> liaison = Identity::Generate("Liaison Lee");
  CopyMarking m;
  Fixture() {
    m.vault_id_hex = std::string(32, 'a');
    m.reg_no = "S-2026-00001";
    m.copy_no = 3;
    m.of = 5;
    m.level = "secret";
    m.scope = "Ministry liaison, eyes only";
    m.recipient_line = liaison->public_identity().ToLine();
    m.issuer_line = issuer->public_identity().ToLine();
    m.issued_unix = 1796141166;
    m.file_hash = crypto::Blake2b256(std::string_view("the age file"));
  }
};

TEST_CASE("copies/MarkingRoundTrips", "[copies][marking]") {
  Fixture f;
  auto text = f.m.Sign(*f.issuer);
  REQUIRE(text);
  auto back = CopyMarking::ParseVerified(*text);
  REQUIRE(back);
  CHECK(back->Number() == "S-2026-00001/3");
  CHECK(back->of == 5);
  CHECK(back->scope == f.m.scope);
  CHECK(back->file_hash == f.m.file_hash);
  CHECK(back->Banner().find("copy 3 of 5") != std::string::npos);
}

TEST_CASE("copies/AlteredMarkingIsRefused", "[copies][marking]") {
  Fixture f;
  const std::string text = f.m.Sign(*f.issuer).value();
  // Every signed line, changed by one character, fails the signature.
  for (const char* field : {"vault ", "document ", "copy ", "level ", "scope ", "recipient ", "issued ",
                            "blake2b-256 "}) {
    std::string t = text;
    size_t at = t.find(std::string("\n") + field);
    REQUIRE(at != std::string::npos);
    at += 1 + std::string(field).size();
    t[at] = t[at] == '1' ? '2' : '1';
    auto r = CopyMarking::ParseVerified(t);
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().code == Code::kCorrupt);
  }
  CHECK_FALSE(CopyMarking::ParseVerified(text.substr(0, text.find("signature "))));
}

TEST_CASE("copies/MarkingResignedBySomeoneElseNamesThem", "[copies][marking]") {
  Fixture f;
  // A forger signing with their own key must name their own key as the
  // issuer (or the signature fails): they cannot pass it off as the officer's.
  CHECK_FALSE(f.m.Sign(*f.liaison));
  // The officer's text with the liaison's signature spliced in fails.
  const std::string text = f.m.Sign(*f.issuer).value();
  CopyMarking other = f.m;
  other.issuer_line = f.liaison->public_identity().ToLine();
  const std::string theirs = other.Sign(*f.liaison).value();
  const std::string sig = "signature ";
  CHECK_FALSE(CopyMarking::ParseVerified(text.substr(0, text.find(sig)) + theirs.substr(theirs.find(sig))));
  // Signed by the liaison as themselves, it parses and names them.
  auto by_liaison = other.Sign(*f.liaison).value();
  auto parsed = CopyMarking::ParseVerified(by_liaison);
  REQUIRE(parsed);
  CHECK(parsed->issuer_line == f.liaison->public_identity().ToLine());
}

TEST_CASE("copies/MarkingFieldsAreOneLine", "[copies][marking]") {
  Fixture f;
  f.m.scope = "line one\nsignature forged";
  auto r = f.m.Sign(*f.issuer);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kUsage);
}

}  // namespace
}  // namespace custody::vault
