// Extraction: decrypting a document out of the vault, recorded in the ledger.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/encoding.h"
#include "crypto/random.h"
#include "vault/keys/document_key.h"
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {
// A temporary file beside the destination that disappears unless kept.
class PendingOutput {
 public:
  ~PendingOutput() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
  Status Begin(const std::string& dest) {
    tmp_ = dest + ".custody-partial-" + ToHex(crypto::RandomString(6));
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      int err = errno;
      tmp_.clear();
      return std::unexpected(ErrnoError(err, "cannot write next to", dest));
    }
    return {};
  }
  int fd() const { return fd_; }
  Status Finish(const std::string& dest, bool replace) {
    if (::fsync(fd_) != 0) return std::unexpected(ErrnoError(errno, "syncing", tmp_));
    ::close(fd_);
    fd_ = -1;
    CUSTODY_TRY(DefaultEnv()->Rename(tmp_, dest, replace));
    tmp_.clear();
    return DefaultEnv()->SyncDir(DirName(dest));
  }

 private:
  int fd_ = -1;
  std::string tmp_;
};
}  // namespace

Status Vault::Extract(const Identity& actor, const ExtractRequest& req) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  const format::DocumentState* d = state_->FindDocument(req.reg_no);
  if (d == nullptr)
    return Fail(Code::kNotFound, "no document " + req.reg_no + " in vault " + container_->path());
  if (!ring->Has(d->added().level())) {
    const format::Member* m = state_->FindMember(SigningKeyOf(actor));
    std::string held = m->clearance() >= 0 ? "cleared for " + state_->level_names[m->clearance()]
                                           : "holding no clearance";
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' (" + held +
                                       ") is not cleared for document " + req.reg_no);
  }
  if (d->destroyed())
    return Fail(Code::kNotFound, "document " + req.reg_no + " was destroyed on " +
                                     UtcDateTime(d->destroyed_unix()) + " by " +
                                     MemberName(d->destroyed_by()));
  const bool to_fd = req.out_path == "-";
  if (!to_fd && !req.force && ::access(req.out_path.c_str(), F_OK) == 0)
    return Fail(Code::kIo, req.out_path + " already exists; use --force to replace it");
  const uint32_t level = d->added().level();
  CUSTODY_ASSIGN(auto wrap, LoadWrap(*d));
  auto data_key = UnwrapDataKey(ring->Key(level), state_->vault_id, wrap);
  if (!data_key)
    return Fail(Code::kCorrupt, "document " + req.reg_no + ": its data key does not unwrap");
  auto meta = OpenMetadata(ring->Key(level), state_->vault_id, wrap);
  if (!meta) return std::unexpected(meta.error().With("document " + req.reg_no));

  format::Event ev;
  auto* x = ev.mutable_document_extracted();
  x->set_doc_id(d->added().doc_id());
  x->set_reg_no(req.reg_no);
  x->set_purpose(req.purpose);
  x->set_to_stdout(to_fd);
  const format::Extent extent = d->added().extent();
  const std::string ad = ChunkAdPrefix(state_->vault_id, d->added().doc_id(), d->added().version());
  const std::string what = "document " + req.reg_no;
  if (to_fd) {
    WriteScope scope(this);
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
    CUSTODY_TRY(CommitAll(actor, scope));
    return DecryptExtent(*container_, extent, meta->size(), data_key->span(), ad, req.out_fd, what);
  }
  PendingOutput out;
  CUSTODY_TRY(out.Begin(req.out_path));
  CUSTODY_TRY(DecryptExtent(*container_, extent, meta->size(), data_key->span(), ad, out.fd(), what));
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(CommitAll(actor, scope));
  return out.Finish(req.out_path, req.force);
}

}  // namespace custody::vault
