#include "tools/custody/progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <cstdio>

#include "base/utf8.h"

namespace custody::cli {

namespace {
std::atomic<bool> g_quiet{false};
std::atomic<bool> g_verbose{false};

// The line is rewritten in place: carriage return, text, clear to the end.
void WriteLine(const std::string& text) {
  const std::string out = "\r" + text + "\033[K";
  (void)!::write(2, out.data(), out.size());
}
void ClearLine() { (void)!::write(2, "\r\033[K", 4); }
}  // namespace

void SetQuiet(bool quiet) { g_quiet = quiet; }
bool ShowsProgress() { return !g_quiet && ::isatty(2) == 1; }

void SetVerbose(bool verbose) { g_verbose = verbose; }
bool IsVerbose() { return g_verbose; }
void Explain(const std::string& text) {
  if (!g_verbose) return;
  const std::string line = "custody: " + EscapeForTerminal(text) + "\n";
  (void)!::write(2, line.data(), line.size());
}

ProcessIo ProcessIoSoFar() {
  // "rchar: N\nwchar: N\n..." (a few hundred bytes): read whole each time.
  ProcessIo io;
  const int fd = ::open("/proc/self/io", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return io;
  buf[n] = '\0';
  unsigned long long r = 0, w = 0;
  if (std::sscanf(buf, "rchar: %llu wchar: %llu", &r, &w) == 2) io = {r, w};
  return io;
}

std::function<uint64_t()> BytesMovedFromNow(bool writes, uint64_t cap) {
  const ProcessIo start = ProcessIoSoFar();
  return [start, writes, cap] {
    const ProcessIo now = ProcessIoSoFar();
    uint64_t moved = (now.read > start.read ? now.read - start.read : 0);
    if (writes) moved += now.written > start.written ? now.written - start.written : 0;
    return cap == 0 ? moved : std::min(moved, cap);
  };
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
