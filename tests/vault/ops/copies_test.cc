// Tests for vault/ops/copies.cc: sealed copies (FORMAT.md §3.17) of documents
// stored in chunk sizes this version never writes but every reader accepts
// (FORMAT.md §3.5: 1 byte to 16 MiB), opened by the stock `age` binary.
//
// WriteSealedCopy has two paths. When a vault chunk is a whole number of age
// chunks (64 KiB) the age chunks are sealed on the decryption's workers,
// each one's index and final flag worked out from its offset; otherwise the
// plaintext goes through AgeWriter in order. This version writes 1 MiB
// chunks, so the CLI tests (tests/tools/copies_cli_test.sh) only ever see the
// first path with 16 age chunks a vault chunk; the chunk size is set here
// through the test seam vault::TEST_SetWriteChunkSize.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/age.h"
#include "crypto/hash.h"
#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/storage/extent_stream.h"

namespace crypto = custody::crypto;

namespace {

// The writer's chunk size for this scope.
class WriteChunkSize {
 public:
  explicit WriteChunkSize(uint32_t chunk_size) { vault::TEST_SetWriteChunkSize(chunk_size); }
  ~WriteChunkSize() { vault::TEST_SetWriteChunkSize(0); }
  WriteChunkSize(const WriteChunkSize&) = delete;
  WriteChunkSize& operator=(const WriteChunkSize&) = delete;
};

// The stock tool: `age -d -i KEY -o OUT IN`. Returns its stderr, or "" on
// success.
std::string AgeDecrypt(const std::string& key, const std::string& in, const std::string& out) {
  const std::string err = out + ".err";
  const std::string cmd = "age -d -i '" + key + "' -o '" + out + "' '" + in + "' 2>'" + err + "'";
  if (std::system(cmd.c_str()) == 0) return "";
  const std::string message = ReadFileBytes(err);
  return message.empty() ? "age failed" : message;
}

// Where the binary age header ends: after "--- " + 43 base64 characters + LF.
size_t AgeHeaderLength(const std::string& file) {
  const size_t mac = file.find("\n--- ");
  REQUIRE(mac != std::string::npos);
  return mac + 1 + 48;
}

}  // namespace

TEST_CASE("vault/SealedCopiesOfDocumentsInChunksThatAreNotWholeAgeChunksOpenWithTheAgeTool",
          "[vault][copies][age]") {
  // The real tool, as in the CLI tests: not installed is a failure, not a skip.
  REQUIRE(std::system("command -v age >/dev/null 2>&1") == 0);
  // 100000 and 1 MiB + 1: not multiples of 64 KiB (the AgeWriter path, where
  // a vault chunk ends inside an age chunk); 196608 (3 age chunks) and 65536
  // (one): the parallel path on geometries other than the usual 16 to one.
  const uint32_t chunk_size = GENERATE(100000u, (1u << 20) + 1, 196608u, 65536u);
  CAPTURE(chunk_size);
  Fixture f;
  const std::string key = f.dir / "olga.key";
  {
    crypto::AgeX25519Identity id(crypto::SecretBytes::CopyOf(f.officer->x25519().secret_key.span()));
    const crypto::SecretBytes line = id.ToSecretString();
    WriteFileBytes(key, std::string(reinterpret_cast<const char*>(line.data()), line.size()) + "\n");
    REQUIRE(::chmod(key.c_str(), 0600) == 0);
  }
  // Around both kinds of boundary: age chunks (64 KiB) and vault chunks.
  const std::set<uint64_t> sizes = {0,          1,          65535,          65536,
                                    65537,      chunk_size - 1, chunk_size, chunk_size + 1,
                                    2 * chunk_size, 3 * uint64_t{chunk_size} + 12345};
  std::vector<std::string> data;
  std::vector<vault::AddRequest> reqs;
  for (uint64_t size : sizes) {
    data.push_back(PseudoRandom(static_cast<size_t>(size), static_cast<uint32_t>(size) + 7));
    reqs.push_back(File(f.Input("doc" + std::to_string(size), data.back())));
  }
  auto v = OpenWrite(f.path);
  std::vector<std::string> regs;
  {
    WriteChunkSize written_in(chunk_size);
    auto added = v->Add(*f.officer, reqs, LevelAt(*v, LevelOf(*v, "secret")));
    REQUIRE(added);
    regs = *added;
  }
  size_t i = 0;
  for (uint64_t size : sizes) {
    CAPTURE(size);
    const std::string& reg = regs[i];
    const std::string& want = data[i];
    ++i;
    REQUIRE(v->TEST_state().FindDocument(reg).value()->added().extent().chunk_size() == chunk_size);
    vault::CopyRequest r;
    r.reg_no = reg;
    r.recipient = f.officer->public_identity();
    r.sealed = true;
    r.scope = "Boundary";
    r.out_path = f.dir / (reg.substr(reg.size() - 5) + ".age");
    auto issued = v->IssueCopies(*f.officer, r);
    REQUIRE(issued);
    REQUIRE(issued->size() == 1);
    const std::string sealed = ReadFileBytes(r.out_path);
    // As long as the spec says: no empty final chunk after a full one.
    CHECK(sealed.size() == AgeHeaderLength(sealed) + crypto::kAgePayloadNonceSize + size +
                               crypto::kAgeTagSize * crypto::AgeChunkCount(size));
    // The ledger records the hash of exactly these bytes.
    CHECK(custody::ToHex(crypto::HashToString(crypto::Blake2b256(sealed))) ==
          issued->front().sealed_hash_hex);
    const std::string out = r.out_path + ".out";
    REQUIRE(AgeDecrypt(key, r.out_path, out).empty());
    // age -o creates its output with the first byte of plaintext: none for
    // an empty document.
    CHECK((fs::exists(out) ? ReadFileBytes(out) : std::string()) == want);
  }
}
