// Unit tests for crypto/age.h: round trips at the chunk boundaries, keys as
// the spec spells them, scrypt, the armor's shape, and refusals (truncation at
// every chunk boundary, every flipped byte). The C2SP/CCTV kit
// (age_cctv_runner) and the stock age binary (age_interop_test.sh) test the
// format against others; these test our API's contract.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/age.h"
#include "crypto/sealed_box.h"
#include "tests/testutil/pseudo_random.h"

namespace crypto = custody::crypto;
using crypto::AgeFailure;
using custody::Code;
using custody::testutil::PseudoRandom;

namespace {

// The spec's example key (age.md, "The X25519 recipient type").
constexpr std::string_view kSpecIdentity =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
constexpr std::string_view kSpecRecipient =
    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

crypto::AgeX25519Identity NewIdentity() {
  return crypto::AgeX25519Identity(crypto::GenerateX25519().secret_key);
}

crypto::SecretBytes Pass(std::string_view p) {
  return crypto::SecretBytes::CopyOf({reinterpret_cast<const uint8_t*>(p.data()), p.size()});
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Encrypts `plaintext`, handing it to the writer in pieces of `piece` bytes.
std::string Encrypt(const std::string& plaintext, std::vector<const crypto::AgeRecipient*> to,
                    bool armor = false, size_t piece = 10000) {
  std::string file;
  crypto::AgeStringSink sink(file);
  auto writer = crypto::AgeWriter::Create(sink, to, {.armor = armor});
  REQUIRE(writer);
  for (size_t i = 0; i < plaintext.size(); i += piece)
    REQUIRE((*writer)->Write(Bytes(plaintext).subspan(i, std::min(piece, plaintext.size() - i))));
  REQUIRE((*writer)->Finish());
  return file;
}

struct Decrypted {
  AgeFailure failure = AgeFailure::kNone;
  Code code = Code::kOk;
  std::string message;
  std::string plaintext;  // what was released, even on failure
};

Decrypted Decrypt(const std::string& file, std::vector<const crypto::AgeIdentity*> with,
                  crypto::AgeArmor armor = crypto::AgeArmor::kDetect) {
  Decrypted out;
  crypto::AgeBytesSource source(file);
  auto reader = crypto::AgeReader::Open(source, with, {.armor = armor}, &out.failure);
  if (!reader) {
    out.code = reader.error().code;
    out.message = reader.error().message;
    return out;
  }
  while (true) {
    auto chunk = (*reader)->Next();
    if (!chunk) {
      out.failure = (*reader)->failure();
      out.code = chunk.error().code;
      out.message = chunk.error().message;
      return out;
    }
    if (chunk->empty()) return out;
    REQUIRE(chunk->size() <= crypto::kAgeChunkSize);
    out.plaintext.append(reinterpret_cast<const char*>(chunk->data()), chunk->size());
  }
}

// Header (version 22 + stanza line 54 + body line 44 + MAC line 48) + nonce.
constexpr size_t kOneX25519HeaderAndNonce = 22 + 54 + 44 + 48 + 16;
constexpr size_t kSealedChunk = crypto::kAgeChunkSize + crypto::kAgeTagSize;

}  // namespace

TEST_CASE("crypto/AgeRoundTripsAtTheChunkBoundaries", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  for (size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537},
                      size_t{131072}, size_t{200000}}) {
    for (bool armor : {false, true}) {
      CAPTURE(size, armor);
      const std::string plaintext = PseudoRandom(size, static_cast<uint32_t>(size));
      const std::string file = Encrypt(plaintext, {&recipient}, armor);
      if (!armor) {
        // One chunk per started 64 KiB (one empty chunk for an empty payload).
        const size_t chunks = size == 0 ? 1 : (size + crypto::kAgeChunkSize - 1) / crypto::kAgeChunkSize;
        CHECK(file.size() == kOneX25519HeaderAndNonce + size + chunks * crypto::kAgeTagSize);
      }
      auto got = Decrypt(file, {&id});
      CHECK(got.failure == AgeFailure::kNone);
      CHECK(got.message == "");
      CHECK(got.plaintext == plaintext);
    }
  }
}

TEST_CASE("crypto/AgeWriterGivesTheSameFileShapeWhateverThePieces", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  const std::string plaintext = PseudoRandom(2 * crypto::kAgeChunkSize, 7);
  for (size_t piece : {size_t{1}, size_t{4096}, crypto::kAgeChunkSize, 3 * crypto::kAgeChunkSize}) {
    CAPTURE(piece);
    const std::string file = Encrypt(plaintext, {&recipient}, false, piece);
    CHECK(file.size() == kOneX25519HeaderAndNonce + 2 * kSealedChunk);  // no empty third chunk
    CHECK(Decrypt(file, {&id}).plaintext == plaintext);
  }
}

TEST_CASE("crypto/AgeKeysParseAsTheSpecSpellsThem", "[crypto][age]") {
  auto id = crypto::AgeX25519Identity::Parse(kSpecIdentity);
  REQUIRE(id);
  CHECK(id->Recipient().ToString() == kSpecRecipient);
  auto recipient = crypto::AgeX25519Recipient::Parse(kSpecRecipient);
  REQUIRE(recipient);
  CHECK(recipient->public_key() == id->Recipient().public_key());

  // age accepts only the upper-case identity that age-keygen writes.
  std::string lower(kSpecIdentity);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(crypto::AgeX25519Identity::Parse(lower).error().code == Code::kUsage);
  std::string damaged(kSpecIdentity);
  damaged[30] = damaged[30] == 'Q' ? 'P' : 'Q';
  CHECK(crypto::AgeX25519Identity::Parse(damaged).error().message.find("bech32") !=
        std::string::npos);
  auto pq = crypto::AgeX25519Identity::Parse("AGE-SECRET-KEY-PQ-1XXXX");
  REQUIRE_FALSE(pq);
  CHECK(pq.error().message.find("unsupported age identity type") != std::string::npos);
  CHECK_FALSE(crypto::AgeX25519Recipient::Parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hz"));
  CHECK_FALSE(crypto::AgeX25519Recipient::Parse(kSpecIdentity));
}

TEST_CASE("crypto/AgeReaderTriesEachIdentityAndReportsNoMatch", "[crypto][age]") {
  auto alice = NewIdentity(), bob = NewIdentity(), carol = NewIdentity();
  auto ra = alice.Recipient(), rb = bob.Recipient();
  const std::string plaintext = "for alice and bob";
  const std::string file = Encrypt(plaintext, {&ra, &rb});
  CHECK(Decrypt(file, {&bob}).plaintext == plaintext);
  CHECK(Decrypt(file, {&carol, &alice}).plaintext == plaintext);
  auto none = Decrypt(file, {&carol});
  CHECK(none.failure == AgeFailure::kNoMatch);
  CHECK(none.code == Code::kAuth);
  CHECK(none.message.find("no identity matched") != std::string::npos);
  CHECK(Decrypt(file, {}).failure == AgeFailure::kNoMatch);
}

TEST_CASE("crypto/AgeScryptRoundTripsAndMustBeAlone", "[crypto][age]") {
  crypto::AgeScryptRecipient by_passphrase(Pass("correct horse"), 10);
  const std::string plaintext = PseudoRandom(70000, 3);
  const std::string file = Encrypt(plaintext, {&by_passphrase});
  crypto::AgeScryptIdentity right(Pass("correct horse")), wrong(Pass("battery staple"));
  CHECK(Decrypt(file, {&right}).plaintext == plaintext);
  auto refused = Decrypt(file, {&wrong});
  CHECK(refused.failure == AgeFailure::kNoMatch);
  CHECK(refused.code == Code::kAuth);
  // Above the reader's work-factor bound: refused before any work is done.
  crypto::AgeScryptIdentity cautious(Pass("correct horse"), 9);
  auto bounded = Decrypt(file, {&cautious});
  CHECK(bounded.failure == AgeFailure::kHeader);
  CHECK(bounded.message.find("work factor 10 is above the limit 9") != std::string::npos);

  auto id = NewIdentity();
  auto recipient = id.Recipient();
  std::string out;
  crypto::AgeStringSink sink(out);
  std::vector<const crypto::AgeRecipient*> mixed{&recipient, &by_passphrase};
  auto writer = crypto::AgeWriter::Create(sink, mixed);
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == Code::kUsage);
  CHECK(out.empty());
  CHECK_FALSE(crypto::AgeWriter::Create(sink, {}));
}

TEST_CASE("crypto/AgeArmorIsStrictPemOf64Columns", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  // 40 bytes of plaintext make a 240-byte file: exactly five 48-byte lines,
  // so END follows a full line directly; 41 bytes need a short last line.
  for (size_t size : {size_t{40}, size_t{41}}) {
    CAPTURE(size);
    const std::string file = Encrypt(std::string(size, 'a'), {&recipient}, true);
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < file.size();) {
      const size_t lf = file.find('\n', pos);
      REQUIRE(lf != std::string::npos);  // every line ends with LF, the last too
      lines.push_back(file.substr(pos, lf - pos));
      pos = lf + 1;
    }
    REQUIRE(lines.size() == (size == 40 ? 7u : 8u));
    CHECK(lines.front() == "-----BEGIN AGE ENCRYPTED FILE-----");
    CHECK(lines.back() == "-----END AGE ENCRYPTED FILE-----");
    for (size_t i = 1; i + 2 < lines.size(); ++i) CHECK(lines[i].size() == 64);
    CHECK(lines[lines.size() - 2].size() == (size == 40 ? 64u : 4u));
    CHECK(Decrypt(file, {&id}).plaintext == std::string(size, 'a'));
    CHECK(Decrypt(file, {&id}, crypto::AgeArmor::kArmored).plaintext == std::string(size, 'a'));
    CHECK(Decrypt(file, {&id}, crypto::AgeArmor::kBinary).failure == AgeFailure::kHeader);
  }
  const std::string binary = Encrypt("x", {&recipient});
  CHECK(Decrypt(binary, {&id}, crypto::AgeArmor::kArmored).failure == AgeFailure::kArmor);
  CHECK(Decrypt(binary, {&id}, crypto::AgeArmor::kBinary).plaintext == "x");
}

TEST_CASE("crypto/AgeReaderRefusesTruncationAtEveryChunkBoundary", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  const std::string plaintext = PseudoRandom(3 * crypto::kAgeChunkSize, 11);  // 3 full chunks
  const std::string file = Encrypt(plaintext, {&recipient});
  REQUIRE(file.size() == kOneX25519HeaderAndNonce + 3 * kSealedChunk);
  for (size_t chunks = 0; chunks < 3; ++chunks) {
    CAPTURE(chunks);
    auto got = Decrypt(file.substr(0, kOneX25519HeaderAndNonce + chunks * kSealedChunk), {&id});
    CHECK(got.failure == AgeFailure::kPayload);
    CHECK(got.code == Code::kCorrupt);
    CHECK(got.message.find("age payload truncated") != std::string::npos);
    // Released: exactly the verified chunks before the cut.
    CHECK(got.plaintext == plaintext.substr(0, chunks * crypto::kAgeChunkSize));
  }
  // Cut inside the final chunk: it no longer authenticates, nothing of it leaks.
  auto cut = Decrypt(file.substr(0, file.size() - 1), {&id});
  CHECK(cut.failure == AgeFailure::kPayload);
  CHECK(cut.message.find("chunk 2 failed to authenticate") != std::string::npos);
  CHECK(cut.plaintext == plaintext.substr(0, 2 * crypto::kAgeChunkSize));
  // Data after a full final chunk.
  auto trailing = Decrypt(file + "x", {&id});
  CHECK(trailing.failure == AgeFailure::kPayload);
  CHECK(trailing.message.find("data after the final chunk") != std::string::npos);
}

TEST_CASE("crypto/AgeEveryFlippedByteIsRefused", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  const std::string file = Encrypt("a short secret", {&recipient});
  for (size_t i = 0; i < file.size(); ++i) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::string damaged = file;
      damaged[i] = static_cast<char>(damaged[i] ^ bit);
      auto got = Decrypt(damaged, {&id}, crypto::AgeArmor::kBinary);
      CAPTURE(i, bit, got.message);
      CHECK(got.failure != AgeFailure::kNone);
      CHECK(got.plaintext.empty());  // one chunk: nothing released unless it verified
    }
  }
}

TEST_CASE("crypto/AgeWriterRefusesUseAfterFinish", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  std::string out;
  crypto::AgeStringSink sink(out);
  auto writer = crypto::AgeWriter::Create(sink, std::vector<const crypto::AgeRecipient*>{&recipient});
  REQUIRE(writer);
  REQUIRE((*writer)->Finish());
  CHECK((*writer)->Write(Bytes("late")).error().code == Code::kUsage);
  CHECK_FALSE((*writer)->Finish());
  CHECK(Decrypt(out, {&id}).plaintext.empty());
}

TEST_CASE("crypto/AgeArmorReadsCrlfAndRefusesABadCharacterInAFullLine", "[crypto][age]") {
  auto id = NewIdentity();
  auto recipient = id.Recipient();
  const std::string plaintext = PseudoRandom(100000, 5);
  const std::string file = Encrypt(plaintext, {&recipient}, true);
  std::string crlf;
  for (char c : file) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CHECK(Decrypt(crlf, {&id}).plaintext == plaintext);
  // A full 64-column line deep in the payload with one non-base64 character.
  std::string bad = file;
  const size_t line = bad.find('\n', bad.size() / 2) + 1;
  bad[line + 10] = '*';
  auto got = Decrypt(bad, {&id});
  CHECK(got.failure == AgeFailure::kArmor);
  CHECK(got.message.find("age armor: line is not canonical base64") != std::string::npos);
  CHECK(got.plaintext.size() < plaintext.size());
  CHECK(got.plaintext == plaintext.substr(0, got.plaintext.size()));
}
