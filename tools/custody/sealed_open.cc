// `custody open` of a sealed copy; see sealed_open.h.
#include "tools/custody/sealed_open.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/atomic_file.h"
#include "base/env.h"
#include "base/pipeline.h"
#include "crypto/age.h"
#include "crypto/hash.h"
#include "crypto/secret_bytes.h"
#include "tools/custody/cli.h"
#include "tools/custody/inflight.h"
#include "vault/copies/copy_marking.h"

namespace custody::cli {

namespace {

using Emit = std::function<Status(std::span<const uint8_t>)>;

// The whole file through `file`, for the check before plaintext goes to
// stdout.
Result<crypto::Hash256> HashWhole(File& file) {
  crypto::Blake2bHasher h;
  std::vector<uint8_t> buf(1 << 20);
  for (uint64_t at = 0;;) {
    CUSTODY_ASSIGN(size_t n, file.ReadAt(at, buf));
    if (n == 0) return h.Final();
    h.Update(std::span<const uint8_t>(buf.data(), n));
    at += n;
  }
}

// The copy as the age reader sees it: read in order from one open file and
// hashed on the way, so the hash is of exactly the bytes parsed. While
// keeping, the bytes handed out are also kept (the header and the parser's
// read-ahead of one block: bounded by kAgeMaxHeaderSize plus a little), so
// a caller that takes the payload over by offset need not read them again.
class CopySource final : public crypto::AgeSource {
 public:
  CopySource(File& file, bool keep) : file_(file), keep_(keep) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    CUSTODY_ASSIGN(size_t n, file_.ReadAt(at_, out));
    const std::span<const uint8_t> got(out.data(), n);
    hasher_.Update(got);
    if (keep_) kept_.insert(kept_.end(), got.begin(), got.end());
    at_ += n;
    return n;
  }
  // Bytes [0, kept().size()) of the file; empty unless keeping.
  const std::vector<uint8_t>& kept() const { return kept_; }
  // The hash of every byte read so far, and more to come: a copy.
  crypto::Blake2bHasher hasher() const { return hasher_; }
  // Stops keeping (for a payload read through the reader) and frees what was kept.
  void StopKeeping() {
    keep_ = false;
    std::vector<uint8_t>().swap(kept_);
  }

 private:
  File& file_;
  bool keep_;
  uint64_t at_ = 0;
  crypto::Blake2bHasher hasher_;
  std::vector<uint8_t> kept_;
};

// Hashes blocks in the order they are added, on a thread of its own: the
// file's BLAKE2b is sequential by nature, so it runs beside the decryption
// (on the other cores) rather than before or after it.
class HashingThread {
 public:
  explicit HashingThread(const crypto::Blake2bHasher& start) : hasher_(start), thread_([this] { Run(); }) {}
  // Drops what is queued and not started; waits for the block being hashed.
  ~HashingThread() { Stop(); }
  HashingThread(const HashingThread&) = delete;
  HashingThread& operator=(const HashingThread&) = delete;

  // REQUIRES: `block` stays valid and unchanged until WaitHashed(n) has
  // returned for an n counting it, or the HashingThread is destroyed.
  void Add(std::span<const uint8_t> block) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(block);
      ++added_;
    }
    cv_.notify_all();
  }
  // Waits until the first `count` blocks added are hashed.
  void WaitHashed(uint64_t count) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return hashed_ >= count; });
  }
  // Waits for every block added. REQUIRES: called once, after the last Add.
  crypto::Hash256 Final() {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return hashed_ == added_; });
    }
    Stop();
    return hasher_.Final();
  }

 private:
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      const std::span<const uint8_t> block = queue_.front();
      queue_.pop_front();
      lock.unlock();
      hasher_.Update(block);
      lock.lock();
      ++hashed_;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::span<const uint8_t>> queue_;  // GUARDED_BY(mu_)
  uint64_t added_ = 0;                          // GUARDED_BY(mu_)
  uint64_t hashed_ = 0;                         // GUARDED_BY(mu_)
  bool stop_ = false;                           // GUARDED_BY(mu_)
  crypto::Blake2bHasher hasher_;                // the thread's until it is joined
  std::thread thread_;                          // last: starts once the rest is built
};

// Opens the binary age payload of `file` (`path`, of `size` bytes) in one
// pass and returns the BLAKE2b-256 of the whole file: what `source` read
// (the header, hashed and kept), then each block read here once, hashed on
// a HashingThread while the workers of an ordered pipeline open its age
// chunks (the length is known, so is every chunk's place and final flag:
// AgePayloadKey::OpenAt). Plaintext goes to `emit` in order, from locked
// buffers. For a destination that publishes only at the end: a failed
// chunk stops the output, but what was emitted before it stays emitted.
Result<crypto::Hash256> OpenPayloadInOnePass(File& file, const std::string& path, uint64_t size,
                                             const CopySource& source,
                                             const crypto::AgeReader::Payload& payload,
                                             const Emit& emit) {
  constexpr uint64_t kBatch = 16;  // age chunks a slot: 1 MiB, as the vault's own
  constexpr size_t kSlots = 6;         // plaintext: 6 MiB of locked memory
  constexpr size_t kSealedSlots = 16;  // ciphertext: 16 MiB
  const std::vector<uint8_t>& kept = source.kept();
  if (size < kept.size() || size < payload.offset) return Fail(Code::kCorrupt, path + " shrank while read");
  const uint64_t length = size - payload.offset;
  CUSTODY_ASSIGN(uint64_t count, crypto::AgeStoredChunkCount(length));
  const uint64_t batches = (count + kBatch - 1) / kBatch;
  const size_t batch_bytes =
      static_cast<size_t>(std::min<uint64_t>(kBatch * crypto::kAgeSealedChunkSize, length));
  const size_t plain_bytes = static_cast<size_t>(std::min<uint64_t>(kBatch * crypto::kAgeChunkSize, length));
  const size_t slots = static_cast<size_t>(std::min<uint64_t>(kSlots, batches));
  const size_t sealed_slots = static_cast<size_t>(std::min<uint64_t>(kSealedSlots, batches));
  // The buffers are ours, not the pipeline's: the plaintext in locked memory,
  // and the ciphertext alive until the hashing thread is joined (it is
  // declared after them). At most `slots` chunks are between produce and the
  // end of consume at once (base/pipeline.h), so chunk i owns plaintext
  // buffer i % slots. Its ciphertext buffer, i % sealed_slots, is free once
  // chunk i - sealed_slots is consumed (sealed_slots >= slots) and hashed:
  // the hash may lag behind the decryption by that much, so that neither
  // waits for the other on a busy machine.
  std::vector<std::vector<uint8_t>> sealed(sealed_slots, std::vector<uint8_t>(batch_bytes));
  std::vector<crypto::SecretBytes> plain;
  for (size_t i = 0; i < slots; ++i) plain.emplace_back(plain_bytes);
  HashingThread hasher(source.hasher());

  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    if (s.index >= batches) return false;
    if (s.index >= sealed_slots) hasher.WaitHashed(s.index - sealed_slots + 1);
    std::vector<uint8_t>& in = sealed[s.index % sealed_slots];
    const uint64_t at = payload.offset + s.index * kBatch * crypto::kAgeSealedChunkSize;
    s.in_len = static_cast<size_t>(std::min<uint64_t>(kBatch * crypto::kAgeSealedChunkSize, size - at));
    // What the header's parser read ahead is kept and hashed already.
    const size_t carried =
        at < kept.size() ? static_cast<size_t>(std::min<uint64_t>(s.in_len, kept.size() - at)) : 0;
    if (carried > 0) std::copy_n(kept.begin() + static_cast<std::ptrdiff_t>(at), carried, in.begin());
    if (carried < s.in_len) {
      CUSTODY_ASSIGN(size_t got, file.ReadAt(at + carried, {in.data() + carried, s.in_len - carried}));
      if (got != s.in_len - carried) return Fail(Code::kCorrupt, path + " shrank while read");
    }
    hasher.Add({in.data() + carried, s.in_len - carried});
    s.last = s.index + 1 == batches;
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    const std::vector<uint8_t>& in = sealed[s.index % sealed_slots];
    crypto::SecretBytes& out = plain[s.index % slots];
    s.out_len = 0;
    uint64_t chunk = s.index * kBatch;
    for (size_t at = 0; at < s.in_len; at += crypto::kAgeSealedChunkSize, ++chunk) {
      const size_t n = std::min(crypto::kAgeSealedChunkSize, s.in_len - at);
      CUSTODY_TRY(payload.key.OpenAt(chunk, count, {in.data() + at, n},
                                     {out.data() + s.out_len, n - crypto::kAgeTagSize}));
      s.out_len += n - crypto::kAgeTagSize;
    }
    return {};
  };
  st.consume = [&](ChunkSlot& s) -> Status {
    return emit(plain[s.index % slots].span().first(s.out_len));
  };
  CUSTODY_TRY(RunOrderedPipeline(kSlots, 0, 0, DefaultWorkers(), batches, st));
  // The length was taken once: a file that grew meanwhile is not the one opened.
  CUSTODY_ASSIGN(uint64_t after, file.Size());
  if (after != size) return Fail(Code::kCorrupt, path + " changed size while read");
  return hasher.Final();
}

// The payload one chunk at a time (an armored file, or to stdout). One
// chunk is held back until the next (or the verified end) is read, so the
// end of a truncated file is never released; the one locked buffer is
// reused for every chunk.
Status OpenPayloadInOrder(crypto::AgeReader& reader, const std::string& path, const Emit& emit) {
  crypto::SecretBytes held(crypto::kAgeChunkSize);
  size_t held_len = 0;
  bool have = false;
  for (;;) {
    auto chunk = reader.Next();
    if (!chunk) return std::unexpected(chunk.error().With(path + "; nothing of its end written"));
    if (have) CUSTODY_TRY(emit(held.span().first(held_len)));
    if (chunk->empty()) return {};
    std::copy(chunk->begin(), chunk->end(), held.data());
    held_len = chunk->size();
    have = true;
  }
}

Status WriteAll(int fd, std::span<const uint8_t> b) {
  while (!b.empty()) {
    ssize_t n = ::write(fd, b.data(), b.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(Code::kIo, "cannot write to standard output");
    b = b.subspan(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Status OpenSealedCopy(const std::string& copy, const vault::Identity& id, const std::string& out_path) {
  CUSTODY_ASSIGN(std::string text, ReadSmallFile(copy + ".marking", 64 * 1024, "a copy marking"));
  auto marking = vault::CopyMarking::ParseVerified(text);
  if (!marking) return std::unexpected(marking.error().With(copy + ".marking"));
  auto recipient = vault::PublicIdentity::Parse(marking->recipient_line);
  if (!recipient || recipient->x25519 != id.public_identity().x25519)
    return Fail(Code::kAuth, "copy " + marking->Number() + " is addressed to '" +
                                 (recipient ? recipient->name : "?") + "', not to '" +
                                 id.public_identity().name + "'");
  const bool to_stdout = out_path == "-";
  if (!to_stdout && ::access(out_path.c_str(), F_OK) == 0)
    return Fail(Code::kIo, out_path + " already exists");
  auto opened = DefaultEnv()->Open(copy, OpenMode::kRead);
  if (!opened) return std::unexpected(opened.error().With("cannot read " + copy));
  File& file = **opened;
  const auto mismatch = [&] {
    return Fail(Code::kCorrupt, copy + " does not match its marking (BLAKE2b-256 differs): not the "
                                       "copy issued; nothing written");
  };
  if (to_stdout) {
    CUSTODY_ASSIGN(crypto::Hash256 h, HashWhole(file));
    if (h != marking->file_hash) return mismatch();
  }

  CopySource source(file, /*keep=*/!to_stdout);
  crypto::AgeX25519Identity key(crypto::SecretBytes::CopyOf(id.x25519().secret_key.span()));
  const crypto::AgeIdentity* keys[] = {&key};
  auto reader = crypto::AgeReader::Open(source, keys);
  if (!reader) return std::unexpected(reader.error().With(copy));
  std::cerr << marking->Banner();
  std::unique_ptr<AtomicFile> out;
  // The plaintext's temporary file is accounted for as an extraction's is
  // (tools/custody/inflight.h): a signal removes it, a SIGKILL leaves it
  // registered for the next custody command to remove.
  ExtractSignalGuard guard;
  std::unique_ptr<InflightEntry> entry;
  if (!to_stdout) {
    auto f = AtomicFile::Create(DefaultEnv(), out_path);
    if (!f) return std::unexpected(f.error());
    out = std::move(*f);
    const std::string temp = Absolute(out->temp_path());
    auto e = InflightEntry::Register(temp, marking->Number(), Absolute(copy), InflightKind::kOpenedCopy);
    if (!e) return std::unexpected(e.error().With("open refused"));
    entry = std::move(*e);
    guard.Arm(temp, entry->path());
  }
  uint64_t at = 0;
  const Emit emit = [&](std::span<const uint8_t> b) -> Status {
    if (!out) return WriteAll(1, b);
    CUSTODY_TRY(out->file()->WriteAt(at, b));
    at += b.size();
    return {};
  };
  auto hashed = [&]() -> Result<crypto::Hash256> {
    if (out && !(*reader)->armored()) {
      CUSTODY_ASSIGN(auto payload, (*reader)->TakePayload());
      CUSTODY_ASSIGN(uint64_t size, file.Size());
      auto h = OpenPayloadInOnePass(file, copy, size, source, payload, emit);
      if (!h) return std::unexpected(h.error().With(copy));
      return h;
    }
    source.StopKeeping();
    CUSTODY_TRY(OpenPayloadInOrder(**reader, copy, emit));
    return source.hasher().Final();
  }();
  if (!hashed) return std::unexpected(hashed.error());
  if (*hashed != marking->file_hash) {
    if (to_stdout)
      return Fail(Code::kCorrupt, copy + " changed while it was read (it matched its marking "
                                         "before): the output is void");
    return mismatch();
  }
  if (!out) return {};
  Status published = out->Commit(false);
  guard.Disarm();
  return published;
}

}  // namespace custody::cli
