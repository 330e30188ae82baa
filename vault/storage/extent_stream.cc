#include "vault/storage/extent_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "crypto/aead.h"
#include "format/constants.h"
#include "format/endian.h"
#include "base/pipeline.h"
#include "vault/storage/padding.h"

namespace custody::vault {

namespace {
constexpr size_t kSlots = 6;  // ring: 6 x (1 MiB in + 1 MiB out) = 12 MiB

std::string ChunkAd(const std::string& prefix, uint64_t index, bool last) {
  std::string ad = prefix;
  format::PutLe64(ad, index);
  ad.push_back(last ? '\1' : '\0');
  return ad;
}

Status WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(ErrnoError(errno, "writing", "the output"));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

}  // namespace

PlaintextSink DescriptorSink(int fd) {
  return [fd](std::span<const uint8_t> bytes) { return WriteAll(fd, bytes.data(), bytes.size()); };
}

PlaintextSink FileSink(File& file) {
  return [&file, at = uint64_t{0}](std::span<const uint8_t> bytes) mutable -> Status {
    CUSTODY_TRY(file.WriteAt(at, bytes));
    at += bytes.size();
    return {};
  };
}

namespace {

uint64_t StoredChunkSize(const format::Extent& e, uint64_t index, uint64_t plaintext_size) {
  uint64_t start = index * e.chunk_size();
  uint64_t len = std::min<uint64_t>(e.chunk_size(), plaintext_size - std::min(plaintext_size, start));
  return len + format::kChunkOverhead;
}

// Root hash over chunk hashes (FORMAT.md "Extent hash").
class RootHasher {
 public:
  explicit RootHasher(uint64_t chunks) {
    h_.Update(format::kHashExtentRoot);
    std::string n;
    format::PutLe64(n, chunks);
    h_.Update(n);
  }
  void Add(const uint8_t hash[32]) { h_.Update(std::span<const uint8_t>(hash, 32)); }
  crypto::Hash256 Final() { return h_.Final(); }

 private:
  crypto::Blake2bHasher h_;
};

// Plaintext size implied by an extent: total minus per-chunk overhead.
Result<uint64_t> PlaintextSizeOf(const format::Extent& e) {
  if (e.chunk_size() == 0 || e.chunk_size() > format::kMaxChunkSize || e.chunk_count() == 0 ||
      e.chunk_count() > e.length() / format::kChunkOverhead)
    return Fail(Code::kCorrupt, "extent geometry out of range");
  uint64_t size = e.length() - e.chunk_count() * format::kChunkOverhead;
  if (ChunkCount(size, e.chunk_size()) != e.chunk_count())
    return Fail(Code::kCorrupt, "extent length does not match its chunk count");
  return size;
}
}  // namespace

uint64_t ChunkCount(uint64_t size, uint32_t chunk_size) {
  return size == 0 ? 1 : (size + chunk_size - 1) / chunk_size;
}

uint64_t ExtentLength(uint64_t size, uint32_t chunk_size) {
  return size + ChunkCount(size, chunk_size) * format::kChunkOverhead;
}

std::string ChunkAdPrefix(const std::string& vault_id, const std::string& doc_id,
                          uint32_t version) {
  std::string ad(format::kAdChunk);
  ad += vault_id;
  ad += doc_id;
  format::PutLe32(ad, version);
  return ad;
}

namespace {

// Reads exactly `n` bytes at `at` of the file being added.
Status ReadExactly(int fd, uint8_t* p, size_t n, uint64_t at, const std::string& name) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, p + got, n - got, static_cast<off_t>(at + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(ErrnoError(errno, "reading", name));
    }
    if (r == 0) return Fail(Code::kIo, name + " shrank while it was being added");
    got += static_cast<size_t>(r);
  }
  return {};
}

// Fills `s` with chunk `s.index` of the padded stream: the file's bytes,
// then zeros past `size` (a chunk may be all padding).
Status ProduceAddChunk(const PlaintextReader& read, uint64_t size, uint64_t padded, uint64_t chunks,
                       uint32_t cs, ChunkSlot& s) {
  const uint64_t start = s.index * cs;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(cs, padded - start));
  const size_t from_file = static_cast<size_t>(std::min<uint64_t>(want, size - std::min(size, start)));
  if (from_file > 0) CUSTODY_TRY(read(start, {s.in.data(), from_file}));
  // Slots are reused, so the padding is written each time; an empty
  // document has an empty (null) slot, which memset must not see.
  if (want > from_file) std::memset(s.in.data() + from_file, 0, want - from_file);
  s.in_len = want;
  s.last = s.index + 1 == chunks;
  return {};
}

// Checks the padding part of one decrypted chunk (R142): every byte past the
// document's size is zero. Only a writer holding the data key can make it
// otherwise, so a non-zero byte means a faulty or dishonest writer.
// How many of a decrypted slot's bytes are the document's (the rest is padding).
size_t KeptLength(const ChunkSlot& s, uint64_t chunk_size, uint64_t size) {
  const uint64_t start = s.index * chunk_size;
  return static_cast<size_t>(std::min<uint64_t>(s.out_len, size - std::min(size, start)));
}

bool PaddingIsZero(std::span<const uint8_t> chunk, size_t keep) {
  return std::all_of(chunk.begin() + static_cast<long>(keep), chunk.end(),
                     [](uint8_t b) { return b == 0; });
}

// Opens stored chunk `index` of `chunks` (`in`: nonce, ciphertext, tag) into
// `out` (in.size() - overhead bytes) and checks its padding past `keep`
// bytes: R42, R142, kCorrupt naming `what` otherwise. Shared by the
// streaming and the random-access reader.
Status OpenChunk(std::span<const uint8_t> data_key, const std::string& ad_prefix, uint64_t index,
                 uint64_t chunks, std::span<const uint8_t> in, std::span<uint8_t> out, size_t keep,
                 const std::string& what) {
  std::string ad = ChunkAd(ad_prefix, index, index + 1 == chunks);
  if (!crypto::AeadOpen(data_key, in, crypto::AsBytes(ad), out))
    return Fail(Code::kCorrupt, what + " is damaged: chunk " + std::to_string(index) + " of " +
                                    std::to_string(chunks) +
                                    " failed authentication (tampered or corrupt)");
  if (!PaddingIsZero(out, keep))
    return Fail(Code::kCorrupt, what + " is damaged: its padding (chunk " + std::to_string(index) +
                                    ") is not zero");
  return {};
}

// Where the decrypted extent may be read from, and how long its plaintext
// must be (R40-R42a, R142): kCorrupt naming `what` otherwise.
Result<uint64_t> CheckDecryptable(const Container& container, const format::Extent& extent,
                                  uint64_t size, const std::string& what) {
  CUSTODY_ASSIGN(uint64_t implied, PlaintextSizeOf(extent));
  const uint64_t end = container.superblock().committed_end();
  if (extent.offset() < format::kLogStart || extent.length() > end ||
      extent.offset() > end - extent.length())
    return Fail(Code::kCorrupt, what + " is damaged: its extent lies outside the committed log");
  const PaddedLength padded = PaddedLengthOf(size, extent.padding());
  if (!padded.ok)
    return Fail(Code::kCorrupt, what + " uses padding " + std::to_string(extent.padding()) +
                                    ", which this version does not know");
  if (implied != padded.length)
    return Fail(Code::kCorrupt, what + " is damaged: its extent does not match its recorded size");
  return implied;
}

}  // namespace

namespace {
uint32_t test_write_chunk_size = 0;  // TEST_SetWriteChunkSize; 0: kChunkSize
}  // namespace

void TEST_SetWriteChunkSize(uint32_t chunk_size) {
  if (chunk_size > format::kMaxChunkSize) std::abort();
  test_write_chunk_size = chunk_size;
}

Result<format::Extent> EncryptIntoExtent(Container& container, int fd, uint64_t size,
                                         format::Padding padding,
                                         std::span<const uint8_t> data_key,
                                         const std::string& ad_prefix, const std::string& name) {
  const PlaintextReader read = [&](uint64_t offset, std::span<uint8_t> out) -> Status {
    CUSTODY_TRY(ReadExactly(fd, out.data(), out.size(), offset, name));
    if (offset + out.size() == size) {  // the file's last bytes: it must end here
      uint8_t probe;
      if (::pread(fd, &probe, 1, static_cast<off_t>(size)) > 0)
        return Fail(Code::kIo, name + " grew while it was being added");
    }
    return {};
  };
  CUSTODY_ASSIGN(format::Extent extent, EncryptIntoExtent(container, read, size, padding, data_key, ad_prefix, name));
  uint8_t probe;  // an empty file is never read, so checked here
  if (size == 0 && ::pread(fd, &probe, 1, 0) > 0) return Fail(Code::kIo, name + " grew while it was being added");
  return extent;
}

namespace {

// Seals chunks [from, chunks) of the padded stream of a `size`-byte
// plaintext (`padded` bytes in chunks of `cs`) read with `read`, writing
// them in order from `write_off` on and adding their hashes to `root`.
Status SealChunksInto(Container& container, const PlaintextReader& read, uint64_t size, uint64_t padded,
                      uint64_t chunks, uint32_t cs, uint64_t from, uint64_t write_off,
                      std::span<const uint8_t> data_key, const std::string& ad_prefix, RootHasher& root) {
  if (from >= chunks) return {};
  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    s.index += from;  // the pipeline counts from 0
    if (s.index >= chunks) return false;
    CUSTODY_TRY(ProduceAddChunk(read, size, padded, chunks, cs, s));
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    s.out_len = s.in_len + format::kChunkOverhead;
    std::string ad = ChunkAd(ad_prefix, s.index, s.last);
    crypto::AeadSeal(data_key, {s.in.data(), s.in_len}, crypto::AsBytes(ad), {s.out.data(), s.out_len});
    auto h = crypto::Blake2b256(std::span<const uint8_t>(s.out.data(), s.out_len));
    std::memcpy(s.hash, h.data(), 32);
    return {};
  };
  st.consume = [&](ChunkSlot& s) -> Status {
    CUSTODY_TRY(container.WriteAt(write_off, {s.out.data(), s.out_len}));
    write_off += s.out_len;
    root.Add(s.hash);
    return {};
  };
  const size_t cap = static_cast<size_t>(std::min<uint64_t>(cs, padded - from * cs));
  return RunOrderedPipeline(kSlots, cap, cap + format::kChunkOverhead, DefaultWorkers(), chunks - from, st);
}

// Where a padded stream of a `size`-byte plaintext goes: its geometry in
// chunks of `cs`, and the extent reserved for it in `container`.
struct ReservedExtent {
  uint64_t padded = 0, chunks = 0, length = 0, base = 0;
};
Result<ReservedExtent> ReservePadded(Container& container, uint64_t size, format::Padding padding, uint32_t cs,
                                     const std::string& name) {
  const PaddedLength padded = PaddedLengthOf(size, padding);
  if (!padded.ok) return Fail(Code::kUsage, "unknown padding for " + name);
  ReservedExtent r;
  r.padded = padded.length;
  r.chunks = ChunkCount(padded.length, cs);
  r.length = ExtentLength(padded.length, cs);
  CUSTODY_ASSIGN(r.base, container.ReserveExtent(r.length));
  return r;
}

format::Extent DescribeExtent(uint64_t base, uint64_t length, uint32_t cs, uint64_t chunks,
                              const crypto::Hash256& root, format::Padding padding) {
  format::Extent e;
  e.set_offset(base);
  e.set_length(length);
  e.set_chunk_size(cs);
  e.set_chunk_count(chunks);
  e.set_root_hash(crypto::HashToString(root));
  e.set_padding(padding);
  return e;
}

}  // namespace

Result<format::Extent> EncryptIntoExtent(Container& container, const PlaintextReader& read, uint64_t size,
                                         format::Padding padding,
                                         std::span<const uint8_t> data_key,
                                         const std::string& ad_prefix, const std::string& name) {
  const uint32_t cs = test_write_chunk_size != 0 ? test_write_chunk_size : format::kChunkSize;
  CUSTODY_ASSIGN(ReservedExtent r, ReservePadded(container, size, padding, cs, name));
  RootHasher root(r.chunks);
  CUSTODY_TRY(SealChunksInto(container, read, size, r.padded, r.chunks, cs, 0, r.base, data_key, ad_prefix, root));
  return DescribeExtent(r.base, r.length, cs, r.chunks, root.Final(), padding);
}

StreamingExtent::StreamingExtent(int fd, std::string doc_id, uint32_t version, std::string ad_prefix,
                                 std::function<void(crypto::SecretBytes)> recycle)
    : fd_(fd), doc_id_(std::move(doc_id)), version_(version), ad_prefix_(std::move(ad_prefix)),
      data_key_(crypto::SecretBytes::Random(32)), recycle_(std::move(recycle)) {}

StreamingExtent::~StreamingExtent() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (sealer_.joinable()) sealer_.join();
  ::close(fd_);
}

Result<std::unique_ptr<StreamingExtent>> StreamingExtent::Create(const std::string& dir, std::string doc_id,
                                                                 uint32_t version, std::string ad_prefix,
                                                                 std::function<void(crypto::SecretBytes)> recycle) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot make an unnamed file in", dir));
  return std::unique_ptr<StreamingExtent>(
      new StreamingExtent(fd, std::move(doc_id), version, std::move(ad_prefix), std::move(recycle)));
}

Status StreamingExtent::Push(crypto::SecretBytes& plaintext) {
  if (plaintext.size() != chunk_size() || finished_) return Fail(Code::kUsage, "not a whole chunk to seal");
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < 2 || !error_; });
  if (!error_) return Fail(Code::kIo, "an earlier chunk could not be sealed");
  queue_.emplace_back(taken_++, std::move(plaintext));
  if (!sealer_.joinable()) sealer_ = std::thread([this] { SealQueued(); });
  lock.unlock();
  changed_.notify_all();
  return {};
}

void StreamingExtent::SealQueued() {
  std::vector<uint8_t> out(chunk_size() + format::kChunkOverhead);
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto [index, plain] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    crypto::AeadSeal(data_key_.span(), plain.span(), crypto::AsBytes(ChunkAd(ad_prefix_, index, false)), out);
    Status written;
    for (size_t done = 0; done < out.size() && written;) {
      const ssize_t w = ::pwrite(fd_, out.data() + done, out.size() - done,
                                 static_cast<off_t>(index * out.size() + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) written = std::unexpected(ErrnoError(w < 0 ? errno : ENOSPC, "writing", "a sealed draft"));
      else done += static_cast<size_t>(w);
    }
    const crypto::Hash256 h = crypto::Blake2b256(std::span<const uint8_t>(out));
    lock.lock();
    busy_ = false;
    if (written && error_) {
      hashes_.push_back(h);
      if (recycle_) {
        lock.unlock();
        recycle_(std::move(plain));
        lock.lock();
      }
    } else {
      // This chunk and every one queued after it go back to the writer.
      if (error_) error_ = written;
      failed_.emplace_back(index, std::move(plain));
      for (auto& q : queue_) failed_.push_back(std::move(q));
      queue_.clear();
    }
    changed_.notify_all();
  }
}

Status StreamingExtent::Settle(std::vector<std::pair<uint64_t, crypto::SecretBytes>>& handed_back) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
  if (error_) return {};
  Status e = error_;
  error_ = {};
  handed_back = std::move(failed_);
  failed_.clear();
  taken_ = hashes_.size();
  return e;
}

void StreamingExtent::DropFrom(uint64_t index) {
  std::lock_guard lock(mu_);
  if (index < hashes_.size()) hashes_.resize(index);
  taken_ = hashes_.size();
}

Status StreamingExtent::Open(uint64_t index, std::span<uint8_t> out) const {
  if (index >= sealed() || out.size() < chunk_size()) return Fail(Code::kUsage, "no such sealed chunk");
  std::vector<uint8_t> in(chunk_size() + format::kChunkOverhead);
  CUSTODY_TRY(ReadExactly(fd_, in.data(), in.size(), index * in.size(), "a sealed draft"));
  // The file is this process's own and unnamed, but it is checked all the
  // same: a chunk comes back only as it was sealed.
  if (crypto::Blake2b256(std::span<const uint8_t>(in)) != hashes_[index] ||
      !crypto::AeadOpen(data_key_.span(), in, crypto::AsBytes(ChunkAd(ad_prefix_, index, false)),
                        out.first(chunk_size())))
    return Fail(Code::kIo, "a sealed draft changed on disk (chunk " + std::to_string(index) + ")");
  return {};
}

Result<format::Extent> StreamingExtent::Finish(Container& container, const PlaintextReader& read, uint64_t size,
                                               format::Padding padding, const std::string& name) {
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
    if (!error_) return std::unexpected(error_.error());  // Settle hands the chunks back
  }
  const uint32_t cs = chunk_size();
  if (size <= sealed() * cs) return Fail(Code::kUsage, name + ": its sealed chunks reach its end");
  CUSTODY_ASSIGN(ReservedExtent r, ReservePadded(container, size, padding, cs, name));
  RootHasher root(r.chunks);
  // The sealed chunks' ciphertext, copied as it is, then the rest sealed
  // as EncryptIntoExtent would. The root is made of the hashes taken as
  // each chunk was sealed, so a chunk changed in the unnamed file
  // meanwhile (by someone who can reach this process's descriptors) makes
  // an extent that fails R140 at its first read and at audit; it is not
  // hashed again here.
  const uint64_t stored = sealed() * (uint64_t{cs} + format::kChunkOverhead);
  CUSTODY_TRY(container.CopyIn(fd_, 0, r.base, stored));
  for (const auto& h : hashes_) root.Add(h.data());
  CUSTODY_TRY(SealChunksInto(container, read, size, r.padded, r.chunks, cs, sealed(), r.base + stored,
                             data_key_.span(), ad_prefix_, root));
  finished_ = true;
  return DescribeExtent(r.base, r.length, cs, r.chunks, root.Final(), padding);
}

Status DecryptExtent(const Container& container, const format::Extent& extent,
                     uint64_t plaintext_size, std::span<const uint8_t> data_key,
                     const std::string& ad_prefix, const PlaintextSink& sink,
                     const std::string& what, const ChunkRewrite* rewrite) {
  CUSTODY_ASSIGN(uint64_t stored, CheckDecryptable(container, extent, plaintext_size, what));
  RootHasher root(extent.chunk_count());
  uint64_t read_off = extent.offset();
  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    if (s.index >= extent.chunk_count()) return false;
    s.in_len = StoredChunkSize(extent, s.index, stored);
    CUSTODY_TRY(container.ReadAt(read_off, {s.in.data(), s.in_len}));
    read_off += s.in_len;
    s.last = s.index + 1 == extent.chunk_count();
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    // The hash is of the ciphertext as read, the same bytes that are opened.
    auto h = crypto::Blake2b256(std::span<const uint8_t>(s.in.data(), s.in_len));
    std::memcpy(s.hash, h.data(), 32);
    s.out_len = s.in_len - format::kChunkOverhead;
    CUSTODY_TRY(OpenChunk(data_key, ad_prefix, s.index, extent.chunk_count(), {s.in.data(), s.in_len},
                          {s.out.data(), s.out_len}, KeptLength(s, extent.chunk_size(), plaintext_size),
                          what));
    if (rewrite) {
      // Into `in`: the ciphertext is hashed and opened, not needed any more.
      const size_t keep = KeptLength(s, extent.chunk_size(), plaintext_size);
      size_t n = 0;
      if (keep > 0) {
        CUSTODY_ASSIGN(n, rewrite->run(s.index * extent.chunk_size(), {s.out.data(), keep}, s.in));
      }
      s.in_len = n;
    }
    return {};
  };
  st.consume = [&](ChunkSlot& s) -> Status {
    root.Add(s.hash);
    // R140: the chunks are in order here, so at the last one every hash is
    // in; nothing of it is released unless the whole extent is the one the
    // signed DocumentAdded registered.
    if (s.last && crypto::HashToString(root.Final()) != extent.root_hash())
      return Fail(Code::kCorrupt,
                  what + ": the content does not match its registered hash (possible "
                         "substitution by a member with write access); not extracted");
    if (rewrite) return s.in_len == 0 ? Status{} : sink({s.in.data(), s.in_len});
    const size_t keep = KeptLength(s, extent.chunk_size(), plaintext_size);
    return keep == 0 ? Status{} : sink({s.out.data(), keep});
  };
  size_t cap = static_cast<size_t>(std::min<uint64_t>(extent.chunk_size(), stored));
  size_t in_cap = cap + format::kChunkOverhead;
  if (rewrite) in_cap = std::max(in_cap, rewrite->capacity(extent.chunk_size()));
  return RunOrderedPipeline(kSlots, in_cap, cap, DefaultWorkers(), extent.chunk_count(), st);
}

Result<crypto::Hash256> HashExtent(const Container& container, const format::Extent& extent) {
  return HashExtentChunks(container, extent, nullptr);
}

Result<crypto::Hash256> HashExtentChunks(const Container& container, const format::Extent& extent,
                                         std::vector<crypto::Hash256>* chunk_hashes) {
  CUSTODY_ASSIGN(uint64_t size, PlaintextSizeOf(extent));
  if (chunk_hashes) chunk_hashes->clear();
  if (extent.offset() < format::kLogStart || extent.length() > container.superblock().committed_end() ||
      extent.offset() > container.superblock().committed_end() - extent.length())
    return Fail(Code::kCorrupt, "extent lies outside the committed log");
  RootHasher root(extent.chunk_count());
  uint64_t read_off = extent.offset();
  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    if (s.index >= extent.chunk_count()) return false;
    s.in_len = StoredChunkSize(extent, s.index, size);
    CUSTODY_TRY(container.ReadAt(read_off, {s.in.data(), s.in_len}));
    read_off += s.in_len;
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    auto h = crypto::Blake2b256(std::span<const uint8_t>(s.in.data(), s.in_len));
    std::memcpy(s.hash, h.data(), 32);
    return {};
  };
  st.consume = [&](ChunkSlot& s) -> Status {
    root.Add(s.hash);
    if (chunk_hashes) {
      crypto::Hash256 h;
      std::memcpy(h.data(), s.hash, 32);
      chunk_hashes->push_back(h);
    }
    return {};
  };
  size_t cap = static_cast<size_t>(std::min<uint64_t>(extent.chunk_size(), size));
  CUSTODY_TRY(RunOrderedPipeline(kSlots, cap + format::kChunkOverhead, 0, DefaultWorkers(),
                                 extent.chunk_count(), st));
  return root.Final();
}

Result<ExtentReader> ExtentReader::Open(const Container& container, const format::Extent& extent,
                                        uint64_t plaintext_size, crypto::SecretBytes data_key,
                                        std::string ad_prefix, std::string what) {
  CUSTODY_TRY(CheckDecryptable(container, extent, plaintext_size, what));
  ExtentReader r(container, extent, plaintext_size, std::move(data_key), std::move(ad_prefix),
                 std::move(what));
  CUSTODY_ASSIGN(auto root, HashExtentChunks(container, extent, &r.chunk_hashes_));
  if (crypto::HashToString(root) == extent.root_hash()) return r;
  // Not the registered ciphertext. If every chunk still authenticates, it
  // was rewritten by someone holding the data key (a substitution): nothing
  // of it is served. If some fail, the file is damaged: those chunks are
  // refused and the rest served, each still authenticated (FORMAT.md R181).
  std::vector<uint8_t> in(extent.chunk_size() + format::kChunkOverhead);
  crypto::SecretBytes out(extent.chunk_size());
  for (uint64_t i = 0; i < r.content_chunks(); ++i) {
    auto n = r.DecryptChunk(i, in, out.span());
    if (!n && n.error().code == Code::kCorrupt) r.damaged_.insert(i);
    else if (!n) return std::unexpected(n.error());
  }
  if (r.damaged_.empty())
    return Fail(Code::kCorrupt, r.what_ + ": the content does not match its registered hash "
                                          "(possible substitution by a member with write access)");
  return r;
}

uint64_t ExtentReader::content_chunks() const { return ChunkCount(size_, extent_.chunk_size()); }

size_t ExtentReader::chunk_length(uint64_t index) const {
  const uint64_t stored = extent_.length() - extent_.chunk_count() * format::kChunkOverhead;
  return static_cast<size_t>(StoredChunkSize(extent_, index, stored) - format::kChunkOverhead);
}

Result<size_t> ExtentReader::ReadChunk(uint64_t index, std::span<uint8_t> scratch,
                                       std::span<uint8_t> out) const {
  if (index >= extent_.chunk_count() || index >= content_chunks())
    return Fail(Code::kUsage, what_ + ": no chunk " + std::to_string(index));
  if (damaged_.count(index))
    return Fail(Code::kCorrupt, what_ + " is damaged: chunk " + std::to_string(index) + " of " +
                                    std::to_string(extent_.chunk_count()) +
                                    " failed authentication (tampered or corrupt)");
  return DecryptChunk(index, scratch, out);
}

Result<size_t> ExtentReader::DecryptChunk(uint64_t index, std::span<uint8_t> scratch,
                                          std::span<uint8_t> out) const {
  const uint64_t in_len = chunk_length(index) + format::kChunkOverhead;
  if (scratch.size() < in_len || out.size() < in_len - format::kChunkOverhead)
    return Fail(Code::kUsage, what_ + ": chunk buffer too small");
  // Every full chunk before `index` has the same stored size.
  const uint64_t at = extent_.offset() + index * (uint64_t{extent_.chunk_size()} + format::kChunkOverhead);
  CUSTODY_TRY(container_->ReadAt(at, scratch.first(in_len)));
  // R140 per chunk: the bytes opened are the bytes Open hashed into the
  // registered root, so a chunk swapped after Open is refused too.
  if (crypto::Blake2b256(scratch.first(in_len)) != chunk_hashes_[index])
    return Fail(Code::kCorrupt, what_ + " is damaged: chunk " + std::to_string(index) +
                                    " changed since the document was opened");
  const uint64_t start = index * extent_.chunk_size();
  const size_t keep = static_cast<size_t>(std::min<uint64_t>(extent_.chunk_size(), size_ - start));
  CUSTODY_TRY(OpenChunk(data_key_.span(), ad_prefix_, index, extent_.chunk_count(), scratch.first(in_len),
                        out.first(in_len - format::kChunkOverhead), keep, what_));
  return keep;
}

Result<bool> ExtentIsZeroed(const Container& container, const format::Extent& extent) {
  std::vector<uint8_t> buf(1 << 20);
  uint64_t left = extent.length(), at = extent.offset();
  if (at + left > container.superblock().committed_end())
    return Fail(Code::kCorrupt, "extent lies outside the committed log");
  while (left > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    CUSTODY_TRY(container.ReadAt(at, {buf.data(), n}));
    if (std::any_of(buf.begin(), buf.begin() + static_cast<long>(n), [](uint8_t b) { return b != 0; }))
      return false;
    at += n;
    left -= n;
  }
  return true;
}

}  // namespace custody::vault
