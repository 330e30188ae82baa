#include "vault/disposal/method.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/encoding.h"

namespace custody::vault::disposal {
namespace {

struct MethodEntry {
  Method method;
  const char* name;
};

constexpr std::array<MethodEntry, 7> kMethods{{
    {Method::kZero, "zero"},
    {Method::kOne, "one"},
    {Method::kRandom, "random"},
    {Method::kDod3, "dod-3"},
    {Method::kDod7, "dod-7"},
    {Method::kGutmann, "gutmann"},
    {Method::kBmb, "bmb"},
}};

// Gutmann, "Secure Deletion of Data from Magnetic and Solid-State Memory"
// (1996), table of passes 5 to 31.
constexpr std::array<std::array<uint8_t, 3>, 27> kGutmannFixed{{
    {0x55, 0x55, 0x55}, {0xaa, 0xaa, 0xaa}, {0x92, 0x49, 0x24}, {0x49, 0x24, 0x92},
    {0x24, 0x92, 0x49}, {0x00, 0x00, 0x00}, {0x11, 0x11, 0x11}, {0x22, 0x22, 0x22},
    {0x33, 0x33, 0x33}, {0x44, 0x44, 0x44}, {0x55, 0x55, 0x55}, {0x66, 0x66, 0x66},
    {0x77, 0x77, 0x77}, {0x88, 0x88, 0x88}, {0x99, 0x99, 0x99}, {0xaa, 0xaa, 0xaa},
    {0xbb, 0xbb, 0xbb}, {0xcc, 0xcc, 0xcc}, {0xdd, 0xdd, 0xdd}, {0xee, 0xee, 0xee},
    {0xff, 0xff, 0xff}, {0x92, 0x49, 0x24}, {0x49, 0x24, 0x92}, {0x24, 0x92, 0x49},
    {0x6d, 0xb6, 0xdb}, {0xb6, 0xdb, 0x6d}, {0xdb, 0x6d, 0xb6},
}};

// Placeholder stream id; PassSequence numbers the random passes at the end.
Pass Random() { return Pass{Pass::Kind::kRandom, {}, 0}; }

Pass Fixed(std::vector<uint8_t> pattern) {
  // A 3-byte pattern of one repeated byte is the 1-byte pattern: keep one
  // spelling so certificates and buffers treat them alike.
  if (pattern.size() == 3 && pattern[0] == pattern[1] && pattern[1] == pattern[2])
    pattern.resize(1);
  return Pass{Pass::Kind::kFixed, std::move(pattern), 0};
}

std::vector<Pass> OneRound(Method method) {
  switch (method) {
    case Method::kZero: return {Fixed({0x00})};
    case Method::kOne: return {Fixed({0xff})};
    case Method::kRandom: return {Random()};
    case Method::kDod3: return {Fixed({0x00}), Fixed({0xff}), Random()};
    case Method::kDod7:
      return {Fixed({0x00}), Fixed({0xff}), Random(), Random(),
              Fixed({0x00}), Fixed({0xff}), Random()};
    case Method::kGutmann: {
      std::vector<Pass> passes(4, Random());
      for (const auto& p : kGutmannFixed) passes.push_back(Fixed({p.begin(), p.end()}));
      for (int i = 0; i < 4; ++i) passes.push_back(Random());
      return passes;
    }
    case Method::kBmb:
      return {Fixed({0xff}), Fixed({0x00}), Random(), Random(), Random(), Fixed({0xff})};
  }
  return {};
}

}  // namespace

const char* MethodName(Method method) {
  for (const auto& m : kMethods)
    if (m.method == method) return m.name;
  return "unknown";
}

std::string MethodNames() {
  std::string out;
  for (const auto& m : kMethods) {
    if (!out.empty()) out += ", ";
    out += m.name;
  }
  return out;
}

Result<Method> ParseMethod(std::string_view name) {
  for (const auto& m : kMethods)
    if (name == m.name) return m.method;
  return Fail(Code::kUsage,
              "unknown wipe method \"" + std::string(name) + "\"; expected one of " + MethodNames());
}

std::string Pass::Describe() const {
  if (kind == Kind::kRandom) return "random";
  return custody::ToHex(std::span<const uint8_t>(pattern));
}

std::vector<Pass> PassSequence(Method method, uint32_t rounds) {
  std::vector<Pass> out;
  uint64_t next_stream = 0;
  for (uint32_t r = 0; r < rounds; ++r) {
    for (Pass p : OneRound(method)) {
      if (p.kind == Pass::Kind::kRandom) p.stream = next_stream++;
      out.push_back(std::move(p));
    }
  }
  return out;
}

void FillPass(const Pass& pass, const crypto::KeystreamSeed& seed, uint64_t offset,
              std::span<uint8_t> out) {
  if (pass.kind == Pass::Kind::kRandom) {
    crypto::FillKeystream(seed, pass.stream, offset, out);
    return;
  }
  if (pass.pattern.size() == 1) {
    std::memset(out.data(), pass.pattern[0], out.size());
    return;
  }
  // Periodic pattern: write one period aligned to `offset`, then double the
  // filled prefix with memcpy (log n copies instead of a byte loop).
  const size_t period = pass.pattern.size();
  const size_t first = std::min(out.size(), period);
  for (size_t i = 0; i < first; ++i) out[i] = pass.pattern[(offset + i) % period];
  size_t filled = first;
  while (filled < out.size()) {
    // Copy a whole number of periods so the phase stays right.
    size_t chunk = std::min(filled / period * period, out.size() - filled);
    std::memcpy(out.data() + filled, out.data(), chunk);
    filled += chunk;
  }
}

}  // namespace custody::vault::disposal
