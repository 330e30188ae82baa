// Extraction: decrypting a document out of the vault, recorded in the ledger.
#include <unistd.h>

#include "base/atomic_file.h"
#include "vault/keys/document_key.h"
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

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
    return DecryptExtent(*container_, extent, meta->size(), data_key->span(), ad,
                         DescriptorSink(req.out_fd), what);
  }
  // To a file: decrypted beside the destination under a temporary name and
  // renamed into place only after the extraction is committed, so the
  // destination never holds a partial or unrecorded copy.
  auto out = AtomicFile::Create(DefaultEnv(), req.out_path);
  if (!out) return std::unexpected(out.error().With("cannot write next to " + req.out_path));
  CUSTODY_TRY(DecryptExtent(*container_, extent, meta->size(), data_key->span(), ad,
                            FileSink(*(*out)->file()), what));
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(CommitAll(actor, scope));
  return (*out)->Commit(req.force);
}

}  // namespace custody::vault
