// Tests for vault/ops/extract.cc: where the plaintext goes (a new file, a
// forced replacement, a descriptor).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/atomic_file.h"
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
