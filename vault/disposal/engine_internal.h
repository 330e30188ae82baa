// What the wipe engine's files share (engine.cc: the entry points, which
// prepare a device, file or free space, and the sequence of passes;
// write_pass.cc: writing one pass; verify.cc: reading one pass back).
// Not part of the library's API.
#pragma once

#include <sys/statfs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "vault/disposal/engine.h"
#include "vault/disposal/io.h"

namespace custody::vault::disposal::internal {

using Clock = std::chrono::steady_clock;

// At most this many error records are kept; a dying disk would otherwise
// grow the certificate without bound. Past it the wipe is abandoned.
inline constexpr size_t kMaxErrorRecords = 1000;

// How many threads generate patterns and issue I/O. Two I/Os in flight keep
// a device busy while a completion is being handled; pattern generation
// (ChaCha20) is CPU-bound, so it gets up to one thread per core, at most 4.
inline size_t GeneratorThreads() {
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}
inline constexpr size_t kIoThreads = 2;

// Rate-limits progress callbacks to one per 250 ms (plus the final one).
class PhaseProgress {
 public:
  PhaseProgress(const ProgressFn& fn, size_t index, size_t count, bool verifying,
                uint64_t total)
      : fn_(fn), start_(Clock::now()), last_(start_) {
    p_.pass_index = index;
    p_.pass_count = count;
    p_.verifying = verifying;
    p_.bytes_total = total;
  }
  void Update(uint64_t done, bool force = false) {
    if (!fn_) return;
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    // The last chunk's update and the closing forced one can report the same
    // count: a caller that ends the line at the total must see it once.
    if (emitted_ && p_.bytes_done == done) return;
    emitted_ = true;
    last_ = now;
    p_.bytes_done = done;
    p_.seconds = std::chrono::duration<double>(now - start_).count();
    fn_(p_);
  }
  void SetTotal(uint64_t total) { p_.bytes_total = total; }

 private:
  const ProgressFn& fn_;
  Clock::time_point start_;
  Clock::time_point last_;
  bool emitted_ = false;
  Progress p_;
};

// A buffer handed between a producer thread and the consumer.
struct Slot {
  AlignedBuffer buffer;
  uint64_t offset = 0;
  size_t length = 0;
  int error = 0;  // errno of a failed read, 0 if the read succeeded
};

// Appends an error record for [offset, offset + length), merged with the
// previous one when contiguous and of the same cause. No-op if errors is null.
void AddError(std::vector<IoErrorRecord>* errors, uint64_t offset, uint64_t length,
              const std::string& what, int err);

inline bool Cancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load(std::memory_order_relaxed);
}

inline std::unexpected<Error> Interrupted() { return Fail(Code::kIo, "interrupted"); }

// One pass over one open target, as RunPasses hands it to WritePass.
struct WriteJob {
  int fd = -1;
  uint64_t size = 0;  // ignored when fill
  bool fill = false;  // write until the filesystem is full
  size_t chunk = kDefaultChunkSize;
  uint64_t sync_interval = 0;
  uint32_t sector = 512;  // unit of retries after an error
  const Pass* pass = nullptr;
  const crypto::KeystreamSeed* seed = nullptr;
  std::vector<IoErrorRecord>* errors = nullptr;
  const std::atomic<bool>* cancel = nullptr;
};

// write_pass.cc. Writes one pass and syncs it; returns the bytes written (in fill
// mode: up to where the filesystem was full).
Result<uint64_t> WritePass(const WriteJob& job, PhaseProgress& progress);

}  // namespace custody::vault::disposal::internal
