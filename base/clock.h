// The clock seam. Every reading of the current time in the vault goes
// through a Clock (event times, registration numbers' year, and later due
// dates and reports), so that tests pin the time instead of depending on
// today's date, as leveldb's Env::NowMicros lets its tests do.
//
// Time is UTC seconds since the Unix epoch. Clocks are thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace custody {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnix() const = 0;
};

// The process-wide system clock (time(2)). Never null; lives forever.
Clock* SystemClock();

// The clock the command-line tool uses: SystemClock(), unless the test-only
// variable CUSTODY_TEST_NOW (UNIX seconds) names a LATER time, which it
// then returns. For the CLI tests of time limits (an expired grant, an
// overdue copy) only; it can only move the clock forward, so it never
// makes an expired grant current again (and audit, not the client,
// is what catches an act after an expiry). Never null.
const Clock* ToolClock();

// The UTC calendar year of `unix_seconds` (e.g. 2026).
int UtcYear(int64_t unix_seconds);

// "2026-11-27 08:00:00 UTC"
std::string UtcDateTime(int64_t unix_seconds);

// The last second of the UTC day holding `unix_seconds` (23:59:59).
int64_t EndOfUtcDay(int64_t unix_seconds);

// The same UTC time of day `years` calendar years later (29 February goes
// to 1 March in a common year); saturates instead of overflowing.
int64_t AddUtcYears(int64_t unix_seconds, uint32_t years);

}  // namespace custody
