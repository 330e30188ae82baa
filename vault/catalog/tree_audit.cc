#include "vault/catalog/tree_audit.h"

#include <google/protobuf/util/message_differencer.h>

namespace custody::vault {

namespace {
std::unexpected<Error> TreeFail(uint64_t offset, const std::string& what) {
  return Fail(Code::kCorrupt, "catalog page at " + std::to_string(offset) + ": " + what);
}

// Equal serializations are equal messages, so only entries whose bytes
// differ pay for the (reflective, several times slower) field-by-field
// comparison, which decides; audit compares a million entries at 1M.
bool SameEntry(const format::DocumentState& a, const format::DocumentState& b) {
  return a.SerializeAsString() == b.SerializeAsString() ||
         google::protobuf::util::MessageDifferencer::Equals(a, b);
}
}  // namespace

Result<TreeAuditor::Known> TreeAuditor::Visit(Walk& w, const format::CatalogChild& ref, uint32_t height,
                                              const std::string* upper) {
  const uint64_t at = ref.offset();
  reached_.insert(at);
  if (auto known = valid_.find(at); known != valid_.end() && known->second.hash == ref.hash()) {
    const Known& k = known->second;
    if (k.height != height || k.count != ref.count() ||
        (!ref.first_key().empty() && k.first != ref.first_key()) ||
        (upper != nullptr && k.count > 0 && !(k.last < *upper)))
      return TreeFail(at, "is shared with the previous tree but not where its keys belong");
    // A shared page is good for every key no event changed since.
    if (k.count > 0) {
      auto c = w.changed.lower_bound(k.first);
      if (c != w.changed.end() && *c <= k.last)
        return TreeFail(at, "is stale: document " + *c + " changed since it was written");
    }
    w.reused.insert(at);
    return k;
  }
  if (w.fresh.count(at)) return TreeFail(at, "is reached twice");
  CUSTODY_ASSIGN(auto page, ReadCheckedPage(reader_, ref, height, upper, w.levels));
  Known k;
  k.hash = ref.hash();
  k.height = height;
  k.count = ref.count();
  if (height == 0) {
    for (const auto& d : page.entries()) {
      const std::string& reg = d.added().reg_no();
      CUSTODY_ASSIGN(const format::DocumentState* want, w.expected.Find(reg));
      if (want == nullptr)
        return TreeFail(at, "lists document " + reg + ", which the ledger never registered");
      if (!SameEntry(d, *want))
        return TreeFail(at, "document " + reg + " differs from the state replayed from the ledger");
    }
    if (page.entries_size() > 0) {
      k.first = page.entries(0).added().reg_no();
      k.last = page.entries(page.entries_size() - 1).added().reg_no();
    }
  } else {
    const auto& cs = page.children();
    for (int i = 0; i < cs.size(); ++i) {
      CUSTODY_ASSIGN(Known child, Visit(w, cs[i], height - 1, i + 1 < cs.size() ? &cs[i + 1].first_key() : upper));
      if (i == 0) k.first = child.first;
      k.last = child.last;
      k.children.push_back(cs[i].offset());
    }
  }
  w.fresh[at] = k;
  return k;
}

// Drops the pages of the last tree below `offset`, except the subtrees the
// new tree shares.
void TreeAuditor::Forget(uint64_t offset, const std::set<uint64_t>& keep) {
  if (keep.count(offset)) return;
  auto it = valid_.find(offset);
  if (it == valid_.end()) return;
  const std::vector<uint64_t> children = std::move(it->second.children);
  valid_.erase(it);
  for (uint64_t c : children) Forget(c, keep);
}

Status TreeAuditor::Check(const format::CatalogRoot& root, const Catalog& expected,
                          const std::set<std::string>& changed, size_t levels) {
  if (root.height() > kMaxTreeHeight)
    return TreeFail(root.offset(), "the tree is higher than " + std::to_string(kMaxTreeHeight));
  if (root.count() != expected.size())
    return Fail(Code::kCorrupt, "the catalog tree holds " + std::to_string(root.count()) +
                                    " documents, the ledger registered " + std::to_string(expected.size()));
  Walk w{expected, changed, levels, {}, {}};
  if (auto walked = Visit(w, RootReference(root), root.height(), nullptr); !walked)
    return std::unexpected(walked.error());
  if (root_ != 0) Forget(root_, w.reused);
  for (auto& [at, k] : w.fresh) valid_[at] = std::move(k);
  root_ = root.offset();
  return {};
}

}  // namespace custody::vault
