// The mount's acts (tools/mount): its session events (FORMAT.md §3.8, R178-
// R180) and random access to a document's content. As with an extraction
// (R141), the open of a document is committed before the first byte of it
// is read: the caller records a batch of first opens in one commit
// (RecordOpened) and only then reads (OpenContent).
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

Result<uint64_t> Vault::RecordMount(const Identity& actor, const std::string& host, bool read_only) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));  // a live member, auditors included
  if (host.size() > 255) return Fail(Code::kUsage, "host name over 255 bytes");
  format::Event ev;
  auto* x = ev.mutable_vault_mounted();
  x->set_host(host);
  x->set_read_only(read_only);
  const uint64_t sequence = state_->event_count;
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  CUSTODY_TRY(CommitAll(actor, scope));
  return sequence;
}

Status Vault::RecordOpened(const Identity& actor, uint64_t mounted_at,
                           const std::vector<std::string>& reg_nos) {
  if (reg_nos.empty()) return {};
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  std::vector<format::Event> events;
  for (const auto& reg_no : reg_nos) {
    // The same checks as any read, so a refused open records nothing.
    CUSTODY_ASSIGN(const format::DocumentState* d, state_->FindDocument(reg_no));
    if (d == nullptr || d->destroyed())
      return Fail(Code::kNotFound, "no document " + reg_no + " to open in vault " + container_->path());
    if (!ring->Has(d->added().level()))
      return Fail(Code::kNotCleared, "'" + actor.public_identity().name + "' is not cleared for document " + reg_no);
    format::Event ev;
    auto* x = ev.mutable_document_opened();
    x->set_doc_id(d->added().doc_id());
    x->set_reg_no(reg_no);
    x->set_mounted_at(mounted_at);
    events.push_back(std::move(ev));
  }
  WriteScope scope(this);
  for (auto& ev : events) CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  // The events alone: an open changes nothing a checkpoint holds, so a
  // checkpoint per open would only rewrite the same state. The unmount's
  // commit writes one; after a killed daemon, the next open replays the
  // session's events (R35). The client's memory of the vault is replaced
  // without a sync (a sequential reader commits once per file, and a sync
  // of the user's own disk cost more than the rest of the open): it
  // survives a killed daemon; after a power loss it may be the one from
  // the session's last other commit, which the unmount's, with a sync,
  // brings up to date.
  return CommitAll(actor, scope, CheckpointPolicy::kNever, /*durable_memory=*/false);
}

Status Vault::RecordUnmount(const Identity& actor, uint64_t mounted_at, const std::string& reason,
                            uint32_t documents_opened) {
  CUSTODY_ASSIGN(auto ring, Unlock(actor));
  format::Event ev;
  auto* x = ev.mutable_vault_unmounted();
  x->set_mounted_at(mounted_at);
  x->set_reason(reason);
  x->set_documents_opened(documents_opened);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
  return CommitAll(actor, scope);
}

Result<std::unique_ptr<ExtentReader>> Vault::OpenContent(const Identity& actor,
                                                         const std::string& reg_no) const {
  CUSTODY_ASSIGN(Readable r, PrepareRead(actor, reg_no));
  const auto& a = r.doc.added();
  CUSTODY_ASSIGN(auto reader,
                 ExtentReader::Open(*container_, a.extent(), r.size, std::move(r.data_key),
                                    ChunkAdPrefix(state_->vault_id, a.doc_id(), a.version()),
                                    "document " + a.reg_no()));
  return std::make_unique<ExtentReader>(std::move(reader));
}

}  // namespace custody::vault
