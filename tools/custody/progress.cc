#include "tools/custody/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "base/utf8.h"

namespace custody::cli {

namespace {
std::atomic<bool> g_quiet{false};

// The line is rewritten in place: carriage return, text, clear to the end.
void WriteLine(const std::string& text) {
  const std::string out = "\r" + text + "\033[K";
  (void)!::write(2, out.data(), out.size());
}
void ClearLine() { (void)!::write(2, "\r\033[K", 4); }
}  // namespace

void SetQuiet(bool quiet) { g_quiet = quiet; }
bool ShowsProgress() { return !g_quiet && ::isatty(2) == 1; }

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

ProgressMeter::ProgressMeter(std::string what, uint64_t total, std::function<uint64_t()> done)
    : what_(EscapeForTerminal(what)), total_(total), done_(std::move(done)) {
  if (ShowsProgress()) thread_ = std::thread([this] { Run(); });
}

ProgressMeter::~ProgressMeter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (shown_) ClearLine();
}

void ProgressMeter::Run() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  // Nothing for the first second: a quick command stays silent.
  if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) return;
  do {
    const uint64_t done = done_();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    std::string line = what_ + ": " + HumanBytes(done);
    char buf[96];
    if (total_ > 0) {
      const uint64_t shown = done > total_ ? total_ : done;
      std::snprintf(buf, sizeof buf, " of %s (%.0f%%)", HumanBytes(total_).c_str(),
                    100.0 * static_cast<double>(shown) / static_cast<double>(total_));
      line += buf;
    }
    line += ", " + HumanBytes(static_cast<uint64_t>(rate)) + "/s";
    if (total_ > 0 && rate > 0 && done < total_) {
      std::snprintf(buf, sizeof buf, ", %.0f s left", static_cast<double>(total_ - done) / rate);
      line += buf;
    }
    WriteLine(line);
    shown_ = true;
  } while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; }));
}

StatusLine::StatusLine(const std::string& text) {
  if (!ShowsProgress()) return;
  WriteLine(EscapeForTerminal(text));
  shown_ = true;
}

StatusLine::~StatusLine() {
  if (shown_) ClearLine();
}

}  // namespace custody::cli
