// Writing one pass over an open target: the thread pipeline behind
// WritePass, and the retry logic for failing sectors.
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "vault/disposal/engine_internal.h"

namespace custody::vault::disposal::internal {


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


namespace {

Status Sync(int fd) {
  if (fdatasync(fd) != 0) return std::unexpected(ErrnoError(errno, "fdatasync"));
  return {};
}

// In fill mode the last chunk may not fit whole: fills what is left of it in
// sectors. Returns the new `done`.
size_t FillTail(const WriteJob& job, const uint8_t* data, uint64_t offset, size_t length,
                size_t done) {
  if (length - done <= job.sector) return done;
  size_t step = job.sector;
  while (done + step <= length) {
    ssize_t m = pwrite(job.fd, data + done, step, static_cast<off_t>(offset + done));
    if (m < 0 && errno == EINTR) continue;
    if (m <= 0) break;
    done += static_cast<size_t>(m);
  }
  return done;
}

// After a medium error: writes the rest sector by sector, recording (and
// skipping) the sectors that still fail.
Result<size_t> WriteSectors(const WriteJob& job, const uint8_t* data, uint64_t offset,
                            size_t length, size_t done) {
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
    if (job.fill && (err == ENOSPC || err == EFBIG))
      return FillTail(job, data, offset, length, done);
    if (err == EIO || err == EILSEQ || err == ENODATA)
      return WriteSectors(job, data, offset, length, done);
    return std::unexpected(ErrnoError(err, "write at offset " + std::to_string(offset + done)));
  }
  return done;
}

// WritePass's threads and the state they share.
//
// Pipeline: generator threads fill chunk k (any order) while I/O threads
// write the chunks strictly in offset order, up to kIoThreads at a time, and
// the calling thread accounts completed chunks (progress, periodic sync,
// buffer reuse). In fill mode a single I/O thread writes, so "full" is
// reached at one well-defined offset. A constant pattern is generated once
// into a shared buffer, and its slots carry offsets only.
class WritePipeline {
 public:
  explicit WritePipeline(const WriteJob& job);
  Result<uint64_t> Run(PhaseProgress& progress);

 private:
  struct Done {
    Slot* slot;
    Result<size_t> written;
  };

  size_t LengthOf(uint64_t index) const;
  void Generate();
  void Write();
  Slot* TakeForWrite(uint64_t index);  // REQUIRES: mu_ held
  Status Account(PhaseProgress& progress, uint64_t& written);
  Status Checkpoint(uint64_t& since_sync);
  void RequestStop();

  const WriteJob& job_;
  const bool constant_;
  const size_t generators_;
  const size_t writers_;
  const uint64_t chunks_;

  std::mutex mu_;
  std::condition_variable cv_;
  // All GUARDED_BY(mu_):
  std::vector<Slot*> free_slots_;
  std::map<uint64_t, Slot*> ready_;  // generated, waiting to be written in order
  std::deque<Done> done_;
  uint64_t next_generate_ = 0, next_write_ = 0;
  bool stop_ = false;
  size_t writers_left_;

  AlignedBuffer constant_buffer_;
  std::vector<Slot> slots_;
};

WritePipeline::WritePipeline(const WriteJob& job)
    : job_(job),
      constant_(job.pass->IsConstant()),
      generators_(constant_ ? 0 : GeneratorThreads()),
      writers_(job.fill ? 1 : kIoThreads),
      chunks_(job.fill ? UINT64_MAX : (job.size + job.chunk - 1) / job.chunk),
      writers_left_(writers_) {
  const size_t buffer_size = static_cast<size_t>(
      job.fill ? job.chunk : std::min<uint64_t>(job.chunk, std::max<uint64_t>(job.size, 1)));
  if (constant_) {
    constant_buffer_ = AlignedBuffer(buffer_size);
    FillPass(*job.pass, *job.seed, 0, constant_buffer_.span());
    slots_.resize(writers_);
  } else {
    slots_.resize(generators_ + writers_ + 2);
    for (Slot& s : slots_) s.buffer = AlignedBuffer(buffer_size);
  }
  for (Slot& s : slots_) free_slots_.push_back(&s);
}

size_t WritePipeline::LengthOf(uint64_t index) const {
  if (job_.fill) return job_.chunk;
  return static_cast<size_t>(std::min<uint64_t>(job_.chunk, job_.size - index * job_.chunk));
}

void WritePipeline::RequestStop() {
  std::lock_guard lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

void WritePipeline::Generate() {
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_ || (!free_slots_.empty() && next_generate_ < chunks_); });
    if (stop_ || next_generate_ >= chunks_) return;
    Slot* s = free_slots_.back();
    free_slots_.pop_back();
    uint64_t index = next_generate_++;
    lock.unlock();
    s->offset = index * job_.chunk;
    s->length = LengthOf(index);
    FillPass(*job_.pass, *job_.seed, s->offset, s->buffer.span().first(s->length));
    lock.lock();
    ready_.emplace(index, s);
    cv_.notify_all();
  }
}

Slot* WritePipeline::TakeForWrite(uint64_t index) {
  if (constant_) {
    Slot* s = free_slots_.back();
    free_slots_.pop_back();
    s->offset = index * job_.chunk;
    s->length = LengthOf(index);
    return s;
  }
  auto it = ready_.find(index);
  Slot* s = it->second;
  ready_.erase(it);
  return s;
}

void WritePipeline::Write() {
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      if (stop_ || next_write_ >= chunks_) return true;
      if (constant_) return !free_slots_.empty();
      return ready_.count(next_write_) > 0;
    });
    if (stop_ || next_write_ >= chunks_) break;
    Slot* s = TakeForWrite(next_write_++);
    lock.unlock();
    const uint8_t* data = constant_ ? constant_buffer_.data() : s->buffer.data();
    Result<size_t> n = WriteChunk(job_, data, s->offset, s->length);
    lock.lock();
    done_.push_back({s, std::move(n)});
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  --writers_left_;
  cv_.notify_all();
}

// Between chunks: honours cancellation and the periodic sync.
Status WritePipeline::Checkpoint(uint64_t& since_sync) {
  if (Cancelled(job_.cancel)) return Interrupted();
  if (job_.sync_interval && since_sync >= job_.sync_interval) {
    // Concurrent with the writes in flight; the final sync in Run covers those.
    CUSTODY_TRY(Sync(job_.fd));
    since_sync = 0;
  }
  return {};
}

// Chunks are accounted in completion order; in fill mode the one writer
// completes them in offset order, so `written` is the filled length.
Status WritePipeline::Account(PhaseProgress& progress, uint64_t& written) {
  uint64_t since_sync = 0;
  Status status;
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !done_.empty() || writers_left_ == 0; });
    if (done_.empty()) break;
    Done d = std::move(done_.front());
    done_.pop_front();
    bool full = false;
    if (!d.written) {
      if (status) status = std::unexpected(d.written.error());
      stop_ = true;
    } else {
      written += *d.written;
      since_sync += *d.written;
      full = *d.written < d.slot->length;
      if (full) stop_ = true;
    }
    free_slots_.push_back(d.slot);
    cv_.notify_all();
    lock.unlock();
    if (!status || full) continue;
    if (Status s = Checkpoint(since_sync); !s) {
      status = s;
      RequestStop();
      continue;
    }
    progress.Update(written);
  }
  return status;
}

Result<uint64_t> WritePipeline::Run(PhaseProgress& progress) {
  std::vector<std::jthread> threads;
  for (size_t i = 0; i < generators_; ++i) threads.emplace_back([this] { Generate(); });
  for (size_t i = 0; i < writers_; ++i) threads.emplace_back([this] { Write(); });
  uint64_t written = 0;
  Status status = Account(progress, written);
  RequestStop();
  threads.clear();  // joins
  CUSTODY_TRY(status);
  CUSTODY_TRY(Sync(job_.fd));
  progress.Update(written, true);
  return written;
}

}  // namespace

Result<uint64_t> WritePass(const WriteJob& job, PhaseProgress& progress) {
  return WritePipeline(job).Run(progress);
}

}  // namespace custody::vault::disposal::internal
