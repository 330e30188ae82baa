// How an operation reaches the file: events sealed and signed under the
// ledger's rules, then one atomic commit, with the catalog pages it changed
// and a checkpoint naming their root. See format/FORMAT.md §3.4 "Commit",
// §3.9 "Checkpoints" and §3.16 "Catalog pages".
#include "crypto/hash.h"
#include "base/json.h"
#include "vault/client_memory.h"
#include "vault/ops/internal.h"
#include "vault/place/place.h"

namespace custody::vault {

Vault::WriteScope::~WriteScope() {
  if (committed_) return;
  vault_->poisoned_ = true;
  vault_->container_->Abandon();
}

namespace {

// The first text field (at any depth) of `m` that is not valid UTF-8, by
// name. A proto3 `string` holding other bytes serializes, but no reader
// parses it back: signed into the ledger, it would make the vault
// unreadable. Text comes from users (a purpose, a reason, a name).
std::optional<std::string> FirstNonUtf8Field(const google::protobuf::Message& m) {
  using google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->type() == FieldDescriptor::TYPE_STRING) {
        const std::string& v = f->is_repeated() ? r->GetRepeatedStringReference(m, f, i, nullptr)
                                                : r->GetStringReference(m, f, nullptr);
        if (!IsValidUtf8(v)) return f->name();
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const auto& sub = f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
        if (auto bad = FirstNonUtf8Field(sub)) return bad;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> Vault::SealEvent(format::Event ev,
                                     const std::vector<const Identity*>& signers) {
  if (auto bad = FirstNonUtf8Field(ev))
    return Fail(Code::kUsage, "the " + *bad + " given is not valid UTF-8 text; nothing was recorded");
  ev.set_sequence(state_->event_count);
  ev.set_prev_hash(state_->ledger_head);
  ev.set_vault_id(state_->vault_id);
  // A caller that derived a date from the time (a due date, R28a) sets
  // the time it used; every other event is stamped now.
  if (ev.time_unix() == 0) ev.set_time_unix(clock_->NowUnix());
  ev.set_actor_ed25519(SigningKeyOf(*signers[0]));
  // v7 (R188): where the event was made. A machine without a machine id
  // writes none (and can never act on a vault bound to hosts).
  if (auto host = ThisHost()) *ev.mutable_host() = *host;
  // R101: every v2 event names the authority state it is made under. An
  // Upgraded event starts the links of a v1 ledger.
  if (state_->linked || ev.kind_case() == format::Event::kUpgraded) {
    ev.set_authority_seq(state_->authority.size());
    ev.set_authority_head(state_->AuthorityHead());
  }
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  std::vector<std::string> keys;
  for (const Identity* id : signers) {
    auto* sig = se.add_signatures();
    sig->set_signer_ed25519(SigningKeyOf(*id));
    sig->set_signature(id->Sign(se.body()));
    keys.push_back(sig->signer_ed25519());
  }
  // The writer obeys the same rules an auditor checks.
  CUSTODY_TRY(state_->Apply(ev, keys));
  std::string payload = se.SerializeAsString();
  NoteEventApplied(ev, payload, /*offset=*/0, *state_);  // offset: see NoteEventAt
  return payload;
}

void Vault::NoteEventAt(uint64_t offset) {
  head_offset_ = offset;
  // SealEvent did not know where the event would land.
  if (!state_->authority.empty() && state_->authority.back().offset() == 0)
    state_->authority.back().set_offset(offset);
}

Status Vault::AppendEvent(format::Event event, const std::vector<const Identity*>& signers) {
  CUSTODY_ASSIGN(std::string payload, SealEvent(std::move(event), signers));
  CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kEvent, payload));
  NoteEventAt(at);
  return {};
}

std::string Vault::SignedCheckpoint(const Identity& actor) const {
  format::SignedCheckpoint scp;
  scp.set_body(state_->ToCheckpoint(head_offset_).SerializeAsString());
  scp.mutable_signature()->set_signer_ed25519(SigningKeyOf(actor));
  scp.mutable_signature()->set_signature(actor.Sign(scp.body()));
  return scp.SerializeAsString();
}

format::Superblock Vault::NextSuperblock() const {
  format::Superblock sb;
  sb.set_vault_id(state_->vault_id);
  sb.set_ledger_head(state_->ledger_head);
  sb.set_event_count(state_->event_count);
  sb.set_label(state_->label);
  for (const auto& l : state_->level_names) sb.add_level_names(l);
  sb.set_highest_level_held(state_->HighestLevelHeld());
  sb.set_checkpoint_offset(checkpoint_offset_);
  return sb;
}

Status Vault::CommitAll(const Identity& actor, WriteScope& scope, CheckpointPolicy policy, bool durable_memory) {
  // Opens outside the bindings this client kept (R186) go in with the next
  // write it makes.
  if (!notes_appended_) CUSTODY_TRY(AppendOutsideNotes(actor));
  format::Superblock sb = NextSuperblock();
  // A checkpoint costs O(log n) pages per changed document, so every commit
  // writes one unless told not to (Destroy): opening then replays nothing.
  const bool checkpoint = policy != CheckpointPolicy::kNever;
  if (checkpoint) {
    state_->catalog.UseReader(pages_.get(), state_->level_names.size());
    state_->copies.UseReader(pages_.get(), state_->level_names.size());
    ContainerPageWriter<Container> writer(*container_);
    CUSTODY_TRY(state_->catalog.Flush(writer));
    // v5: the copies as a tree too (FORMAT.md §3.16 "The copy tree"): the
    // pages on the paths of the copies this commit changed, or, the first
    // time (a vault 0.4.0 wrote, or a new one), the whole tree.
    CUSTODY_TRY(state_->copies.Flush(writer));
    CUSTODY_ASSIGN(uint64_t at, container_->Append(format::RecordType::kCheckpoint,
                                                   SignedCheckpoint(actor)));
    sb.set_checkpoint_offset(at);
  }
  CUSTODY_TRY(container_->Commit(sb));
  checkpoint_offset_ = sb.checkpoint_offset();
  if (checkpoint) checkpoint_events_ = state_->event_count;
  scope.Committed();
  Remember(durable_memory);
  notes_appended_ = false;
  if (notes_to_drop_ != 0 && memory_for_notes_ != nullptr) {
    if (auto dropped = memory_for_notes_->DropOutsideNotes(state_->vault_id, notes_to_drop_); !dropped)
      warnings_.push_back("recorded opens outside the bindings are still kept: " + dropped.error().message);
  }
  notes_to_drop_ = 0;
  return {};
}

}  // namespace custody::vault
