#include "base/clock.h"

#include <ctime>

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
}  // namespace

Clock* SystemClock() {
  static SystemClockImpl* clock = new SystemClockImpl();  // never destroyed: used until exit
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
