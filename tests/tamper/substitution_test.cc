// A named attack the per-chunk AEAD cannot catch: a member who holds a
// document's data key (anyone cleared for its level, or a revoked member who
// kept it) and has write access to the vault file re-encrypts a chunk with
// other content. The chunk authenticates (right key, right associated
// data); only the root hash in the signed DocumentAdded event tells it from
// the original. Extract must refuse it before releasing the last chunk
// (R140): to a file, nothing is created; to a descriptor, the last chunk
// never appears.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "format/endian.h"
#include "tests/tamper/tamper_util.h"
#include "tests/testutil/files.h"
#include "tests/testutil/pseudo_random.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/vault_levels.h"
#include "vault/keys/document_key.h"
#include "vault/keys/key_ring.h"
#include "vault/ledger/state.h"
#include "vault/ops/policy.h"
#include "vault/storage/extent_stream.h"
#include "vault/vault.h"

namespace crypto = custody::crypto;
namespace format = custody::format;
namespace vault = custody::vault;
using custody::testutil::MemFd;
using custody::testutil::PseudoRandom;
using custody::testutil::ReadFileBytes;
using custody::testutil::TempDir;
using custody::testutil::WriteFileBytes;
using vault::Identity;
using vault::Vault;

namespace {

// A vault holding one two-chunk document (1.5 MiB: its own Padmé size) at
// level 1, added by `alice`.
struct TwoChunkVault {
  TempDir dir;
  std::unique_ptr<Identity> alice = Identity::Generate("alice");
  std::string path = dir / "sub.cv";
  std::string plain = PseudoRandom(3u << 19, 11);
  std::string reg;

  TwoChunkVault() {
    REQUIRE(Vault::Create(path, *alice, {"internal", "secret"}, ""));
    WriteFileBytes(dir / "doc.bin", plain);
    auto v = Vault::Open(path, Vault::Access::kWrite);
    REQUIRE(v);
    auto regs = (*v)->Add(*alice, {{dir / "doc.bin", "", "", ""}}, custody::testutil::LevelAt(**v, 1));
    REQUIRE(regs);
    reg = regs->front();
  }

  // What the insider does: unwrap the data key with their own level key,
  // encrypt `content` as chunk `index` (valid AEAD, the chunk's own AD) and
  // write it over the stored chunk.
  void Substitute(uint64_t index, const std::string& content) {
    auto v = Vault::Open(path, Vault::Access::kRead);
    REQUIRE(v);
    const vault::VaultState& state = (*v)->TEST_state();
    const format::DocumentState* d = state.FindDocument(reg).value();
    REQUIRE(d != nullptr);
    const format::Member* me = state.FindMember(vault::SigningKeyOf(*alice));
    REQUIRE(me != nullptr);
    auto ring = vault::OpenKeySlots(state, *me, *alice);
    REQUIRE(ring);
    std::string bytes = ReadFileBytes(path);
    format::WrappedDocumentKey wrap;
    for (const auto& r : custody::tamper::Records(bytes))
      if (r.offset == d->key().offset()) REQUIRE(wrap.ParseFromString(custody::tamper::Payload(bytes, r)));
    REQUIRE(wrap.doc_id() == d->added().doc_id());
    auto data_key = vault::UnwrapDataKey((*ring)->Key(1), state.vault_id, wrap);
    REQUIRE(data_key);

    const format::Extent& e = d->added().extent();
    REQUIRE(e.chunk_count() == 2);
    REQUIRE(content.size() == (index == 0 ? e.chunk_size() : plain.size() - e.chunk_size()));
    std::string ad = vault::ChunkAdPrefix(state.vault_id, d->added().doc_id(), d->added().version());
    format::PutLe64(ad, index);
    ad.push_back(index + 1 == e.chunk_count() ? '\1' : '\0');
    std::vector<uint8_t> sealed(content.size() + format::kChunkOverhead);
    crypto::AeadSeal(data_key->span(), crypto::AsBytes(content), crypto::AsBytes(ad), sealed);
    const uint64_t at = e.offset() + index * (e.chunk_size() + format::kChunkOverhead);
    bytes.replace(at, sealed.size(), reinterpret_cast<const char*>(sealed.data()), sealed.size());
    v->reset();
    WriteFileBytes(path, bytes);
  }

  uint64_t Extracts() {
    auto v = Vault::Open(path, Vault::Access::kRead);
    REQUIRE(v);
    return (*v)->TEST_state().FindDocument(reg).value()->extract_count();
  }
};

vault::ExtractRequest Request(const std::string& reg, const std::string& out, int fd = 1) {
  return vault::ExtractRequest{reg, out, fd, false, "substitution"};
}

}  // namespace

TEST_CASE("a chunk re-encrypted under the data key is refused when extracted to a file",
          "[tamper][scenario][substitution]") {
  TwoChunkVault t;
  const uint64_t index = GENERATE(0, 1);
  INFO("substituted chunk " << index);
  const size_t len = index == 0 ? (1u << 20) : t.plain.size() - (1u << 20);
  t.Substitute(index, std::string(len, 'Z'));

  auto v = Vault::Open(t.path, Vault::Access::kWrite);
  REQUIRE(v);
  const std::string out = t.dir / "out.bin";
  auto s = (*v)->Extract(*t.alice, Request(t.reg, out));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == custody::Code::kCorrupt);
  INFO(s.error().message);
  CHECK(s.error().message.find("document " + t.reg) != std::string::npos);
  CHECK(s.error().message.find("does not match its registered hash") != std::string::npos);
  CHECK(s.error().message.find("substitution by a member with write access") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  for (const auto& entry : std::filesystem::directory_iterator(t.dir.path()))
    CHECK_FALSE(custody::IsAtomicFileTempName(entry.path().string()));
  v->reset();
  CHECK(t.Extracts() == 1);  // R141: the attempt is on the ledger all the same

  auto rep = Vault::Audit(t.path);  // and the keyless audit names the document
  REQUIRE(rep);
  CHECK(std::count(rep->damaged_documents.begin(), rep->damaged_documents.end(), t.reg) == 1);
}

TEST_CASE("a chunk re-encrypted under the data key never lets the last chunk reach a descriptor",
          "[tamper][scenario][substitution]") {
  TwoChunkVault t;
  const uint64_t index = GENERATE(0, 1);
  INFO("substituted chunk " << index);
  const size_t first = 1u << 20, second = t.plain.size() - first;
  t.Substitute(index, std::string(index == 0 ? first : second, 'Z'));

  auto v = Vault::Open(t.path, Vault::Access::kWrite);
  REQUIRE(v);
  MemFd fd;
  auto s = (*v)->Extract(*t.alice, Request(t.reg, "-", fd.fd()));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == custody::Code::kCorrupt);
  CHECK(s.error().message.find("does not match its registered hash") != std::string::npos);
  const std::string got = fd.Contents();
  // The first chunk may already be out (a pipe cannot be taken back); the
  // last, original or substituted, is not.
  CHECK(got.size() == first);
  CHECK(got.find(std::string(64, 'Z')) == (index == 0 ? 0 : std::string::npos));
  CHECK(got.find(t.plain.substr(first, 4096)) == std::string::npos);
}

// The mount reads a chunk at a time (Vault::OpenContent, FORMAT.md R181):
// the same substitution must be refused at the open, before any chunk is
// served, while mere damage leaves the rest of the document readable.
TEST_CASE("the mount's reader refuses a substituted chunk before serving any",
          "[tamper][scenario][substitution][mount]") {
  TwoChunkVault t;
  const uint64_t index = GENERATE(0, 1);
  INFO("substituted chunk " << index);
  const size_t len = index == 0 ? (1u << 20) : t.plain.size() - (1u << 20);
  t.Substitute(index, std::string(len, 'Z'));
  auto v = Vault::Open(t.path, Vault::Access::kRead);
  REQUIRE(v);
  auto r = (*v)->OpenContent(*t.alice, t.reg);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == custody::Code::kCorrupt);
  CHECK(r.error().message.find("substitution by a member with write access") != std::string::npos);
}

TEST_CASE("the mount's reader serves the intact chunks of a damaged document, and only those",
          "[tamper][scenario][mount]") {
  TwoChunkVault t;
  const uint64_t damaged = GENERATE(0, 1);
  INFO("damaged chunk " << damaged);
  auto offset_of = [&](uint64_t index) {
    auto v = Vault::Open(t.path, Vault::Access::kRead);
    REQUIRE(v);
    const auto& e = (*v)->TEST_state().FindDocument(t.reg).value()->added().extent();
    return e.offset() + index * (e.chunk_size() + format::kChunkOverhead) + 100;
  };
  std::string bytes = ReadFileBytes(t.path);
  bytes[offset_of(damaged)] ^= 0x20;  // a bit flipped on the medium
  WriteFileBytes(t.path, bytes);

  auto v = Vault::Open(t.path, Vault::Access::kRead);
  REQUIRE(v);
  auto r = (*v)->OpenContent(*t.alice, t.reg);
  REQUIRE(r);
  std::vector<uint8_t> scratch((1u << 20) + format::kChunkOverhead);
  auto out = crypto::SecretBytes(1u << 20);
  auto bad = (*r)->ReadChunk(damaged, scratch, out.span());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == custody::Code::kCorrupt);
  CHECK(bad.error().message.find("failed authentication") != std::string::npos);
  const uint64_t good = 1 - damaged;
  auto n = (*r)->ReadChunk(good, scratch, out.span());
  REQUIRE(n);
  CHECK(std::string(reinterpret_cast<const char*>(out.data()), *n) ==
        t.plain.substr(good << 20, *n));

  // A chunk rewritten after the open is refused even though it was intact:
  // the reader checks each read against the hashes it took at the open.
  bytes = ReadFileBytes(t.path);
  bytes[offset_of(good)] ^= 0x01;
  WriteFileBytes(t.path, bytes);
  auto changed = (*r)->ReadChunk(good, scratch, out.span());
  REQUIRE_FALSE(changed);
  CHECK(changed.error().message.find("changed since the document was opened") != std::string::npos);
}
