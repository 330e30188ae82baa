// Runs every test vector in tests/vectors/ (see tests/vectors/README.md for
// the header keys and what each `expect:` outcome means).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "tests/tamper/tamper_util.h"
#include "tests/testutil/files.h"
#include "tests/testutil/temp_dir.h"
#include "vault/vault.h"

namespace crypto = custody::crypto;
namespace vault = custody::vault;
using namespace custody::tamper;
using custody::testutil::MemFd;
using custody::testutil::ReadFileBytes;
using custody::testutil::TempDir;
using custody::testutil::WriteFileBytes;

#ifndef CUSTODY_VECTORS_DIR
#error "CUSTODY_VECTORS_DIR must be defined"
#endif

namespace {

struct VectorFile {
  std::string name;
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string get(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? "" : it->second;
  }
};

VectorFile Parse(const std::filesystem::path& p) {
  std::string all = ReadFileBytes(p.string());
  VectorFile v;
  v.name = p.filename().string();
  size_t at = 0;
  while (true) {
    size_t nl = all.find('\n', at);
    if (nl == std::string::npos) throw std::runtime_error(v.name + ": no blank line after the header");
    std::string line = all.substr(at, nl - at);
    at = nl + 1;
    if (line.empty()) break;
    size_t colon = line.find(": ");
    if (colon == std::string::npos) throw std::runtime_error(v.name + ": bad header line " + line);
    v.headers.emplace(line.substr(0, colon), line.substr(colon + 2));
  }
  v.body = all.substr(at);
  return v;
}

bool IsFailure(const std::string& expect) { return expect.ends_with(" failure"); }

// "" if `said` (an error message or audit problem) contains the vector's
// `reason:`, otherwise what was said instead.
std::string CheckReason(const VectorFile& v, const std::string& what, const std::string& said) {
  if (said.find(v.get("reason")) != std::string::npos) return "";
  return what + " '" + said + "' does not contain the reason '" + v.get("reason") + "'";
}

// Runs one vector; returns "" if the outcome matches `expect` (and, for a
// failure, the error says `reason:`), otherwise what happened.
std::string Run(const VectorFile& v, const TempDir& dir) {
  const std::string expect = v.get("expect");
  if (IsFailure(expect) && v.get("reason").empty()) return "a failure vector needs a reason: header";
  const std::string path = dir / v.name;
  WriteFileBytes(path, v.body);
  auto pass = [&] {
    std::string p = v.get("passphrase");
    return crypto::SecretBytes::CopyOf(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size()));
  };
  if (expect == "identity success" || expect == "identity failure") {
    auto id = vault::Identity::Load(path, pass());
    if ((expect == "identity success") != id.has_value())
      return id ? "identity loaded" : "identity rejected: " + id.error().message;
    return id ? "" : CheckReason(v, "identity error", id.error().message);
  }
  if (expect == "line success" || expect == "line failure") {
    auto id = vault::PublicIdentity::Parse(v.body);
    if ((expect == "line success") != id.has_value())
      return id ? "line accepted" : "line rejected: " + id.error().message;
    return id ? "" : CheckReason(v, "line error", id.error().message);
  }
  auto rep = vault::Vault::Audit(path);
  const bool audit_clean = rep && rep->ok();
  std::string audit_says = !rep ? rep.error().message
                                : rep->ok() ? "clean" : rep->problems.front().where + ": " + rep->problems.front().message;
  bool opens;
  std::string open_says;
  {
    auto o = vault::Vault::Open(path, vault::Vault::Access::kRead);
    opens = o.has_value();
    open_says = o ? "opened" : o.error().message;
  }
  if (expect == "open failure") {
    if (opens) return "vault opened";
    if (audit_clean) return "audit was clean";
    return CheckReason(v, "open error", open_says);
  }
  if (expect == "audit failure") {
    if (audit_clean) return "audit was clean";
    if (!rep) return CheckReason(v, "audit error", rep.error().message);
    std::string all;
    for (const auto& p : rep->problems) {
      const std::string problem = p.where + ": " + p.message;
      if (CheckReason(v, "", problem).empty()) return "";
      all += (all.empty() ? "" : "; ") + problem;
    }
    return "no audit problem contains the reason '" + v.get("reason") + "' (problems: " + all + ")";
  }
  if (expect == "success" && !audit_clean) return "audit: " + audit_says;
  if ((expect == "success" || expect == "open success" || expect == "extract failure") && !opens)
    return "open: " + open_says;
  if (v.get("extract").empty()) return "";
  // Extract as the given identity (this appends an event: work on a copy).
  const std::string idpath = dir / (v.name + ".id");
  auto idbytes = custody::FromBase64(v.get("identity"));
  if (!idbytes) return "bad identity header";
  WriteFileBytes(idpath, *idbytes);
  auto id = vault::Identity::Load(idpath, pass());
  if (!id) return "identity: " + id.error().message;
  auto w = vault::Vault::Open(path, vault::Vault::Access::kWrite);
  if (!w) return "open for extract: " + w.error().message;
  MemFd out;
  vault::ExtractRequest x{v.get("extract"), "-", out.fd(), false, "vector"};
  auto s = (*w)->Extract(**id, x);
  std::string got = out.Contents();
  if (expect == "extract failure") {
    if (s) return "extract succeeded";
    if (!got.empty()) return "extract failed but wrote " + std::to_string(got.size()) + " bytes";
    return CheckReason(v, "extract error", s.error().message);
  }
  if (!s) return "extract: " + s.error().message;
  if (custody::ToHex(H(got)) != v.get("payload")) return "extracted bytes differ from payload hash";
  return "";
}

}  // namespace

TEST_CASE("test vectors", "[vectors]") {
  TempDir dir;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(CUSTODY_VECTORS_DIR))
    if (e.is_regular_file() && e.path().filename().string().find('.') == std::string::npos &&
        e.path().filename() != "README")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 52);
  std::map<std::string, int> outcomes;
  int failed = 0;
  for (const auto& f : files) {
    VectorFile v = Parse(f);
    ++outcomes[v.get("expect")];
    std::string r = Run(v, dir);
    if (!r.empty()) {
      ++failed;
      UNSCOPED_INFO(v.name << " (" << v.get("rule") << ", expect: " << v.get("expect") << "): " << r);
    }
  }
  std::ostringstream summary;
  for (const auto& [k, n] : outcomes) summary << n << " " << k << "; ";
  WARN(files.size() << " vectors: " << summary.str());
  CHECK(failed == 0);
}
