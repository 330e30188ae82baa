#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "crypto/keystream.h"
#include "vault/disposal/method.h"

using namespace custody::vault::disposal;
using custody::crypto::KeystreamSeed;

namespace {
std::vector<std::string> Describe(const std::vector<Pass>& passes) {
  std::vector<std::string> out;
  for (const auto& p : passes) out.push_back(p.Describe());
  return out;
}
}  // namespace

TEST_CASE("EachMethodHasItsDocumentedPassSequence", "[method]") {
  using V = std::vector<std::string>;
  CHECK(Describe(PassSequence(Method::kZero, 1)) == V{"00"});
  CHECK(Describe(PassSequence(Method::kOne, 1)) == V{"ff"});
  CHECK(Describe(PassSequence(Method::kRandom, 1)) == V{"random"});
  CHECK(Describe(PassSequence(Method::kDod3, 1)) == V{"00", "ff", "random"});
  CHECK(Describe(PassSequence(Method::kDod7, 1)) ==
        V{"00", "ff", "random", "random", "00", "ff", "random"});
  CHECK(Describe(PassSequence(Method::kBmb, 1)) ==
        V{"ff", "00", "random", "random", "random", "ff"});
  auto g = Describe(PassSequence(Method::kGutmann, 1));
  REQUIRE(g.size() == 35);
  for (int i : {0, 1, 2, 3, 31, 32, 33, 34}) CHECK(g[i] == "random");
  CHECK(g[4] == "55");
  CHECK(g[5] == "aa");
  CHECK(g[6] == "924924");
  CHECK(g[7] == "492492");
  CHECK(g[8] == "249249");
  CHECK(g[9] == "00");
  CHECK(g[24] == "ff");
  CHECK(g[28] == "6db6db");
  CHECK(g[30] == "db6db6");
}

TEST_CASE("RoundsRepeatTheSequenceWithFreshRandomStreams", "[method]") {
  auto passes = PassSequence(Method::kDod3, 3);
  REQUIRE(passes.size() == 9);
  std::set<uint64_t> streams;
  for (const auto& p : passes)
    if (p.kind == Pass::Kind::kRandom) streams.insert(p.stream);
  CHECK(streams == std::set<uint64_t>{0, 1, 2});
  auto g = PassSequence(Method::kGutmann, 2);
  std::set<uint64_t> gs;
  for (const auto& p : g)
    if (p.kind == Pass::Kind::kRandom) gs.insert(p.stream);
  CHECK(gs.size() == 16);
}

TEST_CASE("MethodNamesRoundTripAndUnknownIsUsageError", "[method]") {
  for (auto m : {Method::kZero, Method::kOne, Method::kRandom, Method::kDod3, Method::kDod7,
                 Method::kGutmann, Method::kBmb})
    CHECK(ParseMethod(MethodName(m)) == m);
  auto bad = ParseMethod("dod");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == custody::Code::kUsage);
  CHECK(bad.error().message.find("gutmann") != std::string::npos);
}

TEST_CASE("PeriodicPatternKeepsItsPhaseAtAnyOffset", "[method]") {
  Pass p = PassSequence(Method::kGutmann, 1)[6];  // 92 49 24
  KeystreamSeed seed{};
  for (uint64_t offset : {0u, 1u, 2u, 4096u, 8388608u, 8388609u}) {
    std::vector<uint8_t> buf(1000);
    FillPass(p, seed, offset, buf);
    for (size_t i = 0; i < buf.size(); ++i) {
      INFO("offset " << offset << " i " << i);
      REQUIRE(buf[i] == p.pattern[(offset + i) % 3]);
    }
  }
}

TEST_CASE("RandomPassRegeneratesFromSeedAtAnyChunking", "[method]") {
  KeystreamSeed seed = custody::crypto::RandomKeystreamSeed();
  Pass p = PassSequence(Method::kRandom, 1)[0];
  std::vector<uint8_t> whole(1 << 20);
  FillPass(p, seed, 0, whole);
  std::vector<uint8_t> pieces(whole.size());
  for (size_t off = 0; off < pieces.size(); off += 64 * 1000) {
    size_t len = std::min<size_t>(64 * 1000, pieces.size() - off);
    FillPass(p, seed, off, std::span<uint8_t>(pieces).subspan(off, len));
  }
  CHECK(whole == pieces);
  // Another stream or another seed gives other bytes.
  Pass q = p;
  q.stream = 1;
  std::vector<uint8_t> other(4096);
  FillPass(q, seed, 0, other);
  CHECK_FALSE(std::equal(other.begin(), other.end(), whole.begin()));
  KeystreamSeed seed2 = seed;
  seed2[0] ^= 1;
  FillPass(p, seed2, 0, other);
  CHECK_FALSE(std::equal(other.begin(), other.end(), whole.begin()));
}
