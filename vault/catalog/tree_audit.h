// TreeAuditor: does a checkpoint's catalog tree (the documents', or the
// copies') hold exactly what the ledger says? (FORMAT.md §5.7, "Catalog
// trees".) One auditor per tree: BasicTreeAuditor<E> for the entries E.
//
// Audit replays every event from the genesis, so it knows every document's
// state at each checkpoint. Checking each tree in full would cost the whole
// catalog per checkpoint; instead a page that was part of the previous tree
// checked (same offset and hash) is known good for every key no event has
// changed since, and only the pages new in this tree are read and compared
// entry by entry. A writer's tree shares all but O(log n) pages with the one
// before, so auditing a vault costs its pages once, not once per checkpoint.
//
// Why that is enough: keys are strictly ordered across the whole tree (each
// page's keys lie between its parent's bounds), so no key is counted twice;
// every key a new page holds is checked against the replay, and every key a
// reused page holds was in the replay before and was not changed since
// (entries are never removed); the root's count equals the replay's. So
// the tree's keys are the replay's keys, and each entry equals the replay's.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "vault/catalog/catalog.h"

namespace custody::vault {

template <class E>
class BasicTreeAuditor {
 public:
  explicit BasicTreeAuditor(const PageReader& reader) : reader_(reader) {}

  // kCorrupt naming the first page or entry that differs. `expected` is the
  // replay's tree (held in memory), `changed` the keys it
  // changed since the last tree this auditor accepted, `levels` the vault's
  // level count. On success the tree becomes the one later checks reuse.
  Status Check(const format::CatalogRoot& root, const PagedTree<E>& expected,
               const std::set<std::string>& changed, size_t levels);

  // Header offsets of every page a checked tree reached (accepted or not).
  const std::set<uint64_t>& reached() const { return reached_; }

 private:
  struct Known {
    std::string hash;
    uint32_t height = 0;
    std::string first, last;  // smallest and largest key below it
    uint64_t count = 0;
    std::vector<uint64_t> children;
  };
  struct Walk {
    const PagedTree<E>& expected;
    const std::set<std::string>& changed;
    size_t levels;
    std::map<uint64_t, Known> fresh;  // pages new in this tree
    std::set<uint64_t> reused;        // tops of subtrees shared with the last tree
  };
  Result<Known> Visit(Walk& w, const format::CatalogChild& ref, uint32_t height, const std::string* upper);
  void Forget(uint64_t offset, const std::set<uint64_t>& keep);

  const PageReader& reader_;
  std::map<uint64_t, Known> valid_;  // every page of the last accepted tree
  uint64_t root_ = 0;                // its root's offset, 0 if none
  std::set<uint64_t> reached_;
};

using TreeAuditor = BasicTreeAuditor<DocumentEntries>;
using CopyTreeAuditor = BasicTreeAuditor<CopyEntries>;

}  // namespace custody::vault
