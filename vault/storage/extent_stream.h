// Streaming a document's bytes into and out of an extent, in bounded memory
// (a ring of a few chunks) with the crypto spread over every core.
// See format/FORMAT.md "Extents" and "Extent hash".
#pragma once

#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/secret_bytes.h"
#include "base/status.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "vault/storage/container.h"

namespace custody::vault {

// Number of chunks and extent payload length for a plaintext of `size` bytes.
uint64_t ChunkCount(uint64_t size, uint32_t chunk_size);
uint64_t ExtentLength(uint64_t size, uint32_t chunk_size);

// Associated data prefix binding chunks to their document version.
std::string ChunkAdPrefix(const std::string& vault_id, const std::string& doc_id, uint32_t version);

// Test only: the chunk size EncryptIntoExtent uses in this process from now
// on (0: format::kChunkSize again). This version always writes 1 MiB chunks,
// but readers accept any size from 1 byte to format::kMaxChunkSize (FORMAT.md
// §3.5), so a vault from another writer may hold others; tests use this to
// reach the paths that serve them (a sealed copy of a document whose chunks
// are not whole age chunks, vault/ops/copies.cc). Not thread-safe against a
// concurrent EncryptIntoExtent. REQUIRES: chunk_size <= format::kMaxChunkSize.
void TEST_SetWriteChunkSize(uint32_t chunk_size);

// Reads exactly `size` bytes from `fd` (from offset 0), pads them with zero
// bytes to PaddedLengthOf(size, padding) (vault/storage/padding.h), encrypts
// the padded stream, in chunks of format::kChunkSize, under `data_key` into a
// new extent appended to `container`, and returns its description:
// chunk_count, length and the root hash follow the padded stream; `padding`
// is recorded in it. The true size is the caller's to keep (in the sealed
// DocumentMetadata). kIo if the file changes size while read; kUsage for a
// padding this version does not know.
Result<format::Extent> EncryptIntoExtent(Container& container, int fd, uint64_t size,
                                         format::Padding padding,
                                         std::span<const uint8_t> data_key,
                                         const std::string& ad_prefix, const std::string& name);

// Fills `out` with the plaintext's bytes from `offset` on (all of `out`).
using PlaintextReader = std::function<Status(uint64_t offset, std::span<uint8_t> out)>;
// The same as above, from `read` (a document held in memory: the mount's
// drafts) instead of a descriptor.
Result<format::Extent> EncryptIntoExtent(Container& container, const PlaintextReader& read, uint64_t size,
                                         format::Padding padding,
                                         std::span<const uint8_t> data_key,
                                         const std::string& ad_prefix, const std::string& name);

// A version's content sealed a chunk at a time while it is still being
// written, before its size is known: the mount seals a large file as it
// arrives, so that its plaintext is never held whole (README "Mount").
// The data key and the document id and version its chunks' associated
// data names are fixed at creation. Chunks are sealed on the stream's own
// thread (the writer goes on meanwhile) and their ciphertext waits in an
// unnamed file (O_TMPFILE) in the vault's directory: under a key that
// lives only in locked memory, and gone with the process however it ends.
// Only whole chunks that cannot be the last are sealed early (a chunk's
// associated data says whether it is the last); Finish seals the rest and
// copies everything into one new extent, exactly what EncryptIntoExtent
// would have written for the same bytes and key. One caller thread at a
// time.
class StreamingExtent {
 public:
  // An error naming `dir` if it cannot hold an unnamed file (the caller
  // keeps the plaintext instead). `recycle` (may be null) gets each chunk buffer
  // back once it is sealed.
  static Result<std::unique_ptr<StreamingExtent>> Create(const std::string& dir, std::string doc_id,
                                                         uint32_t version, std::string ad_prefix,
                                                         std::function<void(crypto::SecretBytes)> recycle);
  ~StreamingExtent();
  StreamingExtent(const StreamingExtent&) = delete;
  StreamingExtent& operator=(const StreamingExtent&) = delete;

  static constexpr uint32_t chunk_size() { return format::kChunkSize; }
  const std::string& doc_id() const { return doc_id_; }
  uint32_t version() const { return version_; }
  std::span<const uint8_t> data_key() const { return data_key_.span(); }
  // Chunks taken: sealed, or queued to be.
  uint64_t sealed() const { return taken_; }
  // Finish has used it: it holds a stored version's chunks, readable, but
  // a next version needs a new key.
  bool finished() const { return finished_; }

  // Takes chunk sealed() (`plaintext`, exactly chunk_size() bytes, which the
  // caller knows is not the last) to be sealed; waits while two are queued.
  // On failure (an earlier chunk could not be written) `plaintext` is left
  // with the caller.
  Status Push(crypto::SecretBytes& plaintext);
  // Waits until every chunk taken is sealed. On a failure, the chunks not
  // sealed are handed back (index, plaintext) and sealed() counts only those
  // that were; the error is returned once.
  Status Settle(std::vector<std::pair<uint64_t, crypto::SecretBytes>>& handed_back);
  // Forgets chunks `index` and later (their bytes changed). REQUIRES: settled.
  void DropFrom(uint64_t index);
  // Opens sealed chunk `index` into `out` (chunk_size() bytes). REQUIRES: settled.
  Status Open(uint64_t index, std::span<uint8_t> out) const;
  // Writes the extent of a `size`-byte content padded with `padding`,
  // whose first sealed() chunks are the ones sealed here (REQUIRES: settled,
  // size > sealed() * chunk_size()); `read` gives the bytes from sealed() *
  // chunk_size() on. Appended to `container` as EncryptIntoExtent does.
  Result<format::Extent> Finish(Container& container, const PlaintextReader& read, uint64_t size,
                                format::Padding padding, const std::string& name);
  // Test only: the unnamed file's descriptor (the attack tests rewrite it).
  int TEST_fd() const { return fd_; }

 private:
  StreamingExtent(int fd, std::string doc_id, uint32_t version, std::string ad_prefix,
                  std::function<void(crypto::SecretBytes)> recycle);
  void SealQueued();  // the sealing thread
  int fd_;
  std::string doc_id_;
  uint32_t version_;
  std::string ad_prefix_;
  crypto::SecretBytes data_key_;
  std::function<void(crypto::SecretBytes)> recycle_;
  uint64_t taken_ = 0;
  bool finished_ = false;
  std::thread sealer_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::pair<uint64_t, crypto::SecretBytes>> queue_;  // GUARDED_BY(mu_)
  bool busy_ = false, stop_ = false;                           // GUARDED_BY(mu_)
  Status error_;                                               // GUARDED_BY(mu_)
  std::vector<std::pair<uint64_t, crypto::SecretBytes>> failed_;  // GUARDED_BY(mu_)
  std::vector<crypto::Hash256> hashes_;  // GUARDED_BY(mu_): each sealed chunk's ciphertext's
};

// Where decrypted bytes go, in order; a failure stops the stream.
using PlaintextSink = std::function<Status(std::span<const uint8_t>)>;

// A sink writing to a descriptor (stdout, a pipe); EINTR is retried.
PlaintextSink DescriptorSink(int fd);
// A sink writing sequentially from offset 0 into an Env file.
PlaintextSink FileSink(File& file);

// Decrypts `extent`, the content of a document of `plaintext_size` bytes
// (DocumentMetadata.size), and hands its first `plaintext_size` bytes to
// `sink`, in order, in bounded memory. Errors, all kCorrupt naming `what`:
//  * the padded length the extent holds is not PaddedLengthOf(plaintext_size,
//    extent.padding()), or the padding is unknown (R41, R142);
//  * a chunk fails authentication (R42) or a byte past `plaintext_size` is
//    not zero (R142): nothing of that chunk reaches the sink;
//  * the ciphertext as read does not hash to extent.root_hash() (R140): a
//    substitution by someone holding the data key; detected before any byte
//    of the last chunk reaches the sink.
// So a sink that publishes only at the end (AtomicFile) never publishes
// unauthenticated content. A sink that releases as it goes (a pipe) may have
// released the chunks before the last one when the error comes; the caller
// must treat the whole output as void on error.
//
// `rewrite`, if given, runs on the worker threads on each chunk's plaintext
// (the part within `plaintext_size`, never empty) once it is authenticated,
// and the sink gets what it writes instead, still in order: the way a
// caller re-encrypts a document (a sealed copy) on every core in the same
// pass. Its `run` must be thread-safe.
struct ChunkRewrite {
  // The most `run` writes for one chunk of `chunk_size` plaintext bytes.
  std::function<size_t(uint32_t chunk_size)> capacity;
  // `plaintext` starts at byte `offset` of the document; returns how many
  // bytes of `out` it filled.
  std::function<Result<size_t>(uint64_t offset, std::span<const uint8_t> plaintext,
                               std::span<uint8_t> out)>
      run;
};
Status DecryptExtent(const Container& container, const format::Extent& extent,
                     uint64_t plaintext_size, std::span<const uint8_t> data_key,
                     const std::string& ad_prefix, const PlaintextSink& sink,
                     const std::string& what, const ChunkRewrite* rewrite = nullptr);

// Recomputes the extent's root hash from the stored ciphertext (no key).
Result<crypto::Hash256> HashExtent(const Container& container, const format::Extent& extent);
// The same, also keeping each stored chunk's hash, in order.
Result<crypto::Hash256> HashExtentChunks(const Container& container, const format::Extent& extent,
                                         std::vector<crypto::Hash256>* chunk_hashes);

// Random access to a document's plaintext, a chunk at a time (the mount).
// Open checks the extent as DecryptExtent does (R40-R41, R142's padding
// length) and hashes every stored chunk against the registered root hash
// (R140) before any byte can be read, keeping the chunk hashes; ReadChunk
// then checks the chunk it reads against its kept hash, authenticates it
// (R42) and checks its padding (R142). So no read ever returns bytes that
// are not the registered ciphertext's, even if the file changes after Open.
// A damaged file (the root does not match and some chunks fail
// authentication) still opens: those chunks are refused (kCorrupt), every
// other one served as above; the root not matching while every chunk
// authenticates is a substitution, and Open refuses (kCorrupt).
// ReadChunk is thread-safe (Container::ReadAt is). Holds `container` by
// reference: it must outlive the reader.
class ExtentReader {
 public:
  static Result<ExtentReader> Open(const Container& container, const format::Extent& extent,
                                   uint64_t plaintext_size, crypto::SecretBytes data_key,
                                   std::string ad_prefix, std::string what);
  uint64_t size() const { return size_; }
  uint32_t chunk_size() const { return extent_.chunk_size(); }
  // Chunks holding the document's bytes (padding-only chunks are never read).
  uint64_t content_chunks() const;
  // How many bytes chunk `index` decrypts to (its padding included).
  size_t chunk_length(uint64_t index) const;
  // Decrypts chunk `index` (< content_chunks()) into `out` (at least
  // chunk_length(index) bytes), using `scratch` for the ciphertext (that
  // plus the overhead); returns how many of `out`'s bytes are the document's.
  Result<size_t> ReadChunk(uint64_t index, std::span<uint8_t> scratch, std::span<uint8_t> out) const;

 private:
  ExtentReader(const Container& c, const format::Extent& e, uint64_t size, crypto::SecretBytes key,
               std::string ad_prefix, std::string what)
      : container_(&c), extent_(e), size_(size), data_key_(std::move(key)),
        ad_prefix_(std::move(ad_prefix)), what_(std::move(what)) {}
  // ReadChunk's checks after the damaged set (Open's scan uses it alone).
  Result<size_t> DecryptChunk(uint64_t index, std::span<uint8_t> scratch, std::span<uint8_t> out) const;
  const Container* container_;
  format::Extent extent_;
  uint64_t size_;
  crypto::SecretBytes data_key_;
  std::string ad_prefix_;
  std::string what_;
  std::vector<crypto::Hash256> chunk_hashes_;
  std::set<uint64_t> damaged_;  // chunks that failed authentication at Open
};

// True iff every payload byte of the extent is zero (a destroyed document).
Result<bool> ExtentIsZeroed(const Container& container, const format::Extent& extent);

}  // namespace custody::vault
