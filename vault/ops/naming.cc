#include "vault/ops/naming.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace custody::vault {

namespace {
bool IsAsciiAlnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// "top-secret" -> "TS"
std::string Initials(const std::string& level) {
  std::string out;
  bool start = true;
  for (char c : level) {
    if (start && c != '-') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    start = c == '-';
  }
  return out;
}
}  // namespace

bool IsValidLevelName(const std::string& n) {
  if (n.empty() || n.size() > 32 || n[0] < 'a' || n[0] > 'z') return false;
  return std::all_of(n.begin(), n.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

bool IsValidRegNo(const std::string& r) {
  if (r.empty() || r.size() > 64 || !IsAsciiAlnum(r[0])) return false;
  return std::all_of(r.begin(), r.end(), [](char ch) {
    return IsAsciiAlnum(ch) || ch == '.' || ch == '_' || ch == '/' || ch == '-';
  });
}

Result<std::string> NextRegNo(const VaultState& state, uint32_t level, int year) {
  const std::string prefix = Initials(state.level_names[level]) + "-" + std::to_string(year) + "-";
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
