// A Clock that tests set by hand, so that nothing in the suite depends on
// today's date (registration numbers carry the year; events carry times).
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"

namespace custody::testutil {

// 2026-06-15 12:00:00 UTC: a fixed, unremarkable instant.
inline constexpr int64_t kFixedNow = 1781524800;

class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t now = kFixedNow) : now_(now) {}
  int64_t NowUnix() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace custody::testutil
