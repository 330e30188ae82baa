// A document's life in a mounted folder (format v8, FORMAT.md §3.8, R189-
// R192): renaming and withdrawing (one commit for a batch, as a folder
// rename or a rename over another document needs), restoring, and revising.
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/secret_bytes.h"
#include "format/constants.h"
#include "vault/keys/document_key.h"
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

Result<const format::DocumentState*> Vault::ChangeTarget(const Identity& actor, const KeyRing& ring,
                                                         const std::string& reg_no) const {
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring.Has(d->added().level()))
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was destroyed");
  if (d->withdrawn())
    return Fail(Code::kNotFound, "document " + reg_no + " was withdrawn from its folder; an officer restores it");
  return d;
}

Result<std::pair<crypto::SecretBytes, format::DocumentMetadata>> Vault::OpenCurrentKey(
    const KeyRing& ring, const format::DocumentState& d) const {
  const std::string& reg = d.added().reg_no();
  CUSTODY_ASSIGN(auto wrap, LoadWrap(d));
  auto level_key = LevelKeyAt(ring, *state_, d.added().level(), wrap.epoch());
  if (!level_key) return std::unexpected(level_key.error().With("document " + reg));
  auto data_key = UnwrapDataKey(level_key->span(), state_->vault_id, wrap);
  if (!data_key) return Fail(Code::kCorrupt, "document " + reg + ": its data key does not unwrap");
  auto meta = OpenMetadata(level_key->span(), state_->vault_id, wrap);
  if (!meta) return std::unexpected(meta.error().With("document " + reg));
  return std::make_pair(std::move(*data_key), std::move(*meta));
}

Result<format::KeyRef> Vault::AppendKeyRecord(const KeyRing& ring, const format::DocumentState& d,
                                              const crypto::SecretBytes& data_key,
                                              const format::DocumentMetadata& meta) {
  const uint32_t level = d.added().level();
  const std::string& doc_id = d.added().doc_id();
  // The level's current epoch: whoever holds the level now can read it,
  // and no one whose grant ended since the document was added.
  const std::string wrap_bytes =
      WrapDocumentKey(ring.Key(level), {state_->vault_id, doc_id, level, state_->epochs[level]}, data_key.span(),
                      meta)
          .SerializeAsString();
  CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kKey, wrap_bytes));
  format::KeyRef ref;
  ref.set_offset(at);
  ref.set_hash(crypto::HashToString(crypto::Blake2b256(wrap_bytes)));
  ref.set_doc_id(doc_id);
  return ref;
}

Status Vault::ChangeFolders(const Identity& actor, const std::vector<FolderChange>& changes) {
  if (changes.empty()) return {};
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  // Every change is checked before anything is written.
  std::set<std::string> seen;
  for (const auto& c : changes) {
    CUSTODY_TRY(ChangeTarget(actor, *ring, c.reg_no));
    if (!seen.insert(c.reg_no).second)
      return Fail(Code::kUsage, "document " + c.reg_no + " is named twice in one change");
    if (c.kind == FolderChange::Kind::kRename) {
      AddRequest as_added;
      as_added.path = as_added.file_name = as_added.title = c.file_name;
      CUSTODY_TRY(CheckStoredNames(as_added));
      CUSTODY_TRY(CheckFolderPath(c.folder));
    }
  }
  WriteScope scope(this);
  for (const auto& c : changes) {
    CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(c.reg_no));
    format::Event ev;
    if (c.kind == FolderChange::Kind::kWithdraw) {
      auto* x = ev.mutable_document_withdrawn();
      x->set_doc_id(d->added().doc_id());
      x->set_reg_no(c.reg_no);
    } else {
      CUSTODY_ASSIGN(auto current, OpenCurrentKey(*ring, *d));
      auto& [data_key, meta] = current;
      // A title that was the old name follows the name.
      if (meta.title() == meta.file_name()) meta.set_title(c.file_name);
      meta.set_file_name(c.file_name);
      meta.set_folder(c.folder);
      CUSTODY_ASSIGN(format::KeyRef key, AppendKeyRecord(*ring, *d, data_key, meta));
      auto* x = ev.mutable_document_renamed();
      x->set_doc_id(d->added().doc_id());
      x->set_reg_no(c.reg_no);
      *x->mutable_key() = key;
    }
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  }
  return CommitAll(actor, scope);
}

Status Vault::Restore(const Identity& officer, const std::string& reg_no) {
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(officer, "restore documents"));
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring->Has(d->added().level()))
    return Fail(Code::kNotCleared, "'" + officer.public_identity().name + "' is not cleared for document " + reg_no);
  if (d->destroyed()) return Fail(Code::kNotFound, "document " + reg_no + " was destroyed");
  if (!d->withdrawn()) return Fail(Code::kUsage, "document " + reg_no + " is not withdrawn");
  format::Event ev;
  auto* x = ev.mutable_document_restored();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(reg_no);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

Result<std::unique_ptr<StreamingExtent>> Vault::StreamContent(const std::string& reg_no,
                                                              std::function<void(crypto::SecretBytes)> recycle) const {
  std::string doc_id = crypto::RandomString(16);
  uint32_t version = 1;
  if (!reg_no.empty()) {
    CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
    if (d == nullptr) return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
    doc_id = d->added().doc_id();
    version = (d->added().version() == 0 ? 1 : d->added().version()) + 1;
  }
  const std::string& path = container_->path();
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  return StreamingExtent::Create(dir, doc_id, version, ChunkAdPrefix(state_->vault_id, doc_id, version),
                                 std::move(recycle));
}

Result<std::pair<format::Extent, crypto::SecretBytes>> Vault::SealContent(const ContentSource& content,
                                                                         const std::string& doc_id,
                                                                         uint32_t version,
                                                                         const std::string& what) {
  StreamingExtent* s = content.streamed;
  if (s != nullptr && !s->finished() && s->doc_id() == doc_id && s->version() == version &&
      content.size > s->sealed() * s->chunk_size()) {
    // The chunks sealed as the file was written, and the rest read now.
    CUSTODY_ASSIGN(format::Extent extent,
                   s->Finish(*container_, content.read, content.size, format::PADDING_PADME, what));
    return std::make_pair(std::move(extent), crypto::SecretBytes::CopyOf(s->data_key()));
  }
  auto data_key = crypto::SecretBytes::Random(32);
  CUSTODY_ASSIGN(format::Extent extent,
                 EncryptIntoExtent(*container_, content.read, content.size, format::PADDING_PADME, data_key.span(),
                                   ChunkAdPrefix(state_->vault_id, doc_id, version), what));
  return std::make_pair(std::move(extent), std::move(data_key));
}

Result<uint32_t> Vault::Revise(const Identity& actor, const std::string& reg_no, const ContentSource& content) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  CUSTODY_ASSIGN(const format::DocumentState* d, ChangeTarget(actor, *ring, reg_no));
  WriteScope scope(this);
  // The level's key as no expired grant holds it (R27b), as for an add.
  CUSTODY_TRY(RotateExpiredGrants(actor, ring));
  CUSTODY_ASSIGN(d, state_->FindDocument(reg_no));
  CUSTODY_ASSIGN(auto current, OpenCurrentKey(*ring, *d));
  format::DocumentMetadata meta = std::move(current.second);
  const uint32_t version = (d->added().version() == 0 ? 1 : d->added().version()) + 1;
  const std::string doc_id = d->added().doc_id();
  CUSTODY_ASSIGN(auto sealed, SealContent(content, doc_id, version, "version " + std::to_string(version) + " of " + reg_no));
  auto& [extent, data_key] = sealed;
  meta.set_size(content.size);
  meta.set_version(version);
  CUSTODY_ASSIGN(format::KeyRef key, AppendKeyRecord(*ring, *d, data_key, meta));
  format::Event ev;
  auto* x = ev.mutable_document_revised();
  x->set_doc_id(doc_id);
  x->set_reg_no(reg_no);
  x->set_version(version);
  *x->mutable_extent() = extent;
  *x->mutable_key() = key;
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(CommitAll(actor, scope));
  return version;
}

}  // namespace custody::vault
