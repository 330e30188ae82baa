#include "vault/storage/container.h"

#include <cstring>

#include "format/superblock.h"

namespace custody::vault {

using format::kLogStart;
using format::kRecordHeaderSize;
using format::kSuperblockOffsets;
using format::kSuperblockSize;

namespace {
std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace

Result<std::unique_ptr<ContainerBuilder>> ContainerBuilder::Begin(Env* env,
                                                                const std::string& path) {
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(env, path));
  std::unique_ptr<ContainerBuilder> b(new ContainerBuilder(std::move(out)));
  b->file_ = b->out_->file();
  // Empty superblock area first: slot A stays zero (never used) until the
  // first commit after this one.
  std::string zeros(kLogStart, '\0');
  CUSTODY_TRY(b->file_->WriteAt(0, Bytes(zeros)));
  b->at_ = kLogStart;
  return b;
}

// The AtomicFile removes the temporary file if Finish did not publish it.
ContainerBuilder::~ContainerBuilder() = default;

Result<uint64_t> ContainerBuilder::Append(format::RecordType type, std::string_view payload) {
  uint64_t at = at_;
  std::string framed = format::EncodeRecord(type, payload, at);
  CUSTODY_TRY(file_->WriteAt(at, Bytes(framed)));
  at_ += framed.size();
  return at;
}

Result<uint64_t> ContainerBuilder::AppendExtentFrom(const Container& source, uint64_t source_offset,
                                                    uint64_t length) {
  std::string header = format::EncodeExtentHeader(length, at_);
  CUSTODY_TRY(file_->WriteAt(at_, Bytes(header)));
  uint64_t payload_at = at_ + header.size();
  std::vector<uint8_t> buf(std::min<uint64_t>(length, 4u << 20));
  for (uint64_t done = 0; done < length;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done));
    CUSTODY_TRY(source.ReadAt(source_offset + done, {buf.data(), n}));
    CUSTODY_TRY(file_->WriteAt(payload_at + done, {buf.data(), n}));
    done += n;
  }
  at_ = payload_at + length;
  return payload_at;
}

Status ContainerBuilder::Finish(format::Superblock sb, bool replace) {
  sb.set_format_version(format::kFormatVersion);
  sb.set_committed_end(at_);
  CUSTODY_ASSIGN(std::string slot, format::EncodeSuperblock(sb, kSuperblockOffsets[1]));
  CUSTODY_TRY(file_->WriteAt(kSuperblockOffsets[1], Bytes(slot)));
  file_ = nullptr;
  return out_->Commit(replace);
}

Status Container::Create(Env* env, const std::string& path,
                         const std::vector<std::pair<format::RecordType, std::string>>& records,
                         format::Superblock sb) {
  CUSTODY_ASSIGN(auto builder, ContainerBuilder::Begin(env, path));
  for (const auto& [type, payload] : records) CUSTODY_TRY(builder->Append(type, payload));
  sb.set_sequence(1);
  return builder->Finish(std::move(sb), /*replace=*/false);
}

Status Container::WipeWholeFile() {
  CUSTODY_ASSIGN(uint64_t size, file_->Size());
  std::vector<uint8_t> zeros(4u << 20, 0);
  for (uint64_t at = 0; at < size; at += zeros.size()) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), size - at));
    CUSTODY_TRY(file_->WriteAt(at, {zeros.data(), n}));
  }
  CUSTODY_TRY(file_->Sync());
  dirty_ = false;  // nothing to abandon: the file is gone from the namespace
  return {};
}

Result<std::unique_ptr<Container>> Container::Open(Env* env, const std::string& path, Mode mode) {
  std::unique_ptr<Container> c(new Container());
  c->env_ = env;
  c->path_ = path;
  c->mode_ = mode;
  CUSTODY_ASSIGN(c->file_, env->Open(path, mode == Mode::kWrite ? OpenMode::kReadWrite
                                                                : OpenMode::kRead));
  if (mode == Mode::kWrite) CUSTODY_TRY(c->file_->LockExclusive());
  CUSTODY_ASSIGN(c->file_size_, c->file_->Size());
  if (c->file_size_ < kLogStart)
    return Fail(Code::kCorrupt, path + " is not a Custody vault (only " +
                                    std::to_string(c->file_size_) + " bytes)");
  std::string slots[2];
  Result<format::Superblock> decoded[2];
  for (int i = 0; i < 2; ++i) {
    slots[i].resize(kSuperblockSize);
    CUSTODY_ASSIGN(size_t n, c->file_->ReadAt(kSuperblockOffsets[i],
                                              {reinterpret_cast<uint8_t*>(slots[i].data()),
                                               slots[i].size()}));
    slots[i].resize(n);
    decoded[i] = format::DecodeSuperblock(slots[i], kSuperblockOffsets[i]);
  }
  int best = -1;
  for (int i = 0; i < 2; ++i) {
    if (!decoded[i]) continue;
    if (best < 0 || decoded[i]->sequence() > decoded[best]->sequence()) best = i;
  }
  if (best < 0) {
    return Fail(Code::kCorrupt, path + " is not a Custody vault or both superblocks are damaged (A: " +
                                    decoded[0].error().message + "; B: " +
                                    decoded[1].error().message + ")");
  }
  {
    int other = 1 - best;
    bool never_used = slots[other].size() == kSuperblockSize &&
                      slots[other].find_first_not_of('\0') == std::string::npos;
    c->other_slot_problem_ = (decoded[other] || never_used) ? "" : decoded[other].error().message;
    c->other_slot_zero_ = never_used;
  }
  if (decoded[best]->committed_end() > c->file_size_) {
    // The newest commit points past the end of the file. After a crash in
    // the middle of a commit whose sync failed this is expected, and the
    // older slot is the last durable commit; anything else is truncation.
    int other = 1 - best;
    if (decoded[other] && decoded[other]->committed_end() <= c->file_size_) {
      c->other_slot_problem_ = "newer superblock (sequence " +
                               std::to_string(decoded[best]->sequence()) +
                               ") points past the end of the file";
      best = other;
    } else {
      return Fail(Code::kCorrupt, path + " is truncated: committed end " +
                                      std::to_string(decoded[best]->committed_end()) +
                                      " but the file has " + std::to_string(c->file_size_) +
                                      " bytes");
    }
  }
  c->active_slot_ = best;
  c->sb_ = *decoded[best];
  c->append_ = c->sb_.committed_end();
  return c;
}

Container::~Container() { Abandon(); }

Status Container::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  CUSTODY_ASSIGN(size_t n, file_->ReadAt(offset, out));
  if (n != out.size())
    return Fail(Code::kCorrupt, path_ + " is truncated: short read at offset " +
                                    std::to_string(offset));
  return {};
}

Status Container::ReadThrough(uint64_t offset, std::span<uint8_t> out, const ReadWindow* window) const {
  if (window != nullptr && offset >= window->offset && offset - window->offset <= window->bytes.size() &&
      out.size() <= window->bytes.size() - (offset - window->offset)) {
    std::memcpy(out.data(), window->bytes.data() + (offset - window->offset), out.size());
    return {};
  }
  return ReadAt(offset, out);
}

Result<RecordRef> Container::ReadHeader(uint64_t offset, const ReadWindow* window) const {
  return ReadHeaderWithin(offset, mode_ == Mode::kWrite ? append_ : sb_.committed_end(), window);
}

Result<RecordRef> Container::ReadHeaderWithin(uint64_t offset, uint64_t limit, const ReadWindow* window) const {
  uint8_t buf[kRecordHeaderSize];
  if (offset + kRecordHeaderSize > limit)
    return Fail(Code::kCorrupt, "record at offset " + std::to_string(offset) +
                                    " lies past the committed end");
  CUSTODY_TRY(ReadThrough(offset, buf, window));
  std::string_view hv(reinterpret_cast<const char*>(buf), sizeof buf);
  CUSTODY_ASSIGN(auto header, format::DecodeRecordHeader(hv, offset, limit));
  if (format::PayloadCoveredElsewhere(header.type))
    CUSTODY_TRY(format::VerifyRecord(header, hv, {}, offset));
  RecordRef ref;
  ref.offset = offset;
  ref.header = std::move(header);
  return ref;
}

Status Container::ReadWindowAt(uint64_t from, uint64_t to, ReadWindow& window) const {
  const uint64_t limit = mode_ == Mode::kWrite ? append_ : sb_.committed_end();
  window.offset = from;
  window.bytes.clear();
  to = std::min(to, limit);
  if (from >= to) return {};
  window.bytes.resize(static_cast<size_t>(to - from));
  Status read = ReadAt(from, {reinterpret_cast<uint8_t*>(window.bytes.data()), window.bytes.size()});
  if (!read) window.bytes.clear();
  return read;
}

Result<std::pair<RecordRef, std::string>> Container::ReadSmallRecordUnchecked(uint64_t offset, size_t expect,
                                                                            const ReadWindow* window) const {
  const uint64_t limit = mode_ == Mode::kWrite ? append_ : sb_.committed_end();
  if (offset >= limit || limit - offset < kRecordHeaderSize) return std::unexpected(ReadHeader(offset).error());
  const size_t want = static_cast<size_t>(std::min<uint64_t>(limit - offset, kRecordHeaderSize + expect));
  std::string buf(want, '\0');
  CUSTODY_TRY(ReadThrough(offset, {reinterpret_cast<uint8_t*>(buf.data()), buf.size()}, window));
  std::string_view hv(buf.data(), kRecordHeaderSize);
  CUSTODY_ASSIGN(auto header, format::DecodeRecordHeader(hv, offset, limit));
  if (format::PayloadCoveredElsewhere(header.type)) CUSTODY_TRY(format::VerifyRecord(header, hv, {}, offset));
  RecordRef ref;
  ref.offset = offset;
  ref.header = std::move(header);
  if (ref.header.length <= buf.size() - kRecordHeaderSize)
    return std::make_pair(ref, buf.substr(kRecordHeaderSize, static_cast<size_t>(ref.header.length)));
  CUSTODY_ASSIGN(std::string payload, ReadPayloadUnchecked(ref));
  return std::make_pair(ref, std::move(payload));
}

Result<std::string> Container::ReadPayloadUnchecked(const RecordRef& ref, const ReadWindow* window) const {
  std::string payload(ref.header.length, '\0');
  CUSTODY_TRY(ReadThrough(ref.payload_offset(),
                          {reinterpret_cast<uint8_t*>(payload.data()), payload.size()}, window));
  return payload;
}

Result<std::string> Container::ReadPayload(const RecordRef& ref, const ReadWindow* window) const {
  CUSTODY_ASSIGN(std::string payload, ReadPayloadUnchecked(ref, window));
  uint8_t hbuf[kRecordHeaderSize];
  CUSTODY_TRY(ReadThrough(ref.offset, hbuf, window));
  CUSTODY_TRY(format::VerifyRecord(ref.header,
                                   {reinterpret_cast<const char*>(hbuf), sizeof hbuf}, payload,
                                   ref.offset));
  return payload;
}

Status Container::Scan(uint64_t from,
                       const std::function<Result<bool>(const RecordRef&)>& visit) const {
  uint64_t at = from;
  uint64_t end = sb_.committed_end();
  while (at < end) {
    CUSTODY_ASSIGN(auto ref, ReadHeader(at));
    CUSTODY_ASSIGN(bool more, visit(ref));
    if (!more) break;
    at = ref.payload_offset() + ref.header.length;
  }
  return {};
}

Status Container::ScanEvents(
    uint64_t from, const std::function<Result<bool>(const RecordRef&, std::string_view)>& visit) const {
  // Small enough that skipping a large record (a checkpoint) wastes little.
  constexpr uint64_t kBlock = 256 << 10;
  const uint64_t end = sb_.committed_end();
  std::string buf;
  uint64_t buf_at = 0;  // file offset of buf[0]
  // Makes [offset, offset + n) available in buf (n <= end - offset).
  auto window = [&](uint64_t offset, uint64_t n) -> Result<std::string_view> {
    if (offset < buf_at || offset + n > buf_at + buf.size()) {
      buf_at = offset;
      buf.resize(static_cast<size_t>(std::min(end - offset, std::max(n, kBlock))));
      CUSTODY_TRY(ReadAt(buf_at, {reinterpret_cast<uint8_t*>(buf.data()), buf.size()}));
    }
    return std::string_view(buf).substr(static_cast<size_t>(offset - buf_at), static_cast<size_t>(n));
  };
  uint64_t at = from;
  while (at < end) {
    if (end - at < kRecordHeaderSize)
      return Fail(Code::kCorrupt, "record at offset " + std::to_string(at) + " lies past the committed end");
    CUSTODY_ASSIGN(std::string_view hv, window(at, kRecordHeaderSize));
    CUSTODY_ASSIGN(auto header, format::DecodeRecordHeader(hv, at, end));
    RecordRef ref;
    ref.offset = at;
    ref.header = std::move(header);
    at = ref.payload_offset() + ref.header.length;
    if (format::PayloadCoveredElsewhere(ref.header.type)) {
      CUSTODY_TRY(format::VerifyRecord(ref.header, hv, {}, ref.offset));
      continue;
    }
    if (ref.header.type != format::RecordType::kEvent) continue;
    // The header and payload together, so the header view stays valid.
    CUSTODY_ASSIGN(std::string_view whole, window(ref.offset, kRecordHeaderSize + ref.header.length));
    const std::string_view payload = whole.substr(kRecordHeaderSize);
    CUSTODY_TRY(format::VerifyRecord(ref.header, whole.substr(0, kRecordHeaderSize), payload, ref.offset));
    CUSTODY_ASSIGN(bool more, visit(ref, payload));
    if (!more) break;
  }
  return {};
}

Status Container::ScanUncommitted(const std::function<Result<bool>(const RecordRef&)>& visit) const {
  uint64_t at = sb_.committed_end();
  while (at < file_size_) {
    auto ref = ReadHeaderWithin(at, file_size_);
    if (!ref) break;  // a torn or never-written tail simply ends here
    CUSTODY_ASSIGN(bool more, visit(*ref));
    if (!more) break;
    at = ref->payload_offset() + ref->header.length;
  }
  return {};
}

Result<uint64_t> Container::Append(format::RecordType type, std::string_view payload) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  uint64_t at = append_;
  std::string framed = format::EncodeRecord(type, payload, at);
  dirty_ = true;
  CUSTODY_TRY(file_->WriteAt(at, Bytes(framed)));
  append_ += framed.size();
  return at;
}

Result<uint64_t> Container::ReserveExtent(uint64_t length) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  uint64_t at = append_;
  std::string header = format::EncodeExtentHeader(length, at);
  dirty_ = true;
  CUSTODY_TRY(file_->WriteAt(at, Bytes(header)));
  append_ += header.size() + length;
  return at + header.size();
}

Status Container::WriteAt(uint64_t offset, std::span<const uint8_t> data) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  dirty_ = true;
  return file_->WriteAt(offset, data);
}

Status Container::CopyIn(int src, uint64_t src_offset, uint64_t offset, uint64_t length) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  dirty_ = true;
  return file_->CopyFrom(src, src_offset, offset, length);
}

Status Container::OverwriteCommitted(uint64_t offset, std::span<const uint8_t> data) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  // Only committed records, never the superblocks; overflow-safe.
  if (offset < kLogStart || offset > sb_.committed_end() || data.size() > sb_.committed_end() - offset)
    return Fail(Code::kIo, "overwrite outside the committed records");
  return file_->WriteAt(offset, data);
}

Status Container::Commit(format::Superblock next) {
  if (mode_ != Mode::kWrite || broken_) return Fail(Code::kIo, "container not writable");
  // Any failure from here on may leave a sync error behind that we cannot
  // clear by retrying (the kernel may already have dropped the dirty pages),
  // so the container is marked broken and the caller gives up.
  broken_ = true;
  CUSTODY_TRY(file_->Sync());
  next.set_format_version(format::kFormatVersion);
  next.set_sequence(sb_.sequence() + 1);
  next.set_committed_end(append_);
  int slot = 1 - active_slot_;
  CUSTODY_ASSIGN(std::string bytes, format::EncodeSuperblock(next, kSuperblockOffsets[slot]));
  CUSTODY_TRY(file_->WriteAt(kSuperblockOffsets[slot], Bytes(bytes)));
  CUSTODY_TRY(file_->Sync());
  broken_ = false;
  dirty_ = false;
  sb_ = std::move(next);
  active_slot_ = slot;
  if (append_ > file_size_) file_size_ = append_;
  return {};
}

void Container::Abandon() {
  // After a failed commit the new superblock may or may not be on disk, so
  // the appended records must stay where they are.
  if (mode_ != Mode::kWrite || !dirty_ || broken_) return;
  // Put the file back to its last commit: nothing past the committed end
  // survives (a torn tail from an earlier crash goes too). Best effort; the
  // superblock already ignores it.
  (void)file_->Truncate(sb_.committed_end());
  append_ = sb_.committed_end();
  dirty_ = false;
}

}  // namespace custody::vault
