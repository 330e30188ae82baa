// The container: one file, two superblocks, an append-only log of records,
// atomic commits. Knows bytes, checksums and durability; not keys or policy.
// See format/FORMAT.md "File layout", "Superblock", "Records", "Commit".
//
// Readers see the last commit. A writer holds an exclusive lock for its whole
// life, appends records after the committed end and makes them visible with
// Commit(). Until then nothing it wrote is visible to anyone; Abandon() (also
// run by the destructor) truncates the file back to the committed end, so a
// refused or failed operation leaves the file as it was.
//
// Not thread-safe, except that ReadAt may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/atomic_file.h"
#include "base/status.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/record.h"
#include "base/env.h"

namespace custody::vault {

struct RecordRef {
  uint64_t offset = 0;            // of the header
  format::RecordHeader header;
  uint64_t payload_offset() const { return offset + format::kRecordHeaderSize; }
};

// Builds a complete new container file in an AtomicFile (base/atomic_file.h)
// beside `path` and moves it into place only in Finish, so that `path` holds
// either its old content or the whole new file, whatever happens (Create,
// Compact). If not finished, the destructor removes the temporary file.
class ContainerBuilder {
 public:
  static Result<std::unique_ptr<ContainerBuilder>> Begin(Env* env, const std::string& path);
  ~ContainerBuilder();
  uint64_t offset() const { return at_; }
  // Appends a framed record; returns its header offset.
  Result<uint64_t> Append(format::RecordType type, std::string_view payload);
  // Appends an EXTENT record whose payload is `length` bytes copied from
  // `source` at `source_offset`; returns the new payload offset.
  Result<uint64_t> AppendExtentFrom(const class Container& source, uint64_t source_offset,
                                    uint64_t length);
  // Writes `sb` (committed end = offset()) into slot B, syncs, renames over
  // `path` (replacing it only if `replace`; else kIo "already exists"), and
  // syncs the directory. REQUIRES: called at most once.
  Status Finish(format::Superblock sb, bool replace);

 private:
  explicit ContainerBuilder(std::unique_ptr<AtomicFile> out) : out_(std::move(out)) {}
  std::unique_ptr<AtomicFile> out_;
  File* file_ = nullptr;  // out_->file(), until Finish
  uint64_t at_ = 0;
};

// Bytes of a container read in one go, for many small reads close together
// (a listing reads the key records of a catalog leaf, which an add wrote one
// after another). See Container::ReadWindowAt.
struct ReadWindow {
  uint64_t offset = 0;
  std::string bytes;
};

class Container {
 public:
  enum class Mode { kRead, kWrite };

  // Creates a new vault file at `path` holding `records` (already framed for
  // their offsets — use PlanRecord) and `sb`. The file is built under a
  // temporary name, synced and renamed into place, so `path` either does not
  // exist or is a complete vault. kIo if `path` exists.
  static Status Create(Env* env, const std::string& path,
                       const std::vector<std::pair<format::RecordType, std::string>>& records,
                       format::Superblock sb);
  // Overwrites every byte of the opened file with zeros and syncs: used on a
  // file that compaction has just replaced (its inode is no longer linked).
  Status WipeWholeFile();

  // Opens an existing vault. kNotFound if missing; kCorrupt if neither
  // superblock is valid or the file is shorter than the committed end;
  // kIo if Mode::kWrite and another writer holds the lock.
  static Result<std::unique_ptr<Container>> Open(Env* env, const std::string& path, Mode mode);

  ~Container();
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  const format::Superblock& superblock() const { return sb_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return file_size_; }
  // Which superblock slot (0 = A, 1 = B) holds the commit we opened, and the
  // other slot's decode error, if any (for audit reports).
  // The other slot must be never used (all zero) or hold an older valid
  // commit; anything else is described here (empty when fine).
  int active_slot() const { return active_slot_; }
  const std::string& other_slot_problem() const { return other_slot_problem_; }
  // True if the inactive superblock slot is all zero bytes (never written).
  bool other_slot_zero() const { return other_slot_zero_; }

  // Reads raw bytes. Thread-safe.
  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const;
  // Reads and checks the header at `offset` (bounded by the committed end).
  Result<RecordRef> ReadHeader(uint64_t offset, const ReadWindow* window = nullptr) const;
  // Reads a non-extent record's payload and verifies its checksum.
  Result<std::string> ReadPayload(const RecordRef& ref, const ReadWindow* window = nullptr) const;
  // Reads a record's payload without its checksum: for KEY records, which
  // are checked against the hash in their signed reference instead, and
  // which a destruction overwrites with zeros in place.
  Result<std::string> ReadPayloadUnchecked(const RecordRef& ref, const ReadWindow* window = nullptr) const;
  // (Each read above takes the bytes `window` holds, if not null, from it
  // instead of the file: the same checks, the same results.)
  // The header at `offset` (checked as ReadHeader does) and its payload,
  // unchecked, in one read when the payload is at most `expect` bytes (a
  // second read otherwise): for the many small KEY records a listing reads.
  // With `window`, the bytes it holds are taken from it instead of read
  // again (the same checks, the same results).
  Result<std::pair<RecordRef, std::string>> ReadSmallRecordUnchecked(uint64_t offset, size_t expect,
                                                                   const ReadWindow* window = nullptr) const;
  // Reads [from, to), cut at the committed end, into `window` in one read.
  // Thread-safe. On failure `window` is left empty (reads then go to the file).
  Status ReadWindowAt(uint64_t from, uint64_t to, ReadWindow& window) const;
  // Visits every committed record from `from` (a record boundary) to the
  // committed end, in order. Stops at the first error or a false return.
  Status Scan(uint64_t from, const std::function<Result<bool>(const RecordRef&)>& visit) const;
  // Visits every committed EVENT record from `from` (a record boundary) to
  // the committed end, in order, with its payload, checked as ReadPayload
  // checks it (headers of the other records as ReadHeader does; their
  // payloads are skipped unread). Reads the log sequentially in large
  // blocks rather than a few reads per record: for walks of the whole
  // ledger (Vault::ForEachVerifiedEvent). `payload` is valid during the
  // call only. Stops at the first error or a false return.
  Status ScanEvents(uint64_t from,
                    const std::function<Result<bool>(const RecordRef&, std::string_view payload)>& visit) const;
  // Visits the records past the committed end that still parse (what an
  // interrupted or erased commit left), in order, until the first that does
  // not. For audit only: nothing there is part of the vault.
  Status ScanUncommitted(const std::function<Result<bool>(const RecordRef&)>& visit) const;

  // ---- writer side (REQUIRES: opened with Mode::kWrite) ----
  // Where the next record will start.
  uint64_t append_offset() const { return append_; }
  // Appends a framed record; returns its header offset.
  Result<uint64_t> Append(format::RecordType type, std::string_view payload);
  // Reserves an extent record of exactly `length` payload bytes: writes its
  // header and returns the payload offset; the caller fills the payload with
  // WriteAt within [payload offset, payload offset + length).
  Result<uint64_t> ReserveExtent(uint64_t length);
  Status WriteAt(uint64_t offset, std::span<const uint8_t> data);
  // WriteAt of `length` bytes read from descriptor `src` at `src_offset`.
  Status CopyIn(int src, uint64_t src_offset, uint64_t offset, uint64_t length);
  // Writes over bytes that are already committed (destruction's erasure).
  // Not undone by Abandon; the caller syncs.
  Status OverwriteCommitted(uint64_t offset, std::span<const uint8_t> data);
  // Syncs the appended records, then writes the next superblock (sequence
  // +1, committed end = append_offset(), other fields from `next`) into the
  // other slot and syncs again. On failure the commit did not happen and the
  // container must not be used for writing again.
  Status Commit(format::Superblock next);
  // Drops everything appended since the last commit.
  void Abandon();
  File* file() { return file_.get(); }

 private:
  Container() = default;
  Env* env_ = nullptr;
  std::string path_;
  std::unique_ptr<File> file_;
  Mode mode_ = Mode::kRead;
  format::Superblock sb_;
  Result<RecordRef> ReadHeaderWithin(uint64_t offset, uint64_t limit, const ReadWindow* window = nullptr) const;
  // ReadAt, from `window` when it holds all of [offset, offset + out.size()).
  Status ReadThrough(uint64_t offset, std::span<uint8_t> out, const ReadWindow* window) const;

  int active_slot_ = 0;
  std::string other_slot_problem_;
  bool other_slot_zero_ = false;
  uint64_t file_size_ = 0;
  uint64_t append_ = 0;
  bool dirty_ = false;
  bool broken_ = false;
};

}  // namespace custody::vault
