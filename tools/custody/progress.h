// Progress on stderr for the commands that can take more than a second
// (add, extract, the passphrase unlock), as dd status=progress, rsync and
// pv show it: one line rewritten in place, with bytes, rate and time left.
// Shown only when stderr is a terminal and -q was not given; nothing at
// all otherwise, so scripts and logs see exactly what they saw before.
//
// The work is not instrumented: a meter samples how far it has got through
// a function (the size a file has grown to), four times a second, on its
// own thread. So the vault's operations stay free of display concerns.
#pragma once

#include "base/encoding.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace custody::cli {

// -q: no progress lines (errors and warnings still print).
void SetQuiet(bool quiet);
// True if progress lines go to stderr: a terminal, and not -q.
bool ShowsProgress();

// -v: what a command does and how long its slow steps took, as
// "custody: <text>" lines on stderr (terminal or not; never a secret).
void SetVerbose(bool verbose);
bool IsVerbose();
void Explain(const std::string& text);

// What this process has read and written so far, all threads (the
// kernel's rchar and wchar, /proc/self/io; 0 where it cannot be read): how
// a meter follows work that streams a file, such as an audit.
struct ProcessIo {
  uint64_t read = 0;
  uint64_t written = 0;
};
ProcessIo ProcessIoSoFar();
// A meter's `done` for work that moves bytes from now on: those read (and
// also those written, if `writes`), never more than `cap` (0: no cap).
std::function<uint64_t()> BytesMovedFromNow(bool writes, uint64_t cap);

class ProgressMeter {
 public:
  // `what` leads the line ("adding 2 files"); `total` bytes are expected
  // (0: unknown, no percentage or time left); `done` says how many are done
  // so far and must be safe to call from another thread. The first line
  // appears after a second, so quick commands print nothing.
  ProgressMeter(std::string what, uint64_t total, std::function<uint64_t()> done);
  // Clears the line.
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

 private:
  void Run();

  std::string what_;
  uint64_t total_;
  std::function<uint64_t()> done_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool shown_ = false;
  std::thread thread_;
};

// A spinner-less status for work with no byte count ("unlocking
// identity alice.id…"): shown at once, cleared when it goes out of scope.
class StatusLine {
 public:
  explicit StatusLine(const std::string& text);
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

 private:
  bool shown_ = false;
};

using custody::HumanBytes;  // base/encoding.h

}  // namespace custody::cli
