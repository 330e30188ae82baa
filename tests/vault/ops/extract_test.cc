// Tests for vault/ops/extract.cc: where the plaintext goes (a new file, a
// forced replacement, a descriptor).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/atomic_file.h"
#include "format/constants.h"
#include "vault/ledger/state.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/vault.h"

TEST_CASE("vault/ExtractRefusesExistingDestinationUnlessForced", "[vault]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "alpha"))}, LevelAt(*v, 0));
  REQUIRE(regs);
  std::string out = f.dir / "dest.txt";
  WriteFileBytes(out, "keep me");
  auto s = v->Extract(*f.officer, To(regs->at(0), out));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kIo);
  CHECK(ReadFileBytes(out) == "keep me");
  auto req = To(regs->at(0), out);
  req.force = true;
  REQUIRE(v->Extract(*f.officer, req));
  CHECK(ReadFileBytes(out) == "alpha");
}

TEST_CASE("vault/ExtractToDescriptorWritesThePlaintext", "[vault]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  const std::string data = PseudoRandom(300000, 9);
  auto regs = v->Add(*f.officer, {File(f.Input("d.bin", data))}, LevelAt(*v, 1));
  REQUIRE(regs);
  std::string out = f.dir / "fd-out";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  vault::ExtractRequest r = To(regs->at(0), "-");
  r.out_fd = fd;
  auto s = v->Extract(*f.officer, r);
  ::close(fd);
  REQUIRE(s);
  CHECK(ReadFileBytes(out) == data);
}

// Regression (issue 12, point 6): the temporary name used to be the
// destination's name plus a suffix, so a name of 227 bytes or more could not
// be extracted under itself. The one temporary name (base/atomic_file.h)
// does not depend on the destination's name; nothing is left beside it.
TEST_CASE("vault/ExtractToA255ByteFileNameWorksAndLeavesNoTemporaryFile", "[vault]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "long name"))}, LevelAt(*v, 0));
  REQUIRE(regs);
  const std::string name(255, 'n');
  std::string out = f.dir / name;
  REQUIRE(v->Extract(*f.officer, To(regs->at(0), out)));
  CHECK(ReadFileBytes(out) == "long name");
  for (const auto& entry : fs::directory_iterator(f.dir.path()))
    CHECK_FALSE(custody::IsAtomicFileTempName(entry.path().string()));
}

namespace {
uint64_t ExtractCount(const vault::Vault& v, const std::string& reg) {
  return v.TEST_state().FindDocument(reg).value()->extract_count();
}
}  // namespace

// R141: the extraction is committed before the first plaintext byte is
// produced. A document whose first chunk is damaged yields no plaintext at
// all, yet the attempt is on the ledger (it used to be recorded only after
// a successful decryption, so a file extraction that died half-way was
// never recorded).
TEST_CASE("vault/ExtractToAFileIsRecordedBeforeAnyPlaintextIsWritten", "[vault]") {
  Fixture f;
  std::string reg;
  uint64_t chunk0 = 0;
  {
    auto v = OpenWrite(f.path);
    auto regs = v->Add(*f.officer, {File(f.Input("d.bin", PseudoRandom(3000000, 4)))}, LevelAt(*v, 0));
    REQUIRE(regs);
    reg = regs->at(0);
    chunk0 = v->TEST_state().FindDocument(reg).value()->added().extent().offset() + 100;
  }
  FlipByte(f.path, chunk0);
  auto v = OpenWrite(f.path);
  const std::string out = f.dir / "out.bin";
  std::string seen_temp;
  uint64_t count_at_hook = 99;
  auto hook = [&](const std::string& temp) -> custody::Status {
    seen_temp = temp;
    count_at_hook = ExtractCount(*v, reg);
    return {};
  };
  auto s = v->Extract(*f.officer, To(reg, out), hook);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  CHECK(Contains(s.error().message, "chunk 0 of 3 failed authentication"));
  CHECK(custody::IsAtomicFileTempName(seen_temp));
  CHECK(count_at_hook == 0);           // the hook runs before the commit
  CHECK(ExtractCount(*v, reg) == 1);   // and the commit before decryption
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(seen_temp));
  v.reset();
  auto again = OpenWrite(f.path);      // durably: a fresh open replays it
  CHECK(ExtractCount(*again, reg) == 1);
}

TEST_CASE("vault/ExtractTempFileHookErrorStopsBeforeTheCommit", "[vault]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  auto regs = v->Add(*f.officer, {File(f.Input("a.txt", "alpha"))}, LevelAt(*v, 0));
  REQUIRE(regs);
  const std::string out = f.dir / "out.txt";
  std::string seen_temp;
  auto hook = [&](const std::string& temp) -> custody::Status {
    seen_temp = temp;
    REQUIRE(fs::exists(temp));
    REQUIRE(fs::file_size(temp) == 0);  // nothing written yet
    return custody::Fail(Code::kIo, "no register");
  };
  auto s = v->Extract(*f.officer, To(regs->at(0), out), hook);
  REQUIRE_FALSE(s);
  CHECK(s.error().message == "no register");
  CHECK(ExtractCount(*v, regs->at(0)) == 0);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(seen_temp));
  REQUIRE(v->Extract(*f.officer, To(regs->at(0), out)));  // without the hook
  CHECK(ReadFileBytes(out) == "alpha");
  CHECK(ExtractCount(*v, regs->at(0)) == 1);
}

TEST_CASE("vault/EmptyDocumentIsPaddedToNothingAndExtracts", "[vault][padding]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  auto regs = v->Add(*f.officer, {File(f.Input("empty", ""))}, LevelAt(*v, 0));
  REQUIRE(regs);
  const auto& e = v->TEST_state().FindDocument(regs->at(0)).value()->added().extent();
  CHECK(e.padding() == format::PADDING_PADME);
  CHECK(e.chunk_count() == 1);
  CHECK(e.length() == format::kChunkOverhead);
  ExpectExtracts(*v, *f.officer, regs->at(0), "", f.dir);
}

TEST_CASE("vault/AddedDocumentsArePaddedToTheirPadmeSize", "[vault][padding]") {
  Fixture f;
  auto v = OpenWrite(f.path);
  const std::string data = PseudoRandom(10000000, 5);  // Padme: 10223616
  auto regs = v->Add(*f.officer, {File(f.Input("ten.bin", data))}, LevelAt(*v, 1));
  REQUIRE(regs);
  const auto& e = v->TEST_state().FindDocument(regs->at(0)).value()->added().extent();
  CHECK(e.padding() == format::PADDING_PADME);
  CHECK(e.length() - e.chunk_count() * format::kChunkOverhead == 10223616);
  auto docs = v->List(*f.officer, false);
  REQUIRE(docs);
  CHECK(docs->at(0).size == 10000000);  // the true size, from the sealed metadata
  ExpectExtracts(*v, *f.officer, regs->at(0), data, f.dir);
}
