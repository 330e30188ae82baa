#include "vault/ledger_view/ledger_view.h"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace custody::vault {

Status ForEachLogEntry(const Vault& vault, const LogFilter& filter,
                       const std::function<Status(LogEntry&&)>& fn) {
  LedgerMemory memory;
  return vault.ForEachVerifiedEvent([&](const format::Event& ev, const std::vector<std::string>& signers) -> Status {
    LogEntry e = DescribeEvent(vault, ev, signers, memory);
    if (e.time_unix < filter.since_unix) return {};
    // "REG/N" names one copy; a registration number the document and all
    // its copies.
    if (!filter.reg.empty() && e.number != filter.reg && e.reg_no != filter.reg) return {};
    return fn(std::move(e));
  }, filter.expect ? &*filter.expect : nullptr);
}

Result<std::map<std::string, std::string>> TitlesFor(const Vault& vault, const Identity& reader) {
  std::map<std::string, std::string> titles;
  CUSTODY_TRY(vault.ForEachDocument(reader, /*include_destroyed=*/false, [&](DocumentInfo&& d) -> Status {
    titles.emplace(std::move(d.reg_no), std::move(d.title));
    return {};
  }));
  return titles;
}

Result<int64_t> ParseUtcTime(const std::string& text) {
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"}) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, format);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof())
      return static_cast<int64_t>(timegm(&tm));
  }
  return Fail(Code::kUsage, "expected a UTC date as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '" + text + "'");
}

std::pair<int64_t, int64_t> UtcYearBounds(int year) {
  auto start = [](int y) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mday = 1;
    return static_cast<int64_t>(timegm(&tm));
  };
  return {start(year), start(year + 1)};
}

}  // namespace custody::vault
