#include "vault/ledger/checkpoint.h"

#include <utility>

#include "format/constants.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

format::Checkpoint VaultState::ToCheckpoint(uint64_t head_offset) const {
  format::Checkpoint cp;
  cp.set_event_count(event_count);
  cp.set_ledger_head(ledger_head);
  cp.set_vault_id(vault_id);
  if (linked) {
    // v2: the catalog and where the authority events are; no authority.
    for (const auto& [k, d] : documents) *cp.add_documents() = d;
    for (uint64_t c : reg_counters) cp.add_reg_counters(c);
    cp.set_reg_year(reg_year);
    for (const auto& a : authority) *cp.add_authority() = a;
    cp.set_head_offset(head_offset);
    return cp;
  }
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

namespace {
constexpr size_t kMaxRegNoBytes = 64;

// R150: every value of a catalog entry that a reader indexes or loops by.
Status CheckDocumentBounds(const format::DocumentState& d, size_t levels) {
  const auto& a = d.added();
  const auto bad = [&](const std::string& what) {
    return Fail(Code::kCorrupt, "checkpoint entry " + a.reg_no().substr(0, kMaxRegNoBytes) +
                                    ": " + what + " out of range");
  };
  if (a.level() >= levels) return bad("level");
  if (a.doc_id().size() != 16) return bad("document id");
  if (a.reg_no().empty() || a.reg_no().size() > kMaxRegNoBytes) return bad("registration number");
  if (d.key().hash().size() != 32 || d.key().doc_id() != a.doc_id() ||
      d.key().offset() < format::kLogStart)
    return bad("key reference");
  for (const auto& old : d.old_keys())
    if (old.offset() < format::kLogStart || old.hash().size() != 32) return bad("old key reference");
  const auto& e = a.extent();
  if (e.offset() < format::kLogStart + format::kRecordHeaderSize || e.length() > (uint64_t{1} << 44) ||
      e.chunk_size() == 0 || e.chunk_size() > (16u << 20) || e.chunk_count() > e.length() / 40 + 1 ||
      e.root_hash().size() != 32)
    return bad("extent");
  if (d.extract_count() > (uint64_t{1} << 40)) return bad("extract count");
  return {};
}
}  // namespace

Status AdoptCatalog(format::Checkpoint&& cp, VaultState& s) {
  if (!cp.label().empty() || cp.level_names_size() != 0 || cp.members_size() != 0 ||
      cp.slots_size() != 0 || cp.levels_size() != 0)
    return Fail(Code::kCorrupt, "a format v2 checkpoint carries roster, key slots or levels "
                                "(authority comes only from signed events)");
  const size_t levels = s.level_names.size();
  if (cp.reg_counters_size() != static_cast<int>(levels))
    return Fail(Code::kCorrupt, "checkpoint fields out of range");
  s.documents.clear();
  s.reg_by_doc_id.clear();
  for (auto& d : *cp.mutable_documents()) {
    CUSTODY_TRY(CheckDocumentBounds(d, levels));
    std::string reg = d.added().reg_no();
    if (!s.reg_by_doc_id.emplace(d.added().doc_id(), reg).second || s.documents.count(reg))
      return Fail(Code::kCorrupt, "checkpoint lists document " + reg + " twice");
    s.documents.emplace(std::move(reg), std::move(d));
  }
  s.reg_counters.assign(cp.reg_counters().begin(), cp.reg_counters().end());
  s.reg_year = cp.reg_year();
  return {};
}

Result<format::Checkpoint> VerifyCheckpoint(const std::string& payload, const VaultState& roster) {
  format::SignedCheckpoint scp;
  format::Checkpoint cp;
  if (!scp.ParseFromString(payload) || !cp.ParseFromString(scp.body()))
    return Fail(Code::kCorrupt, "checkpoint does not parse");
  const std::string& key = scp.signature().signer_ed25519();
  if (!IsLiveMember(roster, key) || key.size() != 32)
    return Fail(Code::kCorrupt, "checkpoint signed by an identity not in the roster");
  if (!SignatureVerifies(key, scp.body(), scp.signature().signature()))
    return Fail(Code::kCorrupt, "checkpoint signature is invalid");
  return cp;
}

}  // namespace custody::vault
