// Compacted: FORMAT.md §3.8 and §3.13, rule R55.
#include <map>

#include "format/constants.h"
#include "vault/ledger/events/events.h"
#include "vault/ledger/rules.h"

namespace custody::vault {

namespace {
using Relocations = std::map<std::string, const format::Relocation*>;  // by doc_id

// The same bytes at a new offset.
bool SameBytes(const format::Extent& moved, const format::Extent& old) {
  return moved.length() == old.length() && moved.chunk_size() == old.chunk_size() &&
         moved.chunk_count() == old.chunk_count() && moved.root_hash() == old.root_hash() &&
         moved.offset() >= format::kLogStart;
}

// A relocation may change offsets only: same bytes, same key, and every
// earlier version (v8) kept, in order.
bool RelocationKeepsDocument(const format::Relocation& r, const format::DocumentState& d) {
  if (d.destroyed() || !SameBytes(r.extent(), d.added().extent()) || r.key().hash() != d.key().hash() ||
      r.key().doc_id() != r.doc_id() || r.key().offset() < format::kLogStart ||
      r.earlier_size() != d.earlier_versions_size())
    return false;
  for (int i = 0; i < r.earlier_size(); ++i)
    if (r.earlier(i).version() != d.earlier_versions(i).version() ||
        !SameBytes(r.earlier(i).extent(), d.earlier_versions(i).extent()) ||
        r.earlier(i).key().hash() != d.earlier_versions(i).key().hash() ||
        r.earlier(i).key().doc_id() != r.doc_id() || r.earlier(i).key().offset() < format::kLogStart)
      return false;
  return true;
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
    *d.mutable_earlier_versions() = r->earlier();
  });
}

}  // namespace custody::vault
