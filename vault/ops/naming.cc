#include "vault/ops/naming.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/utf8.h"

namespace custody::vault {

namespace {
bool IsAsciiAlnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// "top-secret" -> "TS". Registration numbers are ASCII (they are typed,
// and file names are made of them), so a level whose name has a word that
// starts outside ASCII ("内部", "secret-énergie") is "L" and its position,
// counted from 1: "L1".
std::string Initials(const std::string& level, uint32_t index) {
  std::string out;
  bool start = true;
  for (char c : level) {
    if (start && c != '-') {
      if (!IsAsciiAlnum(c)) return "L" + std::to_string(index + 1);
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    start = c == '-';
  }
  return out;
}
}  // namespace

bool IsValidLevelName(const std::string& n) {
  if (n.empty() || n.size() > kMaxLevelNameBytes || !IsValidUtf8(n)) return false;
  const std::u32string cps = CodePoints(n);
  if (cps.size() > kMaxLevelNameChars) return false;
  auto lower_letter = [](char32_t c) { return IsLetter(c) && !IsUpperCase(c); };
  if (!lower_letter(cps[0])) return false;
  return std::all_of(cps.begin(), cps.end(), [&](char32_t c) {
    return lower_letter(c) || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsValidRegNo(const std::string& r) {
  if (r.empty() || r.size() > 64 || !IsAsciiAlnum(r[0])) return false;
  return std::all_of(r.begin(), r.end(), [](char ch) {
    return IsAsciiAlnum(ch) || ch == '.' || ch == '_' || ch == '/' || ch == '-';
  });
}

Result<std::string> NextRegNo(const VaultState& state, uint32_t level, int year) {
  const std::string prefix = Initials(state.level_names[level], level) + "-" + std::to_string(year) + "-";
  // Explicit numbers may have taken the next one: skip to the first free.
  for (uint64_t n = state.reg_counters[level] + 1;; ++n) {
    char seq[32];
    std::snprintf(seq, sizeof seq, "%05llu", static_cast<unsigned long long>(n));
    std::string reg = prefix + seq;
    CUSTODY_ASSIGN(const format::DocumentState* taken, state.FindDocument(reg));
    if (taken == nullptr) return reg;
  }
}

}  // namespace custody::vault
