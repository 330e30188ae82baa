#include "base/atomic_file.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/testutil/files.h"
#include "tests/testutil/temp_dir.h"

using custody::AtomicFile;
using custody::Code;
using custody::DefaultEnv;
using custody::IsAtomicFileTempName;
using custody::WriteFileAtomically;
using custody::testutil::ReadFileBytes;
using custody::testutil::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> Names(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.path())) out.push_back(e.path().filename());
  return out;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("CommitPublishesTheWholeFile", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir / "out.bin";
  auto f = AtomicFile::Create(DefaultEnv(), dest);
  REQUIRE(f);
  REQUIRE((*f)->file()->WriteAt(0, Bytes("hello ")));
  REQUIRE((*f)->file()->WriteAt(6, Bytes("world")));
  CHECK_FALSE(fs::exists(dest));  // nothing visible before Commit
  REQUIRE((*f)->Commit(/*replace=*/false));
  CHECK((*f)->published());
  f->reset();
  CHECK(ReadFileBytes(dest) == "hello world");
  CHECK(Names(dir) == std::vector<std::string>{"out.bin"});
}

TEST_CASE("CommitWithReplaceOverwritesAnExistingFile", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir.Write("out.bin", "old contents");
  REQUIRE(WriteFileAtomically(DefaultEnv(), dest, "new", /*replace=*/true));
  CHECK(ReadFileBytes(dest) == "new");
  CHECK(Names(dir).size() == 1);
}

TEST_CASE("NoReplaceRefusesAnExistingDestAndRemovesTheTemp", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir.Write("out.bin", "old");
  auto s = WriteFileAtomically(DefaultEnv(), dest, "new", /*replace=*/false);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kIo);
  CHECK(s.error().message.find("already exists") != std::string::npos);
  CHECK(ReadFileBytes(dest) == "old");
  CHECK(Names(dir) == std::vector<std::string>{"out.bin"});
}

TEST_CASE("DestructorWithoutCommitLeavesNoTempAndNoDest", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir / "out.bin";
  {
    auto f = AtomicFile::Create(DefaultEnv(), dest);
    REQUIRE(f);
    REQUIRE((*f)->file()->WriteAt(0, Bytes("abandoned")));
    CHECK(fs::exists((*f)->temp_path()));
  }
  CHECK(Names(dir).empty());
}

TEST_CASE("A255ByteDestinationNameWorks", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir / std::string(250, 'n') + ".bin";  // 254 bytes; NAME_MAX is 255
  REQUIRE(WriteFileAtomically(DefaultEnv(), dest, "long", /*replace=*/false));
  CHECK(ReadFileBytes(dest) == "long");
}

TEST_CASE("TempNameFollowsTheDocumentedScheme", "[atomic_file]") {
  TempDir dir;
  std::string dest = dir / "some-long-destination-name.vault";
  auto f = AtomicFile::Create(DefaultEnv(), dest);
  REQUIRE(f);
  fs::path temp((*f)->temp_path());
  CHECK(temp.parent_path() == dir.path());
  std::string name = temp.filename();
  CHECK(name.size() == std::string(".custody-tmp-").size() + 12);
  CHECK(name.rfind(".custody-tmp-", 0) == 0);
  CHECK(IsAtomicFileTempName((*f)->temp_path()));
  CHECK_FALSE(IsAtomicFileTempName(dest));
  CHECK_FALSE(IsAtomicFileTempName(".custody-tmp-0123456789aZ"));
  CHECK_FALSE(IsAtomicFileTempName(".custody-tmp-0123"));
  // Two files for the same destination never collide.
  auto g = AtomicFile::Create(DefaultEnv(), dest);
  REQUIRE(g);
  CHECK((*g)->temp_path() != (*f)->temp_path());
}

TEST_CASE("TempFileIsPrivateUnlessAModeIsGiven", "[atomic_file]") {
  TempDir dir;
  auto mode_of = [](const std::string& p) {
    struct stat st;
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  std::string a = dir / "a", b = dir / "b";
  REQUIRE(WriteFileAtomically(DefaultEnv(), a, "x", false));
  CHECK(mode_of(a) == 0600);
  mode_t old = ::umask(022);
  REQUIRE(WriteFileAtomically(DefaultEnv(), b, "x", false, 0644));
  ::umask(old);
  CHECK(mode_of(b) == 0644);
}
