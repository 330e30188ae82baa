#include "vault/ledger/checkpoint.h"

#include <utility>

#include "format/constants.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
void AddInline(const Catalog& catalog, format::Checkpoint& cp) {
  // In memory (the callers hold the whole catalog): cannot fail.
  (void)catalog.ForEach([&](const format::DocumentState& d) -> Status {
    *cp.add_documents() = d;
    return {};
  });
}
void AddInlineCopies(const CopyCatalog& copies, format::Checkpoint& cp) {
  // In memory, likewise.
  (void)copies.ForEach([&](const format::CopyState& c) -> Status {
    *cp.add_copies() = c;
    return {};
  });
}
}  // namespace

format::Checkpoint VaultState::ToCheckpoint(uint64_t head_offset, bool inline_catalog) const {
  format::Checkpoint cp;
  cp.set_event_count(event_count);
  cp.set_ledger_head(ledger_head);
  cp.set_vault_id(vault_id);
  if (linked) {
    // v2: the catalog and where the authority events are; no authority.
    if (inline_catalog) {
      AddInline(catalog, cp);
    } else {
      if (catalog.root()) *cp.mutable_catalog() = *catalog.root();
      for (uint64_t n : live_documents) cp.add_live_documents(n);
    }
    for (uint64_t c : reg_counters) cp.add_reg_counters(c);
    cp.set_reg_year(reg_year);
    for (const auto& a : authority) *cp.add_authority() = a;
    cp.set_head_offset(head_offset);
    // The copy tree once flushed (a writer flushes before it signs);
    // before that, in memory: inline, as 0.4.0 wrote them.
    if (copies.root())
      *cp.mutable_copy_catalog() = *copies.root();
    else
      AddInlineCopies(copies, cp);
    return cp;
  }
  cp.set_label(label);
  for (const auto& n : level_names) cp.add_level_names(n);
  for (const auto& [k, m] : members) *cp.add_members() = m;
  for (const auto& [k, s] : slots) *cp.add_slots() = s;
  for (uint32_t ep : epochs) cp.add_levels()->set_epoch(ep);
  AddInline(catalog, cp);
  for (uint64_t c : reg_counters) cp.add_reg_counters(c);
  cp.set_reg_year(reg_year);
  AddInlineCopies(copies, cp);
  return cp;
}

namespace {
// R172: the copies a checkpoint lists inline (as 0.4.0 wrote them), each
// once, with the values a reader indexes by in range; the next commit
// writes them as a tree.
Status AdoptInlineCopies(format::Checkpoint& cp, VaultState& s) {
  for (auto& c : *cp.mutable_copies()) {
    CUSTODY_TRY(CheckCopyBounds(c, "checkpoint's copy entry"));
    const std::string key = CopyKey(c.issued().reg_no(), c.issued().copy_no());
    CUSTODY_ASSIGN(const format::CopyState* same, s.copies.Find(key));
    if (same != nullptr)
      return Fail(Code::kCorrupt, "checkpoint lists copy " + c.issued().reg_no() + "/" +
                                      std::to_string(c.issued().copy_no()) + " twice");
    s.copies.Insert(std::move(c));
  }
  return {};
}
}  // namespace

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
  s.live_documents.assign(s.level_names.size(), 0);
  // Moved, not copied: with 100,000 documents the copies dominate opening.
  for (auto& d : *cp.mutable_documents()) {
    if (!d.destroyed() && d.added().level() < s.live_documents.size()) ++s.live_documents[d.added().level()];
    s.catalog.Insert(std::move(d));
  }
  s.reg_counters.assign(cp.reg_counters().begin(), cp.reg_counters().end());
  s.reg_year = cp.reg_year();
  if (cp.has_copy_catalog()) return Fail(Code::kCorrupt, "a format v1 checkpoint names a copy tree");
  CUSTODY_TRY(AdoptInlineCopies(cp, s));
  return s;
}

Status AdoptCatalog(format::Checkpoint&& cp, const PageReader* pages, VaultState& s) {
  if (!cp.label().empty() || cp.level_names_size() != 0 || cp.members_size() != 0 ||
      cp.slots_size() != 0 || cp.levels_size() != 0)
    return Fail(Code::kCorrupt, "a format v2 checkpoint carries roster, key slots or levels "
                                "(authority comes only from signed events)");
  const size_t levels = s.level_names.size();
  if (cp.reg_counters_size() != static_cast<int>(levels))
    return Fail(Code::kCorrupt, "checkpoint fields out of range");
  s.catalog = Catalog();
  s.catalog.UseReader(pages, levels);
  s.live_documents.assign(levels, 0);
  if (cp.has_catalog()) {
    // §3.16: the tree's pages are checked as they are read; here the root.
    const auto& root = cp.catalog();
    if (cp.documents_size() != 0 || root.height() > kMaxTreeHeight || root.hash().size() != 32 ||
        root.offset() < format::kLogStart || root.count() > (uint64_t{1} << 48) ||
        cp.live_documents_size() != static_cast<int>(levels))
      return Fail(Code::kCorrupt, "checkpoint's catalog root out of range");
    for (int l = 0; l < cp.live_documents_size(); ++l) {
      if (cp.live_documents(l) > root.count())
        return Fail(Code::kCorrupt, "checkpoint's catalog root out of range");
      s.live_documents[l] = cp.live_documents(l);
    }
    s.catalog.Attach(pages, root, levels);
  } else {
    // As 0.2.0 wrote it: every document inline (the next commit writes a tree).
    if (cp.live_documents_size() != 0) return Fail(Code::kCorrupt, "checkpoint fields out of range");
    for (auto& d : *cp.mutable_documents()) {
      CUSTODY_TRY(CheckDocumentBounds(d, levels, "checkpoint entry"));
      CUSTODY_ASSIGN(const format::DocumentState* same, s.catalog.Find(d.added().reg_no()));
      if (same != nullptr || s.catalog.HoldsDocId(d.added().doc_id()))
        return Fail(Code::kCorrupt, "checkpoint lists document " + d.added().reg_no() + " twice");
      if (!d.destroyed()) ++s.live_documents[d.added().level()];
      s.catalog.Insert(std::move(d));
    }
  }
  s.reg_counters.assign(cp.reg_counters().begin(), cp.reg_counters().end());
  s.reg_year = cp.reg_year();
  s.copies = CopyCatalog();
  s.copies.UseReader(pages, levels);
  if (cp.has_copy_catalog()) {
    // §3.16 "The copy tree", R177: pages checked as they are read; here the
    // root's own bounds. Only beside a document tree, and never together
    // with copies inline (which would be two answers to one question).
    const auto& root = cp.copy_catalog();
    if (!cp.has_catalog() || cp.copies_size() != 0 || root.height() > kMaxTreeHeight ||
        root.hash().size() != 32 || root.offset() < format::kLogStart || root.count() > (uint64_t{1} << 48))
      return Fail(Code::kCorrupt, "checkpoint's copy tree root out of range");
    s.copies.Attach(pages, root, levels);
    return {};
  }
  return AdoptInlineCopies(cp, s);
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
