// Registering documents and listing them: add, ls, and reading key records.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "base/encoding.h"
#include "base/pipeline.h"
#include "base/utf8.h"
#include "base/work_pool.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "format/constants.h"
#include "vault/keys/document_key.h"
#include "base/json.h"
#include "vault/ops/internal.h"
#include "vault/ops/naming.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Writer-side limits on what an add stores (a reader takes what the
// metadata holds): a file name as Linux file systems allow one, a title as
// long as a paragraph.
constexpr size_t kMaxFileNameBytes = 255;
constexpr size_t kMaxTitleBytes = 4096;

std::string StoredFileName(const AddRequest& f) { return f.file_name.empty() ? BaseName(f.path) : f.file_name; }
std::string StoredTitle(const AddRequest& f) { return f.title.empty() ? StoredFileName(f) : f.title; }

}  // namespace

// Names and titles are stored as UTF-8 text and come back exactly as given,
// so one that is not UTF-8 is refused here, naming the file, rather than
// stored altered. A file name is one that extract can create: one path
// component, at most 255 bytes.
Status CheckStoredNames(const AddRequest& f) {
  const std::string name = StoredFileName(f);
  const std::string& shown = name;  // escaped where it is printed
  if (!IsValidUtf8(name))
    return Fail(Code::kUsage, "the file name '" + shown + "' of " + f.path +
                                  " is not UTF-8 text; give the document a name with --name");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    return Fail(Code::kUsage, "'" + shown + "' cannot be a file name (one path component, not . or ..)");
  if (name.size() > kMaxFileNameBytes)
    return Fail(Code::kUsage, "the file name '" + shown + "' is longer than " +
                                  std::to_string(kMaxFileNameBytes) + " bytes; give a shorter one with --name");
  const std::string title = StoredTitle(f);
  if (!IsValidUtf8(title))
    return Fail(Code::kUsage, "the title of " + f.path + " is not UTF-8 text");
  if (title.size() > kMaxTitleBytes)
    return Fail(Code::kUsage, "the title of " + f.path + " is longer than " +
                                  std::to_string(kMaxTitleBytes) + " bytes");
  return {};
}

// A folder path (format v8): empty, or '/'-separated components each of
// which could be a file name; at most 4096 bytes.
Status CheckFolderPath(const std::string& folder) {
  if (folder.empty()) return {};
  if (!IsValidUtf8(folder)) return Fail(Code::kUsage, "the folder '" + folder + "' is not UTF-8 text");
  if (folder.size() > 4096) return Fail(Code::kUsage, "a folder path is at most 4096 bytes");
  size_t at = 0;
  for (;;) {
    const size_t slash = folder.find('/', at);
    const std::string part = folder.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (part.empty() || part == "." || part == ".." || part.size() > kMaxFileNameBytes ||
        part.find('\0') != std::string::npos)
      return Fail(Code::kUsage, "'" + folder + "' cannot be a folder (components as file names, '/' between them)");
    if (slash == std::string::npos) return {};
    at = slash + 1;
  }
}

namespace {

// Every input is checked before anything is written: a refused add leaves
// the vault byte for byte as it was.
Status CheckAddInputs(const VaultState& state, const std::vector<AddRequest>& files) {
  std::set<std::string> regs;
  for (const auto& f : files) {
    CUSTODY_TRY(CheckStoredNames(f));
    CUSTODY_TRY(CheckFolderPath(f.folder));
    if (f.content != nullptr) continue;
    struct stat st;
    if ((f.fd >= 0 ? ::fstat(f.fd, &st) : ::stat(f.path.c_str(), &st)) != 0)
      return std::unexpected(ErrnoError(errno, "cannot add", f.path));
    if (S_ISDIR(st.st_mode)) return Fail(Code::kUsage, "cannot add " + f.path + ": it is a directory");
    if (!S_ISREG(st.st_mode)) return Fail(Code::kUsage, "cannot add " + f.path + ": not a regular file");
    if (f.reg_no.empty()) continue;
    if (!IsValidRegNo(f.reg_no))
      return Fail(Code::kUsage, "bad registration number '" + f.reg_no +
                                    "' (1-64 of A-Z a-z 0-9 . _ / -, starting with a letter or digit)");
    CUSTODY_ASSIGN(const format::DocumentState* taken, state.FindDocument(f.reg_no));
    if (taken != nullptr || !regs.insert(f.reg_no).second)
      return Fail(Code::kUsage, "registration number " + f.reg_no + " is already in use");
  }
  return {};
}


}  // namespace

Result<std::vector<std::string>> Vault::Add(const Identity& actor,
                                            const std::vector<AddRequest>& files, Level level,
                                            const Registration& details) {
  CUSTODY_TRY(CheckLevel(level));
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  const uint32_t at_level = level.index();
  if (!ring->Has(at_level))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for " +
                                       LevelName(level));
  CUSTODY_TRY(CheckAddInputs(*state_, files));
  std::string custodian;
  if (details.custodian) {
    custodian = SigningKeyOf(*details.custodian);
    const format::Member* c = state_->FindMember(custodian);
    if (c == nullptr || c->revoked() || c->clearance() < static_cast<int32_t>(at_level))
      return Fail(Code::kNotCleared, "custodian '" + details.custodian->name + "' is not a member cleared for " +
                                         LevelName(level));
  }
  if (details.originator.size() > kMaxRegNoBytes * 8)
    return Fail(Code::kUsage, "the originator is at most " + std::to_string(kMaxRegNoBytes * 8) + " bytes");
  if (details.classification_years && *details.classification_years > 1000)
    return Fail(Code::kUsage, "a classification period is at most 1000 years");
  WriteScope scope(this);
  // New documents go under keys no expired grant holds (R27b).
  CUSTODY_TRY(RotateExpiredGrants(actor, ring));
  std::vector<std::string> out;
  for (const auto& f : files) {
    // A document streamed in as it was written (the mount) already has its id.
    const bool streamed = f.content != nullptr && f.content->streamed != nullptr &&
                          f.content->streamed->version() == 1 && !f.content->streamed->finished();
    const std::string doc_id = streamed ? f.content->streamed->doc_id() : crypto::RandomString(16);
    crypto::SecretBytes data_key;
    uint64_t size = 0;
    // Every new document is padded (Padmé): a keyless reader learns its
    // size class, not its size (docs/format-v2-extract.md "Padding").
    Result<format::Extent> extent;
    if (f.content != nullptr) {
      size = f.content->size;
      auto sealed = SealContent(*f.content, doc_id, 1, f.path);
      if (!sealed) return std::unexpected(sealed.error());
      extent = std::move(sealed->first);
      data_key = std::move(sealed->second);
    } else {
      data_key = crypto::SecretBytes::Random(32);
      const int fd = f.fd >= 0 ? f.fd : ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot add", f.path));
      struct stat st;
      if (::fstat(fd, &st) != 0) {
        const int e = errno;
        if (f.fd < 0) ::close(fd);
        return std::unexpected(ErrnoError(e, "cannot add", f.path));
      }
      size = static_cast<uint64_t>(st.st_size);
      extent = EncryptIntoExtent(*container_, fd, size, format::PADDING_PADME, data_key.span(),
                                 ChunkAdPrefix(state_->vault_id, doc_id, 1), f.path);
      if (f.fd < 0) ::close(fd);
    }
    if (!extent) return std::unexpected(extent.error());
    format::DocumentMetadata meta;
    // Names are UTF-8 text in the sealed metadata (proto3 strings), checked
    // by CheckStoredNames.
    meta.set_title(StoredTitle(f));
    meta.set_file_name(StoredFileName(f));
    meta.set_size(size);
    meta.set_folder(f.folder);
    meta.set_added_unix(clock_->NowUnix());
    const std::string wrap_bytes =
        WrapDocumentKey(ring->Key(at_level), {state_->vault_id, doc_id, at_level, state_->epochs[at_level]},
                        data_key.span(), meta)
            .SerializeAsString();
    CUSTODY_ASSIGN(uint64_t key_at, container_->Append(format::RecordType::kKey, wrap_bytes));
    format::Event ev;
    auto* a = ev.mutable_document_added();
    a->set_doc_id(doc_id);
    if (f.reg_no.empty()) {
      CUSTODY_ASSIGN(std::string reg, NextRegNo(*state_, at_level, UtcYear(clock_->NowUnix())));
      a->set_reg_no(reg);
    } else {
      a->set_reg_no(f.reg_no);
    }
    a->set_level(at_level);
    a->set_version(1);
    // The event's time is the clock's now (SealEvent), which R28a holds the
    // due date to.
    const int64_t now = clock_->NowUnix();
    ev.set_time_unix(now);
    a->set_originator(details.originator);
    a->set_custodian_ed25519(custodian);
    a->set_urgent(details.urgent);
    a->set_due_unix(state_->DueUnix(now, details.urgent));
    a->set_classified_until_unix(details.classification_years
                                     ? (*details.classification_years == 0 ? 0 : AddUtcYears(now, *details.classification_years))
                                     : state_->ClassifiedUntilUnix(at_level, now));
    *a->mutable_extent() = *extent;
    a->mutable_key()->set_offset(key_at);
    a->mutable_key()->set_hash(crypto::HashToString(crypto::Blake2b256(wrap_bytes)));
    a->mutable_key()->set_doc_id(doc_id);
    out.push_back(a->reg_no());
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  }
  CUSTODY_TRY(CommitAll(actor, scope));
  return out;
}

Result<std::vector<DocumentInfo>> Vault::List(const Identity& actor, bool include_destroyed) const {
  std::vector<DocumentInfo> out;
  CUSTODY_TRY(ForEachDocument(actor, include_destroyed, [&](DocumentInfo&& info) -> Status {
    out.push_back(std::move(info));
    return {};
  }));
  return out;
}

namespace {
// A listing spreads over threads by catalog leaf: this thread walks the
// interior pages and hands the leaves to a pool, whose threads read each
// leaf, open its documents' key records and (for ListDocuments) format
// them; this thread then takes the leaves in order. The same documents, the
// same order and the same first error as one thread visiting them one by one.
constexpr size_t kLeavesPerBatch = 4;
// What ReadKeyRecord reads of a key record at once; and the most a leaf's
// key records may spread over to be read in one window.
constexpr size_t kKeyRecordExpect = 1024;
constexpr uint64_t kMaxLeafWindow = 1u << 20;
constexpr size_t kBatchesAhead = 6;

struct LeafWork {
  format::CatalogChild ref;
  std::optional<std::string> upper;
  std::vector<DocumentInfo> docs;  // for ForEachDocument
  std::string text;                // for ListDocuments
  Status status;                   // the first error, after docs / text
};

struct LeafBatch {
  std::vector<LeafWork> leaves;
  std::shared_ptr<WorkPool::Batch> work;
};
}  // namespace

Status Vault::ForEachDocument(const Identity& actor, bool include_destroyed,
                              const std::function<Status(DocumentInfo&&)>& fn) const {
  return ListWith(actor, include_destroyed, nullptr, &fn, nullptr);
}

Status Vault::ListDocuments(const Identity& actor, bool include_destroyed,
                            const std::function<void(const DocumentInfo&, std::string&)>& format,
                            const std::function<Status(std::string_view)>& write) const {
  return ListWith(actor, include_destroyed, &format, nullptr, &write);
}

Status Vault::ListWith(const Identity& actor, bool include_destroyed,
                       const std::function<void(const DocumentInfo&, std::string&)>* format,
                       const std::function<Status(DocumentInfo&&)>* fn,
                       const std::function<Status(std::string_view)>* write) const {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  // An auditor (who holds no key) sees every document's number, level,
  // state and copies: the register, without names or contents.
  const bool auditor = state_->FindMember(SigningKeyOf(actor))->role() == format::ROLE_AUDITOR;
  LevelKeyCache level_keys;
  const auto describe = [&](const format::DocumentState& d, DocumentInfo& info,
                            const ReadWindow* window) -> Result<bool> {
    return DescribeDocument(*ring, auditor, include_destroyed, d, level_keys, window, info);
  };
  // Hands one described document on, in order, on this thread.
  std::string line;
  const auto emit = [&](DocumentInfo&& info) -> Status {
    if (fn != nullptr) return (*fn)(std::move(info));
    line.clear();
    (*format)(info, line);
    return (*write)(line);
  };

  std::deque<std::unique_ptr<LeafBatch>> ahead;
  std::unique_ptr<LeafBatch> filling;
  WorkPool pool(DefaultWorkers());  // after what its threads write into
  const auto run_leaf = [&](LeafWork& leaf) {
    auto page = state_->catalog.ReadLeaf(leaf.ref, leaf.upper ? &*leaf.upper : nullptr);
    if (!page) {
      leaf.status = std::unexpected(page.error());
      return;
    }
    // The key records this leaf's listing reads, in one read if they lie
    // close together (as an add writes them).
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& d : page->entries()) {
      if (!ring->Has(d.added().level()) || d.destroyed()) continue;
      lo = std::min(lo, d.key().offset());
      hi = std::max(hi, d.key().offset());
    }
    ReadWindow window;
    if (lo <= hi && hi - lo <= kMaxLeafWindow)
      (void)container_->ReadWindowAt(lo, hi + format::kRecordHeaderSize + kKeyRecordExpect, window);
    for (const auto& d : page->entries()) {
      DocumentInfo info;
      auto listed = describe(d, info, &window);
      if (!listed) {
        leaf.status = std::unexpected(listed.error());
        return;
      }
      if (!*listed) continue;
      if (format != nullptr)
        (*format)(info, leaf.text);
      else
        leaf.docs.push_back(std::move(info));
    }
  };
  const auto submit = [&] {
    LeafBatch* b = filling.get();
    b->work = pool.Submit(b->leaves.size(), [b, &run_leaf](size_t i) { run_leaf(b->leaves[i]); });
    ahead.push_back(std::move(filling));
  };
  // Hands the oldest batch on; the first error stops the listing.
  const auto drain = [&]() -> Status {
    std::unique_ptr<LeafBatch> b = std::move(ahead.front());
    ahead.pop_front();
    b->work->Wait();
    for (LeafWork& leaf : b->leaves) {
      if (format != nullptr) {
        if (!leaf.text.empty()) CUSTODY_TRY((*write)(leaf.text));
      } else {
        for (DocumentInfo& info : leaf.docs) CUSTODY_TRY((*fn)(std::move(info)));
      }
      CUSTODY_TRY(leaf.status);
    }
    return {};
  };
  bool stopped = false;  // an error from drain (not from the walk) ended the walk
  auto by_leaf = state_->catalog.ForEachLeaf([&](const format::CatalogChild& ref, const std::string* upper) -> Status {
    if (!filling) {
      filling = std::make_unique<LeafBatch>();
      filling->leaves.reserve(kLeavesPerBatch);
    }
    LeafWork& leaf = filling->leaves.emplace_back();
    leaf.ref = ref;
    if (upper != nullptr) leaf.upper = *upper;
    if (filling->leaves.size() == kLeavesPerBatch) submit();
    while (ahead.size() >= kBatchesAhead) {
      if (Status s = drain(); !s) {
        stopped = true;
        return s;
      }
    }
    return {};
  });
  if (by_leaf && !*by_leaf) {
    // Not just a tree (no tree yet, or entries changed since): one by one.
    return state_->catalog.ForEach([&](const format::DocumentState& d) -> Status {
      DocumentInfo info;
      CUSTODY_ASSIGN(bool listed, describe(d, info, nullptr));
      return listed ? emit(std::move(info)) : Status{};
    });
  }
  if (stopped) return std::unexpected(by_leaf.error());
  if (filling) submit();
  // Whatever came before a damaged interior page is listed before its error.
  while (!ahead.empty()) CUSTODY_TRY(drain());
  if (!by_leaf) return std::unexpected(by_leaf.error());
  return {};
}

Result<bool> Vault::DescribeDocument(const KeyRing& ring, bool auditor, bool include_destroyed,
                                     const format::DocumentState& d, LevelKeyCache& level_keys,
                                     const ReadWindow* window, DocumentInfo& info) const {
  const uint32_t level = d.added().level();
  const std::string& reg = d.added().reg_no();
  if (!ring.Has(level) && !auditor) return false;  // above the clearance: not even the name
  if (d.destroyed() && !include_destroyed) return false;
  info.reg_no = reg;
  info.doc_id_hex = ToHex(d.added().doc_id());
  info.level = Level(level);
  info.level_name = state_->level_names[level];
  info.added_by = MemberName(d.added_by());
  info.destroyed = d.destroyed();
  info.destroyed_unix = d.destroyed_unix();
  info.destroyed_by = d.destroyed() ? MemberName(d.destroyed_by()) : "";
  info.extract_count = d.extract_count();
  DescribeRegistration(d, info);
  if (d.destroyed() || auditor) return true;
  CUSTODY_ASSIGN(auto wrap, LoadWrap(d, window));
  const crypto::SecretBytes* key;
  {
    std::lock_guard<std::mutex> lock(level_keys.mu);
    auto found = level_keys.keys.find({level, wrap.epoch()});
    if (found == level_keys.keys.end()) {
      CUSTODY_ASSIGN(auto level_key, LevelKeyAt(ring, *state_, level, wrap.epoch()));
      found = level_keys.keys.emplace(std::make_pair(level, wrap.epoch()), std::move(level_key)).first;
    }
    key = &found->second;
  }
  auto meta = OpenMetadata(key->span(), state_->vault_id, wrap);
  if (!meta) return std::unexpected(meta.error().With("document " + reg));
  info.title = meta->title();
  info.file_name = meta->file_name();
  info.size = meta->size();
  info.added_unix = meta->added_unix();
  info.folder = meta->folder();
  return true;
}

Result<DocumentInfo> Vault::Describe(const Identity& actor, const std::string& reg_no) const {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  const bool auditor = state_->FindMember(SigningKeyOf(actor))->role() == format::ROLE_AUDITOR;
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  LevelKeyCache level_keys;
  DocumentInfo info;
  CUSTODY_ASSIGN(bool listed, DescribeDocument(*ring, auditor, true, *d, level_keys, nullptr, info));
  if (!listed)
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
  return info;
}

void Vault::DescribeRegistration(const format::DocumentState& d, DocumentInfo& info) const {
  const auto& a = d.added();
  info.originator = a.originator();
  info.custodian = a.custodian_ed25519().empty() ? "" : MemberName(a.custodian_ed25519());
  info.urgent = a.urgent();
  info.due_unix = a.due_unix();
  info.handled_unix = d.handled_unix();
  info.handled_by = d.handled_unix() != 0 ? MemberName(d.handled_by()) : "";
  info.classified_until_unix = a.classified_until_unix();
  info.is_public = d.is_public();
  if (d.has_review()) {
    const auto& r = d.review();
    info.review_pending = "to " + (r.to_public() ? std::string("public") : state_->level_names.at(r.to_level())) +
                          " by " + MemberName(r.reviewer());
  }
  info.copies_issued = d.copies_issued();
  info.copies_outstanding = d.copies_outstanding();
  info.version = a.version() == 0 ? 1 : a.version();
  info.earlier_versions = static_cast<uint32_t>(d.earlier_versions_size());
  info.withdrawn = d.withdrawn();
  info.withdrawn_unix = d.withdrawn_unix();
  info.withdrawn_by = d.withdrawn() ? MemberName(d.withdrawn_by()) : "";
}

Result<std::string> Vault::ReadKeyRecord(const format::KeyRef& ref, const ReadWindow* window) const {
  // A key record is a few hundred bytes: header and payload in one read.
  CUSTODY_ASSIGN(auto record, container_->ReadSmallRecordUnchecked(ref.offset(), kKeyRecordExpect, window));
  auto& [rec, payload] = record;
  if (rec.header.type != format::RecordType::kKey || rec.header.length > 64 * 1024)
    return Fail(Code::kCorrupt, "key reference at " + std::to_string(ref.offset()) +
                                    " does not point at a key record");
  if (crypto::HashToString(crypto::Blake2b256(payload)) != ref.hash())
    return Fail(Code::kCorrupt, "key record at " + std::to_string(ref.offset()) +
                                    " does not match its hash");
  return payload;
}

Result<format::WrappedDocumentKey> Vault::LoadWrap(const format::DocumentState& doc,
                                                   const ReadWindow* window) const {
  auto payload = ReadKeyRecord(doc.key(), window);
  if (!payload) return std::unexpected(payload.error().With("document " + doc.added().reg_no()));
  format::WrappedDocumentKey wrap;
  if (!wrap.ParseFromString(*payload) || wrap.doc_id() != doc.added().doc_id() ||
      wrap.level() != doc.added().level())
    return Fail(Code::kCorrupt, "document " + doc.added().reg_no() + ": key record is damaged");
  return wrap;
}

}  // namespace custody::vault
