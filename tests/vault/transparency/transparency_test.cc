// Tests for vault/transparency: the RFC 6962 tree (merkle.h) and the C2SP
// notes (note.h), against answers other implementations computed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/signing.h"
#include "vault/transparency/merkle.h"
#include "vault/transparency/note.h"

namespace tp = custody::transparency;
namespace crypto = custody::crypto;
using custody::Code;

namespace {

std::string Hex(const tp::Hash256& h) { return custody::ToHex(std::span<const uint8_t>(h.data(), h.size())); }

// The eight leaves of the certificate-transparency test suite
// (merkle_tree_test.cc), used by most RFC 6962 implementations.
std::vector<std::string> CtLeaves() {
  return {"", std::string(1, '\0'), "\x10", "\x20\x21", "\x30\x31", "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

tp::MerkleTree CtTree() {
  tp::MerkleTree t;
  for (const auto& l : CtLeaves()) t.Append(l);
  return t;
}

std::vector<std::string> HexAll(const std::vector<tp::Hash256>& v) {
  std::vector<std::string> out;
  for (const auto& h : v) out.push_back(Hex(h));
  return out;
}

}  // namespace

TEST_CASE("EmptyTreeHashIsSha256OfNothing") {
  CHECK(Hex(tp::EmptyTreeHash()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Hex(tp::MerkleTree().Root()) == Hex(tp::EmptyTreeHash()));
}

TEST_CASE("RootsMatchRfc6962KnownAnswers") {
  const char* want[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  const auto t = CtTree();
  for (uint64_t n = 1; n <= 8; ++n) CHECK(Hex(t.Root(n)) == want[n - 1]);
}

TEST_CASE("ConsistencyProofsMatchRfc6962KnownAnswers") {
  const auto t = CtTree();
  CHECK(t.ConsistencyProof(1, 1).empty());
  CHECK(HexAll(t.ConsistencyProof(1, 8)) ==
        std::vector<std::string>{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
  CHECK(HexAll(t.ConsistencyProof(6, 8)) ==
        std::vector<std::string>{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  CHECK(HexAll(t.ConsistencyProof(2, 5)) ==
        std::vector<std::string>{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"});
}

TEST_CASE("EveryConsistencyProofVerifiesAndNoAlteredOneDoes") {
  tp::MerkleTree t;
  for (int i = 0; i < 70; ++i) t.Append("event " + std::to_string(i));
  for (uint64_t n = 1; n <= t.size(); ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      const auto proof = t.ConsistencyProof(m, n);
      REQUIRE(tp::VerifyConsistency(m, t.Root(m), n, t.Root(n), proof));
      // Any other root, either side, or any flipped proof byte is refused.
      auto bad = t.Root(m);
      bad[0] ^= 1;
      REQUIRE_FALSE(tp::VerifyConsistency(m, bad, n, t.Root(n), proof));
      REQUIRE_FALSE(tp::VerifyConsistency(m, t.Root(m), n, bad, proof));
      for (size_t i = 0; i < proof.size(); ++i) {
        auto p = proof;
        p[i][31] ^= 0x80;
        REQUIRE_FALSE(tp::VerifyConsistency(m, t.Root(m), n, t.Root(n), p));
      }
      if (m < n) {
        // A proof between two other sizes does not do.
        REQUIRE_FALSE(tp::VerifyConsistency(m, t.Root(m), n, t.Root(n), {}));
        if (m > 1) REQUIRE_FALSE(tp::VerifyConsistency(m - 1, t.Root(m - 1), n, t.Root(n), proof));
      }
    }
  }
  // A smaller tree never extends a larger one.
  CHECK_FALSE(tp::VerifyConsistency(5, t.Root(5), 4, t.Root(4), t.ConsistencyProof(4, 5)));
  // The empty tree is a prefix of every tree; nothing else is the empty tree.
  CHECK(tp::VerifyConsistency(0, tp::EmptyTreeHash(), 9, t.Root(9), {}));
  CHECK_FALSE(tp::VerifyConsistency(0, t.Root(1), 9, t.Root(9), {}));
}

TEST_CASE("NoteSignatureMatchesGoSumdbNoteKnownAnswer") {
  // golang.org/x/mod/sumdb/note's TestSign: the key PeterNeumann and the
  // exact note it signs (Ed25519 is deterministic).
  auto raw = custody::FromBase64("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  REQUIRE(raw);
  REQUIRE(raw->size() == 33);
  auto key = crypto::SigningKeyFromSeed(crypto::SecretBytes::CopyOf(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(raw->data()) + 1, 32)));
  CHECK(tp::KeyId("PeterNeumann", tp::kAlgEd25519, key.public_key) == 0xc74f20a3u);
  tp::Note note;
  note.text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  note.signatures.push_back(tp::SignNote(note.text, "PeterNeumann", key));
  const std::string want =
      note.text + "\n\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
  CHECK(tp::FormatNote(note) == want);
  auto vkey = tp::VerifierKey::Parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(vkey);
  CHECK(vkey->key == key.public_key);
  CHECK(vkey->ToString() == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  auto parsed = tp::ParseNote(want);
  REQUIRE(parsed);
  REQUIRE(parsed->signatures.size() == 1);
  CHECK(tp::CheckSignature(parsed->text, parsed->signatures[0], *vkey) == tp::SignatureCheck::kValid);
  auto altered = parsed->text;
  altered[0] = 'i';
  CHECK(tp::CheckSignature(altered, parsed->signatures[0], *vkey) == tp::SignatureCheck::kInvalid);
}

TEST_CASE("BadVerifierKeysAreRefusedNamingTheProblem") {
  // Go's own bad keys (note_test.go): wrong key ID, wrong length, unknown algorithm.
  for (const char* k : {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "no-plus-signs",
                        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}) {
    auto v = tp::VerifierKey::Parse(k);
    CHECK_FALSE(v);
    if (!v) CHECK(v.error().code == Code::kUsage);
  }
}

TEST_CASE("CosignatureIsTimestampedOverTheWholeBody") {
  auto key = crypto::GenerateSigningKey();
  const std::string text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  CHECK(tp::CosignedMessage(text, 1679315147) ==
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  const auto sig = tp::Cosign(text, "witness.example.com/w1", key, 1679315147);
  REQUIRE(sig.signature.size() == 72);
  CHECK(sig.signature.substr(0, 8) == std::string("\x00\x00\x00\x00\x64\x18\x50\xcb", 8));
  const tp::VerifierKey cosigner{"witness.example.com/w1", tp::kAlgCosignatureV1, key.public_key};
  uint64_t t = 0;
  CHECK(tp::CheckSignature(text, sig, cosigner, &t) == tp::SignatureCheck::kValid);
  CHECK(t == 1679315147);
  // The same key as a note signer (alg 0x01) has another key ID: not its line.
  const tp::VerifierKey signer{"witness.example.com/w1", tp::kAlgEd25519, key.public_key};
  CHECK(tp::CheckSignature(text, sig, signer) == tp::SignatureCheck::kNotThisKey);
  auto later = sig;
  later.signature[7] ^= 1;  // another time: the signature no longer covers it
  CHECK(tp::CheckSignature(text, later, cosigner) == tp::SignatureCheck::kInvalid);
}

TEST_CASE("CheckpointBodyRoundTripsAndBadOnesAreRefused") {
  tp::TreeHead h{"custody/00ff", 20852163, tp::MerkleTree().Root(), {"ext one"}};
  auto text = tp::FormatCheckpoint(h);
  CHECK(text == "custody/00ff\n20852163\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n");
  auto back = tp::ParseCheckpoint(text);
  REQUIRE(back);
  CHECK(back->origin == h.origin);
  CHECK(back->size == h.size);
  CHECK(back->root == h.root);
  CHECK(back->extensions == h.extensions);
  for (const char* bad : {"custody/00ff\n020\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                          "custody/00ff\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                          "custody/00ff\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=\n",
                          "\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "custody/00ff\n20\n",
                          "custody/00ff\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"}) {
    auto r = tp::ParseCheckpoint(bad);
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().code == Code::kCorrupt);
  }
}

TEST_CASE("MalformedNotesAreRefused") {
  const std::string text = "custody/00ff\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  for (const std::string& bad : {text, text + "\n", text + "\n- name AAAAAAAA\n",
                                 text + "\n\xE2\x80\x94 name\n", text + "\n\xE2\x80\x94 na+me AAAAAAAA\n",
                                 text + "\n\xE2\x80\x94 name AAAA\n", std::string("a\x01\n\n\xE2\x80\x94 n AAAAAAAA\n"),
                                 text + "\n\xE2\x80\x94 name AAAAAAAA"}) {
    auto r = tp::ParseNote(bad);
    CHECK_FALSE(r);
  }
  std::string many = text + "\n";
  for (int i = 0; i <= 100; ++i) many += "\xE2\x80\x94 n" + std::to_string(i) + " AAAAAAAA\n";
  CHECK_FALSE(tp::ParseNote(many));
}

TEST_CASE("VerifierKeysRoundTripWhateverTheirBase64Holds") {
  // Base64 may hold '+' (the field separator): the fields are split at the
  // first two, as Go's note.NewVerifier does.
  int with_plus = 0;
  for (int i = 0; i < 64; ++i) {
    const tp::VerifierKey k{"custody/00ff/0123456789abcdef", i % 2 ? tp::kAlgEd25519 : tp::kAlgCosignatureV1,
                            crypto::GenerateSigningKey().public_key};
    const std::string text = k.ToString();
    with_plus += text.substr(text.rfind('+') + 1).find('+') != std::string::npos ||
                 std::count(text.begin(), text.end(), '+') > 2;
    auto back = tp::VerifierKey::Parse(text);
    REQUIRE(back);
    CHECK(back->name == k.name);
    CHECK(back->alg == k.alg);
    CHECK(back->key == k.key);
  }
  CHECK(with_plus > 0);
}
