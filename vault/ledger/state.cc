#include "vault/ledger/state.h"

#include <set>

#include "crypto/signing.h"
#include "format/constants.h"

namespace custody::vault {

namespace {
Status Broken(const format::Event& e, const std::string& why) {
  return Fail(Code::kCorrupt, "ledger event " + std::to_string(e.sequence()) + " breaks the rules: " + why);
}

bool IsLiveMember(const VaultState& s, const std::string& key) {
  auto* m = s.FindMember(key);
  return m != nullptr && !m->revoked();
}

bool IsOfficer(const VaultState& s, const std::string& key) {
  auto* m = s.FindMember(key);
  return m != nullptr && !m->revoked() && m->role() == format::ROLE_OFFICER;
}

Status CheckSlots(const format::Event& e, const VaultState& s,
                  const google::protobuf::RepeatedPtrField<format::KeySlot>& slots,
                  const std::vector<uint32_t>& epochs) {
  for (const auto& slot : slots) {
    if (slot.level() >= s.level_names.size()) return Broken(e, "key slot for an unknown level");
    if (slot.epoch() != epochs[slot.level()]) return Broken(e, "key slot for a stale epoch");
    if (slot.sealed_key().size() != 80) return Broken(e, "key slot has the wrong size");
  }
  return {};
}
}  // namespace

Result<VerifiedEvent> VerifySignedEvent(const std::string& payload, const VaultState& state) {
  format::SignedEvent se;
  VerifiedEvent out;
  format::Event& ev = out.event;
  if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body()))
    return Fail(Code::kCorrupt, "event does not parse");
  if (ev.sequence() != state.event_count)
    return Fail(Code::kCorrupt, "event has sequence " + std::to_string(ev.sequence()) +
                                    ", expected " + std::to_string(state.event_count) +
                                    " (events removed, replayed or reordered)");
  if (ev.prev_hash() != state.ledger_head)
    return Fail(Code::kCorrupt, "event does not chain to the previous one");
  if (state.event_count > 0 && ev.vault_id() != state.vault_id)
    return Fail(Code::kCorrupt, "event belongs to another vault");
  for (const auto& sig : se.signatures()) {
    const std::string& key = sig.signer_ed25519();
    bool known = state.FindMember(key) != nullptr;
    if (!known && state.event_count == 0 && ev.kind_case() == format::Event::kVaultCreated)
      known = ev.vault_created().creator().keys().ed25519() == key;
    if (!known || key.size() != 32)
      return Fail(Code::kCorrupt, "event signed by an identity not in the roster");
    crypto::Ed25519Public pub{};
    std::copy(key.begin(), key.end(), pub.begin());
    if (!crypto::Verify(pub, se.body(), sig.signature()))
      return Fail(Code::kCorrupt, "event signature is invalid");
    out.signers.push_back(key);
  }
  return out;
}

const char* RoleName(format::Role role) {
  switch (role) {
    case format::ROLE_OFFICER: return "officer";
    case format::ROLE_STAFF: return "staff";
    case format::ROLE_AUDITOR: return "auditor";
    default: return "unknown";
  }
}

const format::Member* VaultState::FindMember(const std::string& key) const {
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

const format::DocumentState* VaultState::FindDocument(const std::string& reg_no) const {
  auto it = documents.find(reg_no);
  return it == documents.end() ? nullptr : &it->second;
}

const format::KeySlot* FindSlot(const VaultState& s, const std::string& member, uint32_t level) {
  auto it = s.slots.find({member, level});
  return it == s.slots.end() ? nullptr : &it->second;
}

int VaultState::HighestLevelHeld() const {
  int highest = -1;
  for (const auto& [reg, d] : documents)
    if (!d.destroyed()) highest = std::max(highest, static_cast<int>(d.added().level()));
  return highest;
}

Status VaultState::Apply(const format::Event& e, const std::vector<std::string>& signers) {
  if (signers.empty() || signers[0] != e.actor_ed25519()) return Broken(e, "not signed by its actor");
  if (e.sequence() != event_count) return Broken(e, "out of sequence");
  if (event_count > 0) {
    for (const auto& s : signers)
      if (!IsLiveMember(*this, s)) return Broken(e, "signed by a revoked or unknown identity");
  }
  const std::string& actor = e.actor_ed25519();

  switch (e.kind_case()) {
    case format::Event::kVaultCreated: {
      const auto& vc = e.vault_created();
      if (event_count != 0) return Broken(e, "vault created twice");
      if (vc.vault_id().size() != 16 || vc.level_names().empty() || vc.level_names().size() > 16)
        return Broken(e, "bad vault header");
      if (vc.creator().keys().ed25519() != actor) return Broken(e, "creator is not the actor");
      if (e.vault_id() != vc.vault_id()) return Broken(e, "vault id differs from the event's");
      if (static_cast<size_t>(vc.slots_size()) != static_cast<size_t>(vc.level_names_size()))
        return Broken(e, "the creator must hold one slot per level");
      for (int i = 0; i < vc.slots_size(); ++i)
        if (vc.slots(i).member_ed25519() != actor || vc.slots(i).level() != static_cast<uint32_t>(i))
          return Broken(e, "creator slots out of order or for someone else");
      vault_id = vc.vault_id();
      label = vc.label();
      level_names.assign(vc.level_names().begin(), vc.level_names().end());
      epochs.assign(level_names.size(), 0);
      reg_counters.assign(level_names.size(), 0);
      format::Member creator = vc.creator();
      creator.set_role(format::ROLE_OFFICER);
      creator.set_clearance(static_cast<int32_t>(level_names.size()) - 1);
      CUSTODY_TRY(CheckSlots(e, *this, vc.slots(), epochs));
      members[actor] = creator;
      for (const auto& slot : vc.slots()) slots[{slot.member_ed25519(), slot.level()}] = slot;
      break;
    }
    case format::Event::kGranted: {
      if (!IsOfficer(*this, actor)) return Broken(e, "grant by someone who is not an officer");
      const auto& g = e.granted();
      const std::string& who = g.member().keys().ed25519();
      if (who.size() != 32 || g.member().keys().x25519().size() != 32)
        return Broken(e, "grant to a malformed identity");
      if (g.member().clearance() >= static_cast<int32_t>(level_names.size()) ||
          g.member().clearance() < -1)
        return Broken(e, "grant of an unknown level");
      if (g.member().role() != format::ROLE_STAFF && g.member().role() != format::ROLE_OFFICER &&
          g.member().role() != format::ROLE_AUDITOR)
        return Broken(e, "grant of an unknown role");
      if ((g.member().role() == format::ROLE_AUDITOR) != (g.member().clearance() == -1))
        return Broken(e, "auditors, and only auditors, hold no clearance");
      if (g.member().revoked()) return Broken(e, "grant of a revoked membership");
      if (g.member().clearance() > FindMember(actor)->clearance())
        return Broken(e, "grant above the officer's own clearance");
      if (g.slots_size() != g.member().clearance() + 1)
        return Broken(e, "grant must carry one slot per level up to the clearance");
      for (int i = 0; i < g.slots_size(); ++i)
        if (g.slots(i).level() != static_cast<uint32_t>(i))
          return Broken(e, "grant slots out of order");
      auto* existing = FindMember(who);
      if (existing && !existing->revoked() && existing->clearance() > g.member().clearance())
        return Broken(e, "grant lowers a clearance (a revoke must come first)");
      CUSTODY_TRY(CheckSlots(e, *this, g.slots(), epochs));
      for (const auto& slot : g.slots()) {
        if (slot.member_ed25519() != who) return Broken(e, "grant carries another member's slot");
        if (static_cast<int32_t>(slot.level()) > g.member().clearance())
          return Broken(e, "grant carries a slot above the clearance");
      }
      members[who] = g.member();
      for (const auto& slot : g.slots()) slots[{who, slot.level()}] = slot;
      break;
    }
    case format::Event::kRevoked: {
      if (!IsOfficer(*this, actor)) return Broken(e, "revoke by someone who is not an officer");
      const auto& r = e.revoked();
      auto it = members.find(r.member_ed25519());
      if (it == members.end() || it->second.revoked()) return Broken(e, "revoke of a non-member");
      if (r.member_ed25519() == actor) return Broken(e, "an officer revoking themselves");
      // Exactly the levels the member could read are rotated, each once.
      if (r.rotated_levels_size() != it->second.clearance() + 1)
        return Broken(e, "revoke must rotate every level the member held");
      std::vector<uint32_t> new_epochs = epochs;
      for (int i = 0; i < r.rotated_levels_size(); ++i) {
        if (r.rotated_levels(i) != static_cast<uint32_t>(i))
          return Broken(e, "rotated levels out of order");
        ++new_epochs[i];
      }
      CUSTODY_TRY(CheckSlots(e, *this, r.slots(), new_epochs));
      // Every remaining member cleared for a rotated level gets its new key.
      std::set<std::pair<std::string, uint32_t>> given;
      for (const auto& slot : r.slots()) {
        auto* holder = FindMember(slot.member_ed25519());
        if (!holder || holder->revoked() || slot.member_ed25519() == r.member_ed25519() ||
            holder->clearance() < static_cast<int32_t>(slot.level()) ||
            !given.insert({slot.member_ed25519(), slot.level()}).second)
          return Broken(e, "revoke carries a slot for someone not entitled to it");
      }
      for (const auto& [key, m] : members) {
        if (m.revoked() || key == r.member_ed25519()) continue;
        for (int level = 0; level < r.rotated_levels_size() && level <= m.clearance(); ++level)
          if (!given.count({key, static_cast<uint32_t>(level)}))
            return Broken(e, "revoke leaves " + m.keys().name() + " without the new key");
      }
      // Validate the re-wraps before changing anything.
      std::map<std::string, const format::KeyRef*> rewrap;
      for (const auto& ref : r.rewrapped()) {
        auto reg = reg_by_doc_id.find(ref.doc_id());
        if (reg == reg_by_doc_id.end() || ref.hash().size() != 32 || rewrap.count(ref.doc_id()) ||
            ref.offset() < format::kLogStart)
          return Broken(e, "re-wrap of an unknown document");
        rewrap[ref.doc_id()] = &ref;
      }
      for (const auto& [reg, d] : documents) {
        bool rotated = static_cast<int>(d.added().level()) < r.rotated_levels_size();
        bool found = rewrap.count(d.added().doc_id()) > 0;
        if (rotated && !d.destroyed() && !found)
          return Broken(e, "revoke left document " + reg + " under a retired key");
        if (found && (!rotated || d.destroyed()))
          return Broken(e, "revoke re-wraps document " + reg + " needlessly");
      }
      it->second.set_revoked(true);
      epochs = new_epochs;
      // Every slot of the revoked member goes; rotated levels get new slots.
      for (auto s = slots.begin(); s != slots.end();) {
        bool rotated = false;
        for (uint32_t level : r.rotated_levels()) rotated |= s->first.second == level;
        if (s->first.first == r.member_ed25519() || rotated) s = slots.erase(s);
        else ++s;
      }
      for (const auto& slot : r.slots()) slots[{slot.member_ed25519(), slot.level()}] = slot;
      for (auto& [reg, d] : documents) {
        auto found = rewrap.find(d.added().doc_id());
        if (found == rewrap.end()) continue;
        *d.add_old_keys() = d.key();
        *d.mutable_key() = *found->second;
      }
      break;
    }
    case format::Event::kDocumentAdded: {
      const auto& a = e.document_added();
      auto* m = FindMember(actor);
      if (!m || m->revoked()) return Broken(e, "document added by a non-member");
      if (a.level() >= level_names.size()) return Broken(e, "document at an unknown level");
      if (static_cast<int32_t>(a.level()) > m->clearance())
        return Broken(e, "document added above the actor's clearance");
      if (a.doc_id().size() != 16 || a.reg_no().empty() || documents.count(a.reg_no()) ||
          reg_by_doc_id.count(a.doc_id()))
        return Broken(e, "duplicate or malformed document " + a.reg_no());
      if (a.key().hash().size() != 32 || a.extent().root_hash().size() != 32 ||
          a.key().doc_id() != a.doc_id() || a.key().offset() < format::kLogStart ||
          a.version() != 1)
        return Broken(e, "document without a valid key reference or extent hash");
      const auto& x = a.extent();
      if (x.chunk_size() == 0 || x.chunk_size() > format::kMaxChunkSize || x.chunk_count() == 0 ||
          x.offset() < format::kLogStart || x.chunk_count() > x.length() / format::kChunkOverhead)
        return Broken(e, "document extent geometry out of range");
      format::DocumentState d;
      *d.mutable_added() = a;
      *d.mutable_key() = a.key();
      d.set_added_by(actor);
      documents[a.reg_no()] = d;
      reg_by_doc_id[a.doc_id()] = a.reg_no();
      ++reg_counters[a.level()];
      break;
    }
    case format::Event::kDocumentExtracted: {
      const auto& x = e.document_extracted();
      auto it = documents.find(x.reg_no());
      if (it == documents.end() || it->second.added().doc_id() != x.doc_id())
        return Broken(e, "extract of an unknown document");
      auto* m = FindMember(actor);
      if (!m || m->revoked() ||
          m->clearance() < static_cast<int32_t>(it->second.added().level()))
        return Broken(e, "extract by someone not cleared");
      if (it->second.destroyed()) return Broken(e, "extract of a destroyed document");
      it->second.set_extract_count(it->second.extract_count() + 1);
      break;
    }
    case format::Event::kDocumentDestroyed: {
      const auto& d = e.document_destroyed();
      if (!IsOfficer(*this, actor)) return Broken(e, "destroy by someone who is not an officer");
      if (signers.size() < 2 || signers[1] != d.witness_ed25519() || signers[1] == actor ||
          !IsLiveMember(*this, signers[1]))
        return Broken(e, "destroy without a distinct witness from the roster");
      auto it = documents.find(d.reg_no());
      if (it == documents.end() || it->second.added().doc_id() != d.doc_id())
        return Broken(e, "destroy of an unknown document");
      if (it->second.destroyed()) return Broken(e, "document destroyed twice");
      it->second.set_destroyed(true);
      it->second.set_destroyed_unix(e.time_unix());
      it->second.set_destroyed_by(actor);
      break;
    }
    case format::Event::kCompacted: {
      const auto& k = e.compacted();
      if (!IsOfficer(*this, actor)) return Broken(e, "compaction by someone who is not an officer");
      if (k.previous_event_count() != event_count || k.previous_ledger_head() != ledger_head)
        return Broken(e, "compaction does not name the ledger it follows");
      std::map<std::string, const format::Relocation*> moved;
      for (const auto& r : k.relocated()) {
        auto reg = reg_by_doc_id.find(r.doc_id());
        if (reg == reg_by_doc_id.end() || moved.count(r.doc_id()))
          return Broken(e, "compaction relocates an unknown document twice or at all");
        const auto& d = documents[reg->second];
        const auto& old = d.added().extent();
        if (d.destroyed() || r.extent().length() != old.length() ||
            r.extent().chunk_size() != old.chunk_size() ||
            r.extent().chunk_count() != old.chunk_count() ||
            r.extent().root_hash() != old.root_hash() || r.key().hash() != d.key().hash() ||
            r.key().doc_id() != r.doc_id() || r.key().offset() < format::kLogStart ||
            r.extent().offset() < format::kLogStart)
          return Broken(e, "compaction changes document " + reg->second);
        moved[r.doc_id()] = &r;
      }
      for (const auto& [reg, d] : documents)
        if (!d.destroyed() && !moved.count(d.added().doc_id()))
          return Broken(e, "compaction drops live document " + reg);
      for (auto& [reg, d] : documents) {
        if (d.destroyed()) {
          d.set_compacted_away(true);
          d.clear_old_keys();
          continue;
        }
        const auto* r = moved[d.added().doc_id()];
        *d.mutable_added()->mutable_extent() = r->extent();
        *d.mutable_key() = r->key();
        d.clear_old_keys();
      }
      break;
    }
    default:
      return Broken(e, "unknown event kind");
  }
  ++event_count;
  return {};
}

format::Checkpoint VaultState::ToCheckpoint() const {
  format::Checkpoint cp;
  cp.set_event_count(event_count);
  cp.set_ledger_head(ledger_head);
  cp.set_vault_id(vault_id);
  cp.set_label(label);
  for (const auto& n : level_names) cp.add_level_names(n);
  for (const auto& [k, m] : members) *cp.add_members() = m;
  for (const auto& [k, s] : slots) *cp.add_slots() = s;
  for (uint32_t ep : epochs) cp.add_levels()->set_epoch(ep);
  for (const auto& [k, d] : documents) *cp.add_documents() = d;
  for (uint64_t c : reg_counters) cp.add_reg_counters(c);
  cp.set_reg_year(reg_year);
  return cp;
}

Result<VaultState> VaultState::FromCheckpoint(format::Checkpoint&& cp) {
  VaultState s;
  if (cp.vault_id().size() != 16 || cp.ledger_head().size() != 32 || cp.level_names().empty() ||
      cp.levels_size() != cp.level_names_size() || cp.reg_counters_size() != cp.level_names_size())
    return Fail(Code::kCorrupt, "checkpoint fields out of range");
  s.event_count = cp.event_count();
  s.ledger_head = cp.ledger_head();
  s.vault_id = cp.vault_id();
  s.label = cp.label();
  s.level_names.assign(cp.level_names().begin(), cp.level_names().end());
  for (const auto& m : cp.members()) s.members[m.keys().ed25519()] = m;
  for (const auto& sl : cp.slots()) s.slots[{sl.member_ed25519(), sl.level()}] = sl;
  for (const auto& l : cp.levels()) s.epochs.push_back(l.epoch());
  // Moved, not copied: with 100,000 documents the copies dominate opening.
  for (auto& d : *cp.mutable_documents()) {
    std::string reg = d.added().reg_no();
    s.reg_by_doc_id.emplace(d.added().doc_id(), reg);
    s.documents.emplace(std::move(reg), std::move(d));
  }
  s.reg_counters.assign(cp.reg_counters().begin(), cp.reg_counters().end());
  s.reg_year = cp.reg_year();
  return s;
}

Status CheckOuterMarking(const format::Superblock& sb, const VaultState& state) {
  bool levels_match = static_cast<size_t>(sb.level_names_size()) == state.level_names.size();
  for (size_t i = 0; levels_match && i < state.level_names.size(); ++i)
    levels_match = sb.level_names(static_cast<int>(i)) == state.level_names[i];
  if (sb.vault_id() != state.vault_id || sb.label() != state.label || !levels_match)
    return Fail(Code::kCorrupt, "the outer marking (vault id, label or levels) differs from the "
                                "signed ledger");
  if (sb.highest_level_held() != state.HighestLevelHeld())
    return Fail(Code::kCorrupt, "the outer marking names the wrong highest level held");
  return {};
}

}  // namespace custody::vault
