// Reading one pass back over an open target and comparing every byte: the
// thread pipeline behind VerifyFd (and VerifyPath).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>

#include "vault/disposal/engine_internal.h"

namespace custody::vault::disposal {
namespace internal {
namespace {

// A generated pattern is compared in pieces of this many bytes: each piece of
// expected bytes is regenerated into a small buffer that stays in the CPU
// cache and is compared at once, instead of writing a whole chunk of expected
// bytes out to memory and reading it back (≈20 % less CPU per byte with
// ChaCha20, which matters when the cores are shared). A multiple of 64, so
// every piece starts on a keystream block.
inline constexpr size_t kCompareBlock = 64 * 1024;
static_assert(kCompareBlock % 64 == 0);

size_t RoundUpToAlignment(size_t n) {
  return (n + kDirectAlignment - 1) / kDirectAlignment * kDirectAlignment;
}

// Adds `part` to `into`, keeping the lowest first mismatch: chunks are
// checked in any order.
void Merge(VerifyOutcome& into, const VerifyOutcome& part) {
  into.bytes_compared += part.bytes_compared;
  into.mismatched_bytes += part.mismatched_bytes;
  if (part.first_mismatch &&
      (!into.first_mismatch || *part.first_mismatch < *into.first_mismatch))
    into.first_mismatch = part.first_mismatch;
}

void Compare(const uint8_t* got, const uint8_t* want, size_t length, uint64_t offset,
             VerifyOutcome& out) {
  out.bytes_compared += length;
  if (std::memcmp(got, want, length) == 0) return;
  for (size_t i = 0; i < length; ++i) {
    if (got[i] != want[i]) {
      if (!out.first_mismatch) out.first_mismatch = offset + i;
      ++out.mismatched_bytes;
    }
  }
}

// VerifyFd's threads and the state they share.
//
// Pipeline: kIoThreads readers issue O_DIRECT reads in offset order;
// checker threads regenerate the expected bytes of each chunk read, piece by
// piece (kCompareBlock; for a constant pattern: one shared buffer), and
// compare; the calling thread
// reports progress. Every chunk is compared exactly once, in any order, so
// the outcome does not depend on scheduling.
class VerifyPipeline {
 public:
  VerifyPipeline(int fd, uint64_t size, const Pass& pass, const crypto::KeystreamSeed& seed,
                 size_t chunk_size, const std::atomic<bool>* cancel);
  Result<VerifyOutcome> Run(const ProgressFn& progress, std::vector<IoErrorRecord>* errors);

 private:
  void Read();
  void ReadChunk(Slot& s) const;
  void Check();
  void CheckChunk(const Slot& s, AlignedBuffer& expected, VerifyOutcome& local,
                  std::vector<IoErrorRecord>& local_errors) const;
  bool WaitUntilChecked(PhaseProgress& phase);  // false when cancelled

  const int fd_;
  const uint64_t size_;
  const Pass& pass_;
  const crypto::KeystreamSeed& seed_;
  const std::atomic<bool>* const cancel_;
  const size_t chunk_;
  const uint64_t chunks_;
  const bool constant_;
  const size_t checkers_;

  std::mutex mu_;
  std::condition_variable cv_;
  // All GUARDED_BY(mu_):
  std::vector<Slot*> free_slots_;
  std::deque<Slot*> filled_;
  uint64_t next_read_ = 0, checked_bytes_ = 0, chunks_checked_ = 0;
  size_t readers_left_ = kIoThreads;
  bool stop_ = false;
  VerifyOutcome total_;
  std::vector<IoErrorRecord> read_errors_;

  std::vector<Slot> slots_;
  AlignedBuffer constant_buffer_;
};

VerifyPipeline::VerifyPipeline(int fd, uint64_t size, const Pass& pass,
                               const crypto::KeystreamSeed& seed, size_t chunk_size,
                               const std::atomic<bool>* cancel)
    : fd_(fd),
      size_(size),
      pass_(pass),
      seed_(seed),
      cancel_(cancel),
      chunk_(static_cast<size_t>(std::min<uint64_t>(chunk_size, size))),
      chunks_((size + chunk_ - 1) / chunk_),
      constant_(pass.IsConstant()),
      checkers_(constant_ ? 1 : GeneratorThreads()),
      slots_(kIoThreads + checkers_ + 2) {
  for (Slot& s : slots_) {
    s.buffer = AlignedBuffer(RoundUpToAlignment(chunk_));
    free_slots_.push_back(&s);
  }
  if (constant_) {
    constant_buffer_ = AlignedBuffer(chunk_);
    FillPass(pass_, seed_, 0, constant_buffer_.span());
  }
}

// Reads one chunk whole, or records in s.error why it could not. O_DIRECT
// wants whole blocks, so a tail that ends inside a block (an image file whose
// size is not a multiple of the block) is asked for up to the block's end;
// the read stops at the end of the file and only s.length bytes count.
void VerifyPipeline::ReadChunk(Slot& s) const {
  s.error = 0;
  size_t done = 0;
  const size_t ask = std::min(RoundUpToAlignment(s.length), s.buffer.size());
  while (done < s.length) {
    ssize_t n = pread(fd_, s.buffer.data() + done, ask - done,
                      static_cast<off_t>(s.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      s.error = n == 0 ? ENODATA : errno;  // ENODATA: the target ended early
      break;
    }
    done += static_cast<size_t>(n);
  }
}

void VerifyPipeline::Read() {
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_ || next_read_ >= chunks_ || !free_slots_.empty(); });
    if (stop_ || next_read_ >= chunks_) break;
    Slot* s = free_slots_.back();
    free_slots_.pop_back();
    uint64_t index = next_read_++;
    lock.unlock();
    s->offset = index * chunk_;
    s->length = static_cast<size_t>(std::min<uint64_t>(chunk_, size_ - s->offset));
    ReadChunk(*s);
    lock.lock();
    filled_.push_back(s);
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  --readers_left_;
  cv_.notify_all();
}

// An unreadable chunk counts as mismatching in full.
void VerifyPipeline::CheckChunk(const Slot& s, AlignedBuffer& expected, VerifyOutcome& local,
                                std::vector<IoErrorRecord>& local_errors) const {
  if (s.error != 0) {
    AddError(&local_errors, s.offset, s.length, "read-back", s.error);
    Merge(local, VerifyOutcome{s.length, s.length, s.offset});
    return;
  }
  VerifyOutcome part;
  if (constant_) {
    Compare(s.buffer.data(), constant_buffer_.data(), s.length, s.offset, part);
  } else {
    for (size_t done = 0; done < s.length; done += expected.size()) {
      const size_t n = std::min(expected.size(), s.length - done);
      FillPass(pass_, seed_, s.offset + done, expected.span().first(n));
      Compare(s.buffer.data() + done, expected.data(), n, s.offset + done, part);
    }
  }
  Merge(local, part);
}

// Each checker keeps its own outcome and merges it once, on the way out.
void VerifyPipeline::Check() {
  AlignedBuffer expected;
  if (!constant_) expected = AlignedBuffer(std::min(kCompareBlock, chunk_));
  VerifyOutcome local;
  std::vector<IoErrorRecord> local_errors;
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_ || !filled_.empty() || readers_left_ == 0; });
    if (stop_ || filled_.empty()) break;
    Slot* s = filled_.front();
    filled_.pop_front();
    lock.unlock();
    CheckChunk(*s, expected, local, local_errors);
    lock.lock();
    checked_bytes_ += s->length;
    ++chunks_checked_;
    free_slots_.push_back(s);
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  Merge(total_, local);
  read_errors_.insert(read_errors_.end(), local_errors.begin(), local_errors.end());
}

bool VerifyPipeline::WaitUntilChecked(PhaseProgress& phase) {
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return chunks_checked_ == chunks_; });
    uint64_t checked = checked_bytes_;
    bool finished = chunks_checked_ == chunks_;
    if (!finished && Cancelled(cancel_)) {
      stop_ = true;
      cv_.notify_all();
      return false;
    }
    lock.unlock();
    if (finished) return true;
    phase.Update(checked);
  }
}

Result<VerifyOutcome> VerifyPipeline::Run(const ProgressFn& progress,
                                          std::vector<IoErrorRecord>* errors) {
  std::vector<std::jthread> threads;
  for (size_t i = 0; i < kIoThreads; ++i) threads.emplace_back([this] { Read(); });
  for (size_t i = 0; i < checkers_; ++i) threads.emplace_back([this] { Check(); });
  PhaseProgress phase(progress, 0, 0, true, size_);
  bool finished = WaitUntilChecked(phase);
  threads.clear();  // joins; checkers merge their results on the way out
  if (!finished) return Interrupted();
  std::sort(read_errors_.begin(), read_errors_.end(),
            [](const IoErrorRecord& a, const IoErrorRecord& b) { return a.offset < b.offset; });
  if (errors) errors->insert(errors->end(), read_errors_.begin(), read_errors_.end());
  phase.Update(size_, true);
  return total_;
}

}  // namespace
}  // namespace internal

Result<VerifyOutcome> VerifyFd(int fd, uint64_t size, const Pass& pass,
                               const crypto::KeystreamSeed& seed, size_t chunk_size,
                               const ProgressFn& progress, std::vector<IoErrorRecord>* errors,
                               const std::atomic<bool>* cancel) {
  if (size == 0) return VerifyOutcome{};
  return internal::VerifyPipeline(fd, size, pass, seed, chunk_size, cancel)
      .Run(progress, errors);
}

Result<VerifyOutcome> VerifyPath(const std::string& path, uint64_t size, const Pass& pass,
                                 const crypto::KeystreamSeed& seed, const ProgressFn& progress,
                                 const std::atomic<bool>* cancel) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(ErrnoError(errno, "open " + path + " with O_DIRECT"));
  return VerifyFd(fd.get(), size, pass, seed, kDefaultChunkSize, progress, nullptr, cancel);
}

}  // namespace custody::vault::disposal
