// Compaction: the vault rewritten without dead space, keeping the signed
// ledger byte for byte (FORMAT.md §3.13).
#include <map>

#include "vault/ops/internal.h"

namespace custody::vault {

Result<CompactResult> Vault::Compact(const Identity& actor) {
  CUSTODY_ASSIGN(auto ring, UnlockOfficer(actor, "compact a vault"));
  WriteScope scope(this);  // never committed: the handle is done after compaction
  CompactResult result;
  result.old_size = container_->file_size();
  CUSTODY_ASSIGN(auto builder, ContainerBuilder::Begin(env_, container_->path()));
  // 1. The whole ledger, byte for byte (signatures stay valid; only the
  //    framing, which binds offsets, is new). Old checkpoints are dropped.
  std::map<uint64_t, uint64_t> moved_events;  // old header offset -> new
  CUSTODY_TRY(container_->Scan(format::kLogStart, [&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, container_->ReadPayload(ref));
    CUSTODY_ASSIGN(moved_events[ref.offset], builder->Append(format::RecordType::kEvent, payload));
    return true;
  }));
  // The new checkpoint's authority index points into the new file.
  for (auto& a : state_->authority) a.set_offset(moved_events.at(a.offset()));
  // 2. Every live document's current key record and ciphertext (every
  //    version's), verbatim:
  //    compaction needs no level key and never sees plaintext.
  format::Event ev;
  auto* k = ev.mutable_compacted();
  k->set_previous_event_count(state_->event_count);
  k->set_previous_ledger_head(state_->ledger_head);
  CUSTODY_TRY(state_->catalog.ForEach([&](const format::DocumentState& d) -> Status {
    if (d.destroyed()) return {};
    CUSTODY_ASSIGN(std::string key_payload, ReadKeyRecord(d.key()));
    CUSTODY_ASSIGN(uint64_t key_at, builder->Append(format::RecordType::kKey, key_payload));
    auto* r = k->add_relocated();
    r->set_doc_id(d.added().doc_id());
    // Earlier versions first (v8), as they were written.
    for (const auto& v : d.earlier_versions()) {
      CUSTODY_ASSIGN(std::string payload, ReadKeyRecord(v.key()));
      CUSTODY_ASSIGN(uint64_t v_key_at, builder->Append(format::RecordType::kKey, payload));
      CUSTODY_ASSIGN(uint64_t at, builder->AppendExtentFrom(*container_, v.extent().offset(), v.extent().length()));
      auto* moved = r->add_earlier();
      *moved = v;
      moved->mutable_extent()->set_offset(at);
      moved->mutable_key()->set_offset(v_key_at);
    }
    const auto& old = d.added().extent();
    CUSTODY_ASSIGN(uint64_t ext_at, builder->AppendExtentFrom(*container_, old.offset(), old.length()));
    *r->mutable_extent() = old;
    r->mutable_extent()->set_offset(ext_at);
    *r->mutable_key() = d.key();
    r->mutable_key()->set_offset(key_at);
    ++result.documents_kept;
    return {};
  }));
  // 3. The signed compaction event, the whole catalog as a new tree in the
  //    new file, and a fresh checkpoint.
  CUSTODY_ASSIGN(std::string payload, SealEvent(std::move(ev), {&actor}));
  CUSTODY_ASSIGN(uint64_t event_at, builder->Append(format::RecordType::kEvent, payload));
  NoteEventAt(event_at);
  CUSTODY_TRY(state_->catalog.Detach());
  CUSTODY_TRY(state_->copies.Detach());
  ContainerPageWriter<ContainerBuilder> pages(*builder);
  CUSTODY_TRY(state_->catalog.Flush(pages));
  CUSTODY_TRY(state_->copies.Flush(pages));
  CUSTODY_ASSIGN(uint64_t cp_at, builder->Append(format::RecordType::kCheckpoint, SignedCheckpoint(actor)));
  format::Superblock sb = NextSuperblock();
  sb.set_checkpoint_offset(cp_at);
  sb.set_sequence(container_->superblock().sequence() + 1);
  result.new_size = builder->offset();
  // 4. Atomic switch: until this rename the old vault is the vault.
  CUSTODY_TRY(builder->Finish(sb, /*replace=*/true));
  // 5. Wipe the old file's blocks through the descriptor we still hold.
  CUSTODY_TRY(container_->WipeWholeFile());
  return result;
}

}  // namespace custody::vault
