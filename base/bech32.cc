#include "base/bech32.h"

#include <cctype>
#include <cstdint>
#include <vector>

namespace custody {

namespace {
constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Polymod(const std::vector<uint8_t>& values) {
  static const uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; `pad` for 8->5, strict for 5->8.
std::optional<std::vector<uint8_t>> ConvertBits(const std::vector<uint8_t>& in, int from, int to,
                                                bool pad) {
  uint32_t acc = 0;
  int bits = 0;
  std::vector<uint8_t> out;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
    return std::nullopt;
  }
  return out;
}
}  // namespace

std::string Bech32Encode(std::string_view hrp, std::string_view data) {
  std::vector<uint8_t> bytes(data.begin(), data.end());
  auto five = *ConvertBits(bytes, 8, 5, true);
  std::vector<uint8_t> values = HrpExpand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  uint32_t mod = Polymod(values) ^ 1;
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t v : five) out.push_back(kCharset[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

std::optional<std::string> Bech32Decode(std::string_view expected_hrp, std::string_view text) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (std::islower(static_cast<unsigned char>(c))) lower = true;
    if (std::isupper(static_cast<unsigned char>(c))) upper = true;
  }
  if (lower && upper) return std::nullopt;
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size()) return std::nullopt;
  std::string hrp = s.substr(0, sep);
  if (hrp != expected_hrp) return std::nullopt;
  std::vector<uint8_t> values;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::char_traits<char>::find(kCharset, 32, s[i]);
    if (p == nullptr) return std::nullopt;
    values.push_back(static_cast<uint8_t>(p - kCharset));
  }
  std::vector<uint8_t> check = HrpExpand(hrp);
  check.insert(check.end(), values.begin(), values.end());
  if (Polymod(check) != 1) return std::nullopt;
  values.resize(values.size() - 6);
  auto eight = ConvertBits(values, 5, 8, false);
  if (!eight) return std::nullopt;
  return std::string(eight->begin(), eight->end());
}

}  // namespace custody
