#include "vault/disposal/engine.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "crypto/random.h"
#include "base/encoding.h"
#include "base/env.h"
#include "vault/disposal/io.h"

namespace custody::vault::disposal {
namespace {

using Clock = std::chrono::steady_clock;

// At most this many error records are kept; a dying disk would otherwise
// grow the certificate without bound. Past it the wipe is abandoned.
constexpr size_t kMaxErrorRecords = 1000;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A buffer handed between a producer thread and the consumer.
struct Slot {
  AlignedBuffer buffer;
  uint64_t offset = 0;
  size_t length = 0;
  int error = 0;  // errno of a failed read, 0 if the read succeeded
};

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
  Progress p_;
};

void AddError(std::vector<IoErrorRecord>* errors, uint64_t offset, uint64_t length,
              const std::string& what, int err) {
  if (errors == nullptr) return;
  std::string message = what + ": " + std::strerror(err);
  // Merge with the previous record when contiguous and of the same cause, so
  // a bad region is one line, not one per sector.
  if (!errors->empty()) {
    IoErrorRecord& last = errors->back();
    if (last.offset + last.length == offset && last.message == message) {
      last.length += length;
      return;
    }
  }
  errors->push_back({offset, length, message});
}

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

bool Cancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load(std::memory_order_relaxed);
}

std::unexpected<Error> Interrupted() { return Fail(Code::kIo, "interrupted"); }

// Writes `length` bytes at `offset`. Returns the bytes written, which is
// less than `length` only in fill mode when the filesystem is full. A medium
// error (EIO) is retried sector by sector; sectors that still fail are
// recorded and skipped, so one bad sector does not leave the rest unwiped.
Result<size_t> WriteChunk(const WriteJob& job, const uint8_t* data, uint64_t offset,
                          size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = pwrite(job.fd, data + done, length - done, static_cast<off_t>(offset + done));
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    int err = n == 0 ? ENOSPC : errno;
    if (err == EINTR) continue;
    if (job.fill && (err == ENOSPC || err == EFBIG)) {
      // The last chunk does not fit whole: fill what is left in sectors.
      if (length - done > job.sector) {
        size_t step = job.sector;
        while (done + step <= length) {
          ssize_t m = pwrite(job.fd, data + done, step, static_cast<off_t>(offset + done));
          if (m < 0 && errno == EINTR) continue;
          if (m <= 0) break;
          done += static_cast<size_t>(m);
        }
      }
      return done;
    }
    if (err == EIO || err == EILSEQ || err == ENODATA) {
      for (; done < length; done += job.sector) {
        size_t step = std::min<size_t>(job.sector, length - done);
        ssize_t m;
        do {
          m = pwrite(job.fd, data + done, step, static_cast<off_t>(offset + done));
        } while (m < 0 && errno == EINTR);
        if (m != static_cast<ssize_t>(step)) {
          AddError(job.errors, offset + done, step, "write", m < 0 ? errno : EIO);
          if (job.errors && job.errors->size() > kMaxErrorRecords)
            return Fail(Code::kIo, "too many write errors; the medium is failing");
        }
      }
      return done;
    }
    return std::unexpected(ErrnoError(err, "write at offset " + std::to_string(offset + done)));
  }
  return done;
}

template <typename T>
Result<T> WithContext(Result<T> r, const std::string& context) {
  if (!r) return std::unexpected(r.error().With(context));
  return r;
}

Status Sync(int fd) {
  if (fdatasync(fd) != 0) return std::unexpected(ErrnoError(errno, "fdatasync"));
  return {};
}

// How many threads generate patterns and issue I/O. Two I/Os in flight keep
// a device busy while a completion is being handled; pattern generation
// (ChaCha20) is CPU-bound, so it gets up to one thread per core, at most 4.
size_t GeneratorThreads() {
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}
constexpr size_t kIoThreads = 2;

// Writes one pass; returns the bytes written.
//
// Pipeline: generator threads fill chunk k (any order) while I/O threads
// write the chunks strictly in offset order, up to kIoThreads at a time, and
// the calling thread accounts completed chunks (progress, periodic sync,
// buffer reuse). In fill mode a single I/O thread writes, so "full" is
// reached at one well-defined offset.
Result<uint64_t> WritePass(const WriteJob& job, PhaseProgress& progress) {
  const bool constant = job.pass->IsConstant();
  const size_t generators = constant ? 0 : GeneratorThreads();
  const size_t writers = job.fill ? 1 : kIoThreads;
  const uint64_t chunks =
      job.fill ? UINT64_MAX : (job.size + job.chunk - 1) / job.chunk;
  auto length_of = [&](uint64_t index) {
    if (job.fill) return job.chunk;
    return static_cast<size_t>(std::min<uint64_t>(job.chunk, job.size - index * job.chunk));
  };

  struct Done {
    Slot* slot;
    Result<size_t> written;
  };
  std::mutex mu;
  std::condition_variable cv;
  // All GUARDED_BY(mu):
  std::vector<Slot*> free_slots;
  std::map<uint64_t, Slot*> ready;  // generated, waiting to be written in order
  std::deque<Done> done;
  uint64_t next_generate = 0, next_write = 0;
  bool stop = false;
  size_t writers_left = writers;

  AlignedBuffer constant_buffer;
  std::vector<Slot> slots;
  const size_t buffer_size = static_cast<size_t>(
      job.fill ? job.chunk : std::min<uint64_t>(job.chunk, std::max<uint64_t>(job.size, 1)));
  if (constant) {
    constant_buffer = AlignedBuffer(buffer_size);
    FillPass(*job.pass, *job.seed, 0, constant_buffer.span());
    slots.resize(writers);  // carry offsets only
  } else {
    slots.resize(generators + writers + 2);
    for (Slot& s : slots) s.buffer = AlignedBuffer(buffer_size);
  }
  for (Slot& s : slots) free_slots.push_back(&s);

  auto generate = [&] {
    for (;;) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || (!free_slots.empty() && next_generate < chunks); });
      if (stop || next_generate >= chunks) return;
      Slot* s = free_slots.back();
      free_slots.pop_back();
      uint64_t index = next_generate++;
      lock.unlock();
      s->offset = index * job.chunk;
      s->length = length_of(index);
      FillPass(*job.pass, *job.seed, s->offset, s->buffer.span().first(s->length));
      lock.lock();
      ready.emplace(index, s);
      cv.notify_all();
    }
  };
  auto write = [&] {
    for (;;) {
      std::unique_lock lock(mu);
      Slot* s = nullptr;
      cv.wait(lock, [&] {
        if (stop || next_write >= chunks) return true;
        if (constant) return !free_slots.empty();
        return ready.count(next_write) > 0;
      });
      if (stop || next_write >= chunks) break;
      uint64_t index = next_write++;
      if (constant) {
        s = free_slots.back();
        free_slots.pop_back();
        s->offset = index * job.chunk;
        s->length = length_of(index);
      } else {
        auto it = ready.find(index);
        s = it->second;
        ready.erase(it);
      }
      lock.unlock();
      const uint8_t* data = constant ? constant_buffer.data() : s->buffer.data();
      Result<size_t> n = WriteChunk(job, data, s->offset, s->length);
      lock.lock();
      done.push_back({s, std::move(n)});
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    --writers_left;
    cv.notify_all();
  };

  std::vector<std::jthread> threads;
  for (size_t i = 0; i < generators; ++i) threads.emplace_back(generate);
  for (size_t i = 0; i < writers; ++i) threads.emplace_back(write);

  uint64_t written = 0, since_sync = 0;
  Status status;
  // Chunks are accounted in completion order; in fill mode the one writer
  // completes them in offset order, so `written` is the filled length.
  for (;;) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !done.empty() || writers_left == 0; });
    if (done.empty()) break;
    Done d = std::move(done.front());
    done.pop_front();
    bool full = false;
    if (!d.written) {
      if (status) status = std::unexpected(d.written.error());
      stop = true;
    } else {
      written += *d.written;
      since_sync += *d.written;
      full = *d.written < d.slot->length;
      if (full) stop = true;
    }
    free_slots.push_back(d.slot);
    cv.notify_all();
    lock.unlock();
    if (!status || full) continue;
    if (Cancelled(job.cancel)) {
      status = Interrupted();
      std::lock_guard relock(mu);
      stop = true;
      cv.notify_all();
      continue;
    }
    if (job.sync_interval && since_sync >= job.sync_interval) {
      // Concurrent with the writes in flight; the final sync below covers those.
      if (auto s = Sync(job.fd); !s) {
        status = s;
        std::lock_guard relock(mu);
        stop = true;
        cv.notify_all();
        continue;
      }
      since_sync = 0;
    }
    progress.Update(written);
  }
  {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  }
  threads.clear();  // joins
  CUSTODY_TRY(status);
  CUSTODY_TRY(Sync(job.fd));
  progress.Update(written, true);
  return written;
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

std::string RandomName(size_t length) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::RandomString(length);
  std::string out;
  for (char c : bytes) out.push_back(kChars[static_cast<unsigned char>(c) % 36]);
  return out;
}

// The wipe works on real files only, so the POSIX Env's directory sync is
// the one to use (no second copy of open+fsync here).
Status SyncDirectory(const std::filesystem::path& dir) {
  return DefaultEnv()->SyncDir(dir.string());
}

Status ValidateOptions(const WipeOptions& o) {
  if (o.rounds < 1 || o.rounds > 1000)
    return Fail(Code::kUsage, "rounds must be between 1 and 1000, got " + std::to_string(o.rounds));
  if (o.chunk_size < kDirectAlignment || o.chunk_size % kDirectAlignment != 0)
    return Fail(Code::kUsage, "chunk size must be a positive multiple of " +
                                  std::to_string(kDirectAlignment));
  return {};
}

WipeReport StartReport(TargetKind kind, const std::string& path, const WipeOptions& o) {
  WipeReport r;
  r.kind = kind;
  r.target = path;
  r.method = o.method;
  r.rounds = o.rounds;
  r.verify_mode = o.verify;
  r.seed = o.seed ? *o.seed : crypto::RandomKeystreamSeed();
  r.started = std::chrono::system_clock::now();
  return r;
}

// Writes (and verifies) every pass over [0, size) of `fd`. With `fill`, the
// first pass runs until the filesystem is full and sets the size.
Status RunPasses(int fd, uint64_t size, bool fill, uint32_t sector, const WipeOptions& o,
                 WipeReport& r) {
  std::vector<Pass> passes = PassSequence(o.method, o.rounds);
  r.target_bytes = size;
  for (size_t i = 0; i < passes.size(); ++i) {
    PassResult pr;
    pr.pass = passes[i];
    WriteJob job;
    job.fd = fd;
    job.size = r.target_bytes;
    job.fill = fill && i == 0;
    job.chunk = o.chunk_size;
    job.sync_interval = o.sync_interval;
    job.sector = sector;
    job.pass = &pr.pass;
    job.seed = &r.seed;
    job.errors = &r.errors;
    job.cancel = o.cancel;
    PhaseProgress progress(o.progress, i, passes.size(), false, job.fill ? 0 : r.target_bytes);
    auto t0 = Clock::now();
    CUSTODY_ASSIGN(pr.bytes_written,
                   WithContext(WritePass(job, progress),
                               "pass " + std::to_string(i + 1) + " (" + pr.pass.Describe() + ")"));
    pr.write_seconds = SecondsSince(t0);
    if (job.fill) r.target_bytes = pr.bytes_written;
    bool verify = o.verify == VerifyMode::kAll ||
                  (o.verify == VerifyMode::kLast && i + 1 == passes.size());
    if (verify) {
      PhaseProgress vp(o.progress, i, passes.size(), true, r.target_bytes);
      auto t1 = Clock::now();
      ProgressFn fn = [&](const Progress& p) { vp.Update(p.bytes_done, true); };
      CUSTODY_ASSIGN(pr.verify, VerifyFd(fd, r.target_bytes, pr.pass, r.seed, o.chunk_size,
                                         o.progress ? fn : ProgressFn{}, &r.errors, o.cancel));
      pr.verify_seconds = SecondsSince(t1);
    }
    r.passes.push_back(std::move(pr));
  }
  return {};
}

Status CheckNotCopyOnWrite(const std::string& path, const struct statfs& sfs,
                           const char* what) {
  if (!IsCopyOnWrite(sfs.f_type)) return {};
  return Fail(Code::kUsage,
              "refusing to wipe " + std::string(what) + " " + path + " on " +
                  FilesystemName(sfs.f_type) +
                  ": it is a copy-on-write or log-structured filesystem, which writes new "
                  "data to new blocks and leaves the old ones (and any snapshot) intact, so "
                  "overwriting in place is not possible. Wipe the whole device, or rely on "
                  "encryption (destroy the key)");
}

}  // namespace

const char* VerifyModeName(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::kOff: return "off";
    case VerifyMode::kLast: return "last";
    case VerifyMode::kAll: return "all";
  }
  return "unknown";
}

Result<VerifyMode> ParseVerifyMode(std::string_view name) {
  if (name == "off") return VerifyMode::kOff;
  if (name == "last") return VerifyMode::kLast;
  if (name == "all") return VerifyMode::kAll;
  return Fail(Code::kUsage,
              "unknown verify mode \"" + std::string(name) + "\"; expected off, last or all");
}

const char* TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kBlockDevice: return "block-device";
    case TargetKind::kFile: return "file";
    case TargetKind::kFreeSpace: return "free-space";
  }
  return "unknown";
}

const char* VerdictName(WipeReport::Verdict verdict) {
  switch (verdict) {
    case WipeReport::Verdict::kNotPerformed: return "not-performed";
    case WipeReport::Verdict::kPassed: return "passed";
    case WipeReport::Verdict::kFailed: return "failed";
  }
  return "unknown";
}

uint64_t WipeReport::bytes_written() const {
  uint64_t n = 0;
  for (const auto& p : passes) n += p.bytes_written;
  return n;
}

uint64_t WipeReport::bytes_verified() const {
  uint64_t n = 0;
  for (const auto& p : passes)
    if (p.verify) n += p.verify->bytes_compared;
  return n;
}

uint64_t WipeReport::mismatched_bytes() const {
  uint64_t n = 0;
  for (const auto& p : passes)
    if (p.verify) n += p.verify->mismatched_bytes;
  return n;
}

std::optional<uint64_t> WipeReport::first_mismatch() const {
  for (const auto& p : passes)
    if (p.verify && p.verify->first_mismatch) return p.verify->first_mismatch;
  return std::nullopt;
}

WipeReport::Verdict WipeReport::verdict() const {
  bool any = false;
  for (const auto& p : passes) {
    if (!p.verify) continue;
    any = true;
    if (!p.verify->ok()) return Verdict::kFailed;
  }
  return any ? Verdict::kPassed : Verdict::kNotPerformed;
}

bool WipeReport::has_random_pass() const {
  return std::any_of(passes.begin(), passes.end(),
                     [](const PassResult& p) { return p.pass.kind == Pass::Kind::kRandom; });
}

Result<VerifyOutcome> VerifyFd(int fd, uint64_t size, const Pass& pass,
                               const crypto::KeystreamSeed& seed, size_t chunk_size,
                               const ProgressFn& progress, std::vector<IoErrorRecord>* errors,
                               const std::atomic<bool>* cancel) {
  VerifyOutcome out;
  if (size == 0) return out;
  // Pipeline: kIoThreads readers issue O_DIRECT reads in offset order;
  // checker threads regenerate the expected bytes of each chunk read (for a
  // constant pattern: one shared buffer) and compare; the calling thread
  // reports progress. Every chunk is compared exactly once, in any order, so
  // the outcome does not depend on scheduling.
  const size_t chunk = static_cast<size_t>(std::min<uint64_t>(chunk_size, size));
  const uint64_t chunks = (size + chunk - 1) / chunk;
  const bool constant = pass.IsConstant();
  const size_t checkers = constant ? 1 : GeneratorThreads();

  std::mutex mu;
  std::condition_variable cv;
  // All GUARDED_BY(mu):
  std::vector<Slot*> free_slots;
  std::deque<Slot*> filled;
  uint64_t next_read = 0, checked_bytes = 0, chunks_checked = 0;
  size_t readers_left = kIoThreads;
  bool stop = false;
  VerifyOutcome total;
  std::vector<IoErrorRecord> read_errors;

  std::vector<Slot> slots(kIoThreads + checkers + 2);
  for (Slot& s : slots) {
    s.buffer = AlignedBuffer(chunk);
    free_slots.push_back(&s);
  }
  AlignedBuffer constant_buffer;
  if (constant) {
    constant_buffer = AlignedBuffer(chunk);
    FillPass(pass, seed, 0, constant_buffer.span());
  }

  auto read = [&] {
    for (;;) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || next_read >= chunks || !free_slots.empty(); });
      if (stop || next_read >= chunks) break;
      Slot* s = free_slots.back();
      free_slots.pop_back();
      uint64_t index = next_read++;
      lock.unlock();
      s->offset = index * chunk;
      s->length = static_cast<size_t>(std::min<uint64_t>(chunk, size - s->offset));
      s->error = 0;
      size_t done = 0;
      while (done < s->length) {
        ssize_t n = pread(fd, s->buffer.data() + done, s->length - done,
                          static_cast<off_t>(s->offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          s->error = n == 0 ? ENODATA : errno;  // ENODATA: the target ended early
          break;
        }
        done += static_cast<size_t>(n);
      }
      lock.lock();
      filled.push_back(s);
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    --readers_left;
    cv.notify_all();
  };
  auto check = [&] {
    AlignedBuffer expected;
    if (!constant) expected = AlignedBuffer(chunk);
    VerifyOutcome local;
    std::vector<IoErrorRecord> local_errors;
    for (;;) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || !filled.empty() || readers_left == 0; });
      if (stop || filled.empty()) break;
      Slot* s = filled.front();
      filled.pop_front();
      lock.unlock();
      if (s->error != 0) {
        AddError(&local_errors, s->offset, s->length, "read-back", s->error);
        local.bytes_compared += s->length;
        local.mismatched_bytes += s->length;
        if (!local.first_mismatch || s->offset < *local.first_mismatch)
          local.first_mismatch = s->offset;
      } else {
        const uint8_t* want = constant_buffer.data();
        if (!constant) {
          FillPass(pass, seed, s->offset, expected.span().first(s->length));
          want = expected.data();
        }
        VerifyOutcome part;
        Compare(s->buffer.data(), want, s->length, s->offset, part);
        local.bytes_compared += part.bytes_compared;
        local.mismatched_bytes += part.mismatched_bytes;
        if (part.first_mismatch &&
            (!local.first_mismatch || *part.first_mismatch < *local.first_mismatch))
          local.first_mismatch = part.first_mismatch;
      }
      lock.lock();
      checked_bytes += s->length;
      ++chunks_checked;
      free_slots.push_back(s);
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    total.bytes_compared += local.bytes_compared;
    total.mismatched_bytes += local.mismatched_bytes;
    if (local.first_mismatch &&
        (!total.first_mismatch || *local.first_mismatch < *total.first_mismatch))
      total.first_mismatch = local.first_mismatch;
    read_errors.insert(read_errors.end(), local_errors.begin(), local_errors.end());
  };

  std::vector<std::jthread> threads;
  for (size_t i = 0; i < kIoThreads; ++i) threads.emplace_back(read);
  for (size_t i = 0; i < checkers; ++i) threads.emplace_back(check);

  PhaseProgress phase(progress, 0, 0, true, size);
  bool cancelled = false;
  for (;;) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return chunks_checked == chunks; });
    uint64_t checked = checked_bytes;
    bool finished = chunks_checked == chunks;
    if (!finished && Cancelled(cancel)) {
      cancelled = true;
      stop = true;
      cv.notify_all();
    }
    lock.unlock();
    if (finished || cancelled) break;
    phase.Update(checked);
  }
  threads.clear();  // joins; checkers merge their results on the way out
  if (cancelled) return Interrupted();
  std::sort(read_errors.begin(), read_errors.end(),
            [](const IoErrorRecord& a, const IoErrorRecord& b) { return a.offset < b.offset; });
  if (errors) errors->insert(errors->end(), read_errors.begin(), read_errors.end());
  out = total;
  phase.Update(size, true);
  return out;
}

Result<VerifyOutcome> VerifyPath(const std::string& path, uint64_t size, const Pass& pass,
                                 const crypto::KeystreamSeed& seed, const ProgressFn& progress,
                                 const std::atomic<bool>* cancel) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(ErrnoError(errno, "open " + path + " with O_DIRECT"));
  return VerifyFd(fd.get(), size, pass, seed, kDefaultChunkSize, progress, nullptr, cancel);
}

Result<WipeReport> WipeBlockDevice(const std::string& path, const WipeOptions& options) {
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + path));
  if (!S_ISBLK(st.st_mode)) return Fail(Code::kUsage, path + " is not a block device");
  // O_EXCL on a block device claims it: the open fails with EBUSY while it
  // is mounted or held by LVM, RAID, swap or another exclusive opener.
  UniqueFd fd(open(path.c_str(), O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == EBUSY)
      return Fail(Code::kIo, path + " is in use (mounted, swap, or held by LVM/RAID/another "
                                    "program); unmount or release it first");
    return std::unexpected(ErrnoError(errno, "open " + path));
  }
  int ro = 0;
  if (ioctl(fd.get(), BLKROGET, &ro) == 0 && ro)
    return Fail(Code::kUsage, path + " is read-only");
  WipeReport r = StartReport(TargetKind::kBlockDevice, path, options);
  CUSTODY_ASSIGN(r.device, ProbeBlockDevice(fd.get(), path));
  r.notes = r.device.Warnings();
  uint32_t sector = std::max<uint32_t>(r.device.logical_sector_size, 512);
  if (r.device.size_bytes % sector != 0)
    return Fail(Code::kIo, path + ": size is not a multiple of the sector size");
  CUSTODY_TRY(RunPasses(fd.get(), r.device.size_bytes, false, sector, options, r));
  // Drop whatever old content the page cache may still hold for the device.
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  ioctl(fd.get(), BLKFLSBUF, 0);
  CUSTODY_TRY(fd.Close(path));
  r.finished = std::chrono::system_clock::now();
  return r;
}

Result<WipeReport> WipeFile(const std::string& path, const WipeOptions& options) {
  namespace fs = std::filesystem;
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + path));
  if (S_ISLNK(st.st_mode))
    return Fail(Code::kUsage, path + " is a symbolic link; name the file it points to");
  if (S_ISDIR(st.st_mode))
    return Fail(Code::kUsage, path + " is a directory; to wipe a filesystem's free space use "
                                     "--free-space DIR");
  if (!S_ISREG(st.st_mode)) return Fail(Code::kUsage, path + " is not a regular file");
  if (st.st_nlink > 1)
    return Fail(Code::kUsage, path + " has " + std::to_string(st.st_nlink) +
                                  " hard links; wiping it would leave the other names "
                                  "pointing at overwritten data. Remove the other links first");
  struct statfs sfs {};
  if (statfs(path.c_str(), &sfs) != 0) return std::unexpected(ErrnoError(errno, "statfs " + path));
  CUSTODY_TRY(CheckNotCopyOnWrite(path, sfs, "file"));

  UniqueFd fd(open(path.c_str(), O_RDWR | O_DIRECT | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == EINVAL)
      return Fail(Code::kIo, path + ": the filesystem does not support O_DIRECT, so the "
                                    "overwrite could not be verified without the page cache");
    return std::unexpected(ErrnoError(errno, "open " + path));
  }
  // The file may have been swapped between lstat and open: check it is the same.
  struct stat st2 {};
  if (fstat(fd.get(), &st2) != 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
    return Fail(Code::kIo, path + " changed while it was being opened");

  WipeReport r = StartReport(TargetKind::kFile, path, options);
  r.device = ProbeDeviceNumber(st.st_dev);
  r.device.path = path;
  r.device.filesystem = FilesystemName(sfs.f_type);
  r.notes = r.device.Warnings();
  r.notes.push_back(
      "a file wipe overwrites the file's current blocks only: earlier copies (backups, "
      "editor and temporary files, copies the filesystem or an application made before, "
      "snapshots of the underlying volume) are not touched");

  // Round up to the filesystem block: the tail of the last block belongs to
  // the file already, and O_DIRECT needs whole blocks anyway.
  uint64_t block = std::max<uint64_t>(static_cast<uint64_t>(sfs.f_bsize), kDirectAlignment);
  uint64_t size = (static_cast<uint64_t>(st.st_size) + block - 1) / block * block;
  CUSTODY_TRY(RunPasses(fd.get(), size, false, static_cast<uint32_t>(block), options, r));

  if (r.verdict() != WipeReport::Verdict::kFailed) {
    // Forget the blocks, then the name: truncate, rename to a random name of
    // the same length (overwriting the old name in the directory entry where
    // the filesystem reuses it), unlink, and make each step durable.
    if (ftruncate(fd.get(), 0) != 0) return std::unexpected(ErrnoError(errno, "truncate " + path));
    if (fsync(fd.get()) != 0) return std::unexpected(ErrnoError(errno, "fsync " + path));
    CUSTODY_TRY(fd.Close(path));
    fs::path p(path);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    size_t name_len = std::max<size_t>(p.filename().string().size(), 1);
    fs::path current = p;
    for (int attempt = 0; attempt < 100; ++attempt) {
      fs::path renamed = dir / RandomName(name_len);
      if (renameat2(AT_FDCWD, current.c_str(), AT_FDCWD, renamed.c_str(), RENAME_NOREPLACE) == 0) {
        current = renamed;
        break;
      }
      if (errno != EEXIST) return std::unexpected(ErrnoError(errno, "rename " + path));
    }
    CUSTODY_TRY(SyncDirectory(dir));
    if (unlink(current.c_str()) != 0)
      return std::unexpected(ErrnoError(errno, "unlink " + current.string()));
    CUSTODY_TRY(SyncDirectory(dir));
    r.removed = true;
  } else {
    CUSTODY_TRY(fd.Close(path));
  }
  r.finished = std::chrono::system_clock::now();
  return r;
}

Result<WipeReport> WipeFreeSpace(const std::string& dir, const WipeOptions& options) {
  namespace fs = std::filesystem;
  CUSTODY_TRY(ValidateOptions(options));
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + dir));
  if (!S_ISDIR(st.st_mode)) return Fail(Code::kUsage, dir + " is not a directory");
  struct statfs sfs {};
  if (statfs(dir.c_str(), &sfs) != 0) return std::unexpected(ErrnoError(errno, "statfs " + dir));
  CUSTODY_TRY(CheckNotCopyOnWrite(dir, sfs, "the free space of"));

  WipeReport r = StartReport(TargetKind::kFreeSpace, dir, options);
  r.device = ProbeDeviceNumber(st.st_dev);
  r.device.path = dir;
  r.device.filesystem = FilesystemName(sfs.f_type);
  r.notes = r.device.Warnings();
  r.notes.push_back(
      "a free-space wipe overwrites unallocated blocks only: it does not reach the slack "
      "after the end of existing files, inodes and directory entries of deleted files, or "
      "the filesystem journal");

  fs::path filler = fs::path(dir) / (".custody-wipe-" + RandomName(16));
  UniqueFd fd(open(filler.c_str(), O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_NOFOLLOW | O_CLOEXEC,
                   0600));
  if (!fd.valid()) {
    if (errno == EINVAL)
      return Fail(Code::kIo, dir + ": the filesystem does not support O_DIRECT");
    return std::unexpected(ErrnoError(errno, "create " + filler.string()));
  }
  // The filler must never outlive this call, whatever happens.
  struct Remover {
    fs::path path;
    ~Remover() { unlink(path.c_str()); }
  } remover{filler};

  uint32_t block = static_cast<uint32_t>(std::max<int64_t>(sfs.f_bsize, 512));
  CUSTODY_TRY(RunPasses(fd.get(), 0, true, block, options, r));
  if (ftruncate(fd.get(), 0) != 0) return std::unexpected(ErrnoError(errno, "truncate filler"));
  CUSTODY_TRY(fd.Close(filler.string()));
  if (unlink(filler.c_str()) != 0)
    return std::unexpected(ErrnoError(errno, "unlink " + filler.string()));
  remover.path.clear();
  CUSTODY_TRY(SyncDirectory(dir));
  r.removed = true;
  r.finished = std::chrono::system_clock::now();
  return r;
}

}  // namespace custody::vault::disposal
