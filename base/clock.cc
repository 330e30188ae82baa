#include "base/clock.h"

#include <cstdlib>
#include <ctime>
#include <string>

namespace custody {

namespace {
class SystemClockImpl final : public Clock {
 public:
  int64_t NowUnix() const override { return static_cast<int64_t>(std::time(nullptr)); }
};

std::tm Utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}
constexpr int64_t kDay = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no time zone or libc table is involved.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

int64_t EndOfUtcDay(int64_t unix_seconds) {
  return FloorDiv(unix_seconds, kDay) * kDay + kDay - 1;
}

int64_t AddUtcYears(int64_t unix_seconds, uint32_t years) {
  if (years > 10000) years = 10000;  // far beyond any classification period
  std::tm tm = Utc(unix_seconds);
  const int64_t y = int64_t{tm.tm_year} + 1900 + years;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(tm.tm_mon + 1), 1) + tm.tm_mday - 1;
  const int64_t second_of_day = unix_seconds - FloorDiv(unix_seconds, kDay) * kDay;
  return days * kDay + second_of_day;
}

Clock* SystemClock() {
  static SystemClockImpl* clock = new SystemClockImpl();  // never destroyed: used until exit
  return clock;
}

namespace {
class ForwardClock final : public Clock {
 public:
  explicit ForwardClock(int64_t at) : at_(at) {}
  int64_t NowUnix() const override {
    const int64_t now = SystemClock()->NowUnix();
    return at_ > now ? at_ : now;
  }

 private:
  int64_t at_;
};
}  // namespace

const Clock* ToolClock() {
  static const Clock* clock = [] () -> const Clock* {
    const char* v = std::getenv("CUSTODY_TEST_NOW");
    if (v == nullptr || *v == '\0') return SystemClock();
    char* end = nullptr;
    const long long at = std::strtoll(v, &end, 10);
    if (*end != '\0' || at <= 0) return SystemClock();
    return new ForwardClock(at);  // never destroyed: used until exit
  }();
  return clock;
}

int UtcYear(int64_t unix_seconds) { return Utc(unix_seconds).tm_year + 1900; }

std::string UtcDateTime(int64_t unix_seconds) {
  std::tm tm = Utc(unix_seconds);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace custody
