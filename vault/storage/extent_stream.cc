#include "vault/storage/extent_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crypto/aead.h"
#include "format/constants.h"
#include "format/endian.h"
#include "base/pipeline.h"

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

Result<format::Extent> EncryptIntoExtent(Container& container, int fd, uint64_t size,
                                         std::span<const uint8_t> data_key,
                                         const std::string& ad_prefix, const std::string& name) {
  const uint32_t cs = format::kChunkSize;
  const uint64_t chunks = ChunkCount(size, cs);
  const uint64_t length = ExtentLength(size, cs);
  CUSTODY_ASSIGN(uint64_t base, container.ReserveExtent(length));
  RootHasher root(chunks);
  uint64_t read_off = 0;

  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    if (s.index >= chunks) return false;
    size_t want = static_cast<size_t>(std::min<uint64_t>(cs, size - read_off));
    size_t got = 0;
    while (got < want) {
      ssize_t n = ::pread(fd, s.in.data() + got, want - got, static_cast<off_t>(read_off + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(ErrnoError(errno, "reading", name));
      }
      if (n == 0) return Fail(Code::kIo, name + " shrank while it was being added");
      got += static_cast<size_t>(n);
    }
    read_off += want;
    s.in_len = want;
    s.last = s.index + 1 == chunks;
    if (s.last) {
      uint8_t probe;
      if (::pread(fd, &probe, 1, static_cast<off_t>(read_off)) > 0)
        return Fail(Code::kIo, name + " grew while it was being added");
    }
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    s.out_len = s.in_len + format::kChunkOverhead;
    std::string ad = ChunkAd(ad_prefix, s.index, s.last);
    crypto::AeadSeal(data_key, {s.in.data(), s.in_len}, crypto::AsBytes(ad),
                     {s.out.data(), s.out_len});
    auto h = crypto::Blake2b256(std::span<const uint8_t>(s.out.data(), s.out_len));
    std::memcpy(s.hash, h.data(), 32);
    return {};
  };
  uint64_t write_off = base;
  st.consume = [&](ChunkSlot& s) -> Status {
    CUSTODY_TRY(container.WriteAt(write_off, {s.out.data(), s.out_len}));
    write_off += s.out_len;
    root.Add(s.hash);
    return {};
  };
  size_t cap = static_cast<size_t>(std::min<uint64_t>(cs, size));
  CUSTODY_TRY(RunOrderedPipeline(kSlots, cap, cap + format::kChunkOverhead, DefaultWorkers(), chunks, st));
  format::Extent e;
  e.set_offset(base);
  e.set_length(length);
  e.set_chunk_size(cs);
  e.set_chunk_count(chunks);
  e.set_root_hash(crypto::HashToString(root.Final()));
  return e;
}

Status DecryptExtent(const Container& container, const format::Extent& extent,
                     uint64_t plaintext_size, std::span<const uint8_t> data_key,
                     const std::string& ad_prefix, const PlaintextSink& sink,
                     const std::string& what) {
  CUSTODY_ASSIGN(uint64_t implied, PlaintextSizeOf(extent));
  if (extent.offset() < format::kLogStart || extent.length() > container.superblock().committed_end() ||
      extent.offset() > container.superblock().committed_end() - extent.length())
    return Fail(Code::kCorrupt, what + " is damaged: its extent lies outside the committed log");
  if (implied != plaintext_size)
    return Fail(Code::kCorrupt, what + " is damaged: its extent does not match its recorded size");
  uint64_t read_off = extent.offset();
  PipelineStages st;
  st.produce = [&](ChunkSlot& s) -> Result<bool> {
    if (s.index >= extent.chunk_count()) return false;
    s.in_len = StoredChunkSize(extent, s.index, plaintext_size);
    CUSTODY_TRY(container.ReadAt(read_off, {s.in.data(), s.in_len}));
    read_off += s.in_len;
    s.last = s.index + 1 == extent.chunk_count();
    return true;
  };
  st.transform = [&](ChunkSlot& s) -> Status {
    s.out_len = s.in_len - format::kChunkOverhead;
    std::string ad = ChunkAd(ad_prefix, s.index, s.last);
    if (!crypto::AeadOpen(data_key, {s.in.data(), s.in_len}, crypto::AsBytes(ad),
                          {s.out.data(), s.out_len}))
      return Fail(Code::kCorrupt, what + " is damaged: chunk " + std::to_string(s.index) +
                                      " of " + std::to_string(extent.chunk_count()) +
                                      " failed authentication (tampered or corrupt)");
    return {};
  };
  st.consume = [&](ChunkSlot& s) -> Status { return sink({s.out.data(), s.out_len}); };
  size_t cap = static_cast<size_t>(std::min<uint64_t>(extent.chunk_size(), plaintext_size));
  return RunOrderedPipeline(kSlots, cap + format::kChunkOverhead, cap, DefaultWorkers(),
                            extent.chunk_count(), st);
}

Result<crypto::Hash256> HashExtent(const Container& container, const format::Extent& extent) {
  CUSTODY_ASSIGN(uint64_t size, PlaintextSizeOf(extent));
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
    return {};
  };
  size_t cap = static_cast<size_t>(std::min<uint64_t>(extent.chunk_size(), size));
  CUSTODY_TRY(RunOrderedPipeline(kSlots, cap + format::kChunkOverhead, 0, DefaultWorkers(),
                                 extent.chunk_count(), st));
  return root.Final();
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
