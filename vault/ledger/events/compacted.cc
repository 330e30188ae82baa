// Compacted: FORMAT.md §3.8 and §3.13, rule R55.
#include <map>

#include "format/constants.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
using Relocations = std::map<std::string, const format::Relocation*>;  // by doc_id

// A relocation may change offsets only: same bytes, same key.
bool RelocationKeepsDocument(const format::Relocation& r, const format::DocumentState& d) {
  const auto& old = d.added().extent();
  return !d.destroyed() && r.extent().length() == old.length() &&
         r.extent().chunk_size() == old.chunk_size() &&
         r.extent().chunk_count() == old.chunk_count() &&
         r.extent().root_hash() == old.root_hash() && r.key().hash() == d.key().hash() &&
         r.key().doc_id() == r.doc_id() && r.key().offset() >= format::kLogStart &&
         r.extent().offset() >= format::kLogStart;
}

// Every live document is relocated exactly once, and nothing else is.
// Fills `moved`.
Status CheckCompacted(const format::Event& e, const VaultState& s, Relocations& moved) {
  const auto& k = e.compacted();
  CUSTODY_TRY(RequireOfficer(e, s, "compaction"));
  if (k.previous_event_count() != s.event_count || k.previous_ledger_head() != s.ledger_head)
    return Broken(e, "compaction does not name the ledger it follows");
  for (const auto& r : k.relocated())
    if (!moved.emplace(r.doc_id(), &r).second)
      return Broken(e, "compaction relocates a document twice");
  size_t matched = 0;
  CUSTODY_TRY(s.catalog.ForEach([&](const format::DocumentState& d) -> Status {
    const std::string& reg = d.added().reg_no();
    auto r = moved.find(d.added().doc_id());
    if (d.destroyed()) {
      if (r != moved.end()) return Broken(e, "compaction relocates destroyed document " + reg);
      return {};
    }
    if (r == moved.end()) return Broken(e, "compaction drops live document " + reg);
    if (!RelocationKeepsDocument(*r->second, d)) return Broken(e, "compaction changes document " + reg);
    ++matched;
    return {};
  }));
  if (matched != moved.size()) return Broken(e, "compaction relocates an unknown document");
  return {};
}
}  // namespace

Status ApplyCompacted(const format::Event& e, const std::vector<std::string>&, VaultState& s) {
  Relocations moved;
  CUSTODY_TRY(CheckCompacted(e, s, moved));
  return s.catalog.ForEachMutable([&](format::DocumentState& d) {
    d.clear_old_keys();
    d.clear_erased_keys();  // overwritten records are not carried over
    if (d.destroyed()) {
      d.set_compacted_away(true);
      return;
    }
    const format::Relocation* r = moved.at(d.added().doc_id());
    *d.mutable_added()->mutable_extent() = r->extent();
    *d.mutable_key() = r->key();
  });
}

}  // namespace custody::vault
