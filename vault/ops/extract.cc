// Extraction: decrypting a document out of the vault, recorded in the ledger.
// The order is the point (docs/format-v2-extract.md "Extract"): the event is
// committed before any plaintext exists (R141), and nothing is published
// before the ciphertext read is known to be the one registered (R140).
#include <unistd.h>

#include "base/atomic_file.h"
#include "vault/keys/document_key.h"
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {

format::Event ExtractedEvent(const format::DocumentState& d, const ExtractRequest& req) {
  format::Event ev;
  auto* x = ev.mutable_document_extracted();
  x->set_doc_id(d.added().doc_id());
  x->set_reg_no(req.reg_no);
  x->set_purpose(req.purpose);
  x->set_to_stdout(req.out_path == "-");
  x->set_version(d.added().version() > 1 ? d.added().version() : 0);  // v8: which version left
  return ev;
}

// The temporary file beside the destination, shown to the caller's hook
// before anything is committed or written. Null for a descriptor.
Result<std::unique_ptr<AtomicFile>> OpenDestination(const ExtractRequest& req,
                                                    const TempFileHook& on_temp_file) {
  if (req.out_path == "-") return std::unique_ptr<AtomicFile>();
  if (!req.force && ::access(req.out_path.c_str(), F_OK) == 0)
    return Fail(Code::kIo, req.out_path + " already exists; use --force to replace it");
  auto out = AtomicFile::Create(DefaultEnv(), req.out_path);
  if (!out) return std::unexpected(out.error().With("cannot write next to " + req.out_path));
  if (on_temp_file) CUSTODY_TRY(on_temp_file((*out)->temp_path()));
  return std::move(*out);
}

}  // namespace

Result<Vault::Readable> Vault::PrepareRead(const Identity& actor, const std::string& reg_no, uint32_t version) const {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
  if (d == nullptr)
    return Fail(Code::kNotFound, "no document " + reg_no + " in vault " + container_->path());
  if (!ring->Has(d->added().level())) {
    const format::Member* m = state_->FindMember(SigningKeyOf(actor));
    std::string held = m->clearance() >= 0 ? "cleared for " + state_->level_names[m->clearance()]
                                           : "holding no clearance";
    return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' (" + held +
                                       ") is not cleared for document " + reg_no);
  }
  if (d->destroyed())
    return Fail(Code::kNotFound, "document " + reg_no + " was destroyed on " +
                                     UtcDateTime(d->destroyed_unix()) + " by " +
                                     MemberName(d->destroyed_by()));
  const uint32_t level = d->added().level();
  // An earlier version (v8): its own extent and key record, read as the
  // document was then.
  format::DocumentState as_of = *d;
  const uint32_t current = d->added().version() == 0 ? 1 : d->added().version();
  if (version != 0 && version != current) {
    const format::EarlierVersion* found = nullptr;
    for (const auto& v : d->earlier_versions())
      if (v.version() == version) found = &v;
    if (found == nullptr)
      return Fail(Code::kNotFound, "document " + reg_no + " has no version " + std::to_string(version) +
                                       " (it is at version " + std::to_string(current) + ")");
    as_of.mutable_added()->set_version(found->version());
    *as_of.mutable_added()->mutable_extent() = found->extent();
    *as_of.mutable_key() = found->key();
  }
  d = &as_of;
  CUSTODY_ASSIGN(auto wrap, LoadWrap(*d));
  // A document keeps the key record of the epoch it was added at; the key of
  // that epoch comes down the level's lineage from the current one.
  auto level_key = LevelKeyAt(*ring, *state_, level, wrap.epoch());
  if (!level_key) return std::unexpected(level_key.error().With("document " + reg_no));
  auto data_key = UnwrapDataKey(level_key->span(), state_->vault_id, wrap);
  if (!data_key)
    return Fail(Code::kCorrupt, "document " + reg_no + ": its data key does not unwrap");
  auto meta = OpenMetadata(level_key->span(), state_->vault_id, wrap);
  if (!meta) return std::unexpected(meta.error().With("document " + reg_no));
  return Readable{*d, std::move(*data_key), meta->size()};
}

Status Vault::DecryptTo(const Readable& r, const PlaintextSink& sink,
                        const ChunkRewrite* rewrite) const {
  const auto& a = r.doc.added();
  return DecryptExtent(*container_, a.extent(), r.size, r.data_key.span(),
                       ChunkAdPrefix(state_->vault_id, a.doc_id(), a.version()), sink,
                       "document " + a.reg_no(), rewrite);
}

Status Vault::Extract(const Identity& actor, const ExtractRequest& req,
                      const TempFileHook& on_temp_file) {
  CUSTODY_ASSIGN(Readable r, PrepareRead(actor, req.reg_no, req.version));
  const format::DocumentState* d = &r.doc;

  // To a file, the plaintext goes to a temporary name beside the destination
  // and is renamed into place only once whole and authenticated, so the
  // destination never holds a partial or unauthenticated copy.
  CUSTODY_ASSIGN(auto out, OpenDestination(req, on_temp_file));
  {
    // R141: recorded before the first plaintext byte is produced, so no
    // kill, crash or failure can yield plaintext the ledger does not show.
    // (The converse does not hold: a recorded extraction may have failed.)
    WriteScope scope(this);
    CUSTODY_TRY(AppendEvent(ExtractedEvent(*d, req), {&actor}));
    CUSTODY_TRY(CommitAll(actor, scope));
  }
  CUSTODY_TRY(DecryptTo(r, out ? FileSink(*out->file()) : DescriptorSink(req.out_fd)));
  return out ? out->Commit(req.force) : Status{};
}

}  // namespace custody::vault
