// Flush: the copy-on-write update of a catalog tree, the documents' or the
// copies' (FORMAT.md §3.16).
//
// Deterministic: the same tree and the same changes give the same pages.
// A node that would overflow is cut into the fewest pieces of at most 64,
// as equal as they come (the first ones one larger), so one added entry in
// a full leaf makes two of 33 and 32, and a bulk load of n sorted entries
// makes full leaves. Entries are never removed (a destroyed document keeps
// its entry, a returned or destroyed copy its own), so there is no merging
// of pages.
#include <algorithm>

#include "crypto/hash.h"
#include "vault/catalog/catalog.h"

namespace custody::vault {

namespace {
// [begin, end) index ranges of the pieces n items are cut into.
std::vector<std::pair<size_t, size_t>> Pieces(size_t n) {
  const size_t k = std::max<size_t>(1, (n + kMaxPageFanout - 1) / kMaxPageFanout);
  std::vector<std::pair<size_t, size_t>> out;
  size_t at = 0;
  for (size_t i = 0; i < k; ++i) {
    const size_t len = n / k + (i < n % k ? 1 : 0);
    out.emplace_back(at, at + len);
    at += len;
  }
  return out;
}

Result<format::CatalogChild> WritePage(const format::CatalogPage& page, const std::string& first_key,
                                       uint64_t count, PageWriter& writer) {
  const std::string payload = page.SerializeAsString();
  CUSTODY_ASSIGN(uint64_t at, writer.AppendPage(payload));
  format::CatalogChild ref;
  ref.set_first_key(first_key);
  ref.set_offset(at);
  ref.set_hash(crypto::HashToString(crypto::Blake2b256(payload)));
  ref.set_count(count);
  return ref;
}
}  // namespace

template <class E>
Result<std::vector<format::CatalogChild>> PagedTree<E>::WriteLeaves(std::vector<Entry> entries,
                                                                   PageWriter& writer) {
  std::vector<format::CatalogChild> out;
  for (auto [begin, end] : Pieces(entries.size())) {
    format::CatalogPage page;
    page.set_height(0);
    auto* out_entries = E::MutableOf(page);
    for (size_t i = begin; i < end; ++i) *out_entries->Add() = std::move(entries[i]);
    const std::string first = out_entries->empty() ? "" : E::Key(out_entries->Get(0));
    CUSTODY_ASSIGN(auto ref, WritePage(page, first, end - begin, writer));
    out.push_back(std::move(ref));
  }
  return out;
}

template <class E>
Result<std::vector<format::CatalogChild>> PagedTree<E>::WriteInterior(
    const std::vector<format::CatalogChild>& children, uint32_t height, PageWriter& writer) {
  std::vector<format::CatalogChild> out;
  for (auto [begin, end] : Pieces(children.size())) {
    format::CatalogPage page;
    page.set_height(height);
    uint64_t count = 0;
    for (size_t i = begin; i < end; ++i) {
      *page.add_children() = children[i];
      count += children[i].count();
    }
    CUSTODY_ASSIGN(auto ref, WritePage(page, children[begin].first_key(), count, writer));
    out.push_back(std::move(ref));
  }
  return out;
}

// The subtree `ref` with the changed keys [from, to) merged in, as one or
// more subtrees of the same height.
template <class E>
Result<std::vector<format::CatalogChild>> PagedTree<E>::Update(const format::CatalogChild& ref, uint32_t height,
                                                         const std::string* upper,
                                                         std::set<std::string>::const_iterator from,
                                                         std::set<std::string>::const_iterator to,
                                                         PageWriter& writer) {
  CUSTODY_ASSIGN(auto page, ReadPage(ref, height, upper));
  if (height == 0) {
    std::vector<Entry> merged;
    merged.reserve(E::Of(*page).size() + std::distance(from, to));
    auto change = from;
    for (const auto& d : E::Of(*page)) {
      const auto& reg = E::Key(d);
      for (; change != to && *change < reg; ++change) merged.push_back(held_.at(*change));
      if (change != to && *change == reg) {
        merged.push_back(held_.at(reg));
        ++change;
      } else {
        merged.push_back(d);
      }
    }
    for (; change != to; ++change) merged.push_back(held_.at(*change));
    return WriteLeaves(std::move(merged), writer);
  }
  const auto& cs = page->children();
  std::vector<format::CatalogChild> children;
  auto change = from;
  for (int i = 0; i < cs.size(); ++i) {
    const std::string* child_upper = i + 1 < cs.size() ? &cs[i + 1].first_key() : upper;
    // Keys below the first child's smallest go to it, like keys in its
    // range; the parent's `to` is lower_bound(upper) too, so this stays
    // within [from, to).
    const auto end = child_upper != nullptr ? changed_.lower_bound(*child_upper) : to;
    if (change == end) {
      children.push_back(cs[i]);
      continue;
    }
    CUSTODY_ASSIGN(auto sub, Update(cs[i], height - 1, child_upper, change, end, writer));
    for (auto& c : sub) children.push_back(std::move(c));
    change = end;
  }
  return WriteInterior(children, height, writer);
}

template <class E>
Result<format::CatalogRoot> PagedTree<E>::Flush(PageWriter& writer) {
  if (root_ && changed_.empty()) return *root_;
  std::vector<format::CatalogChild> refs;
  uint32_t height = 0;
  if (!root_) {
    // No tree yet: every entry is held; a bulk load.
    std::vector<Entry> all;
    all.reserve(held_.size());
    for (const auto& [reg, d] : held_) all.push_back(d);
    CUSTODY_ASSIGN(refs, WriteLeaves(std::move(all), writer));
  } else {
    height = root_->height();
    CUSTODY_ASSIGN(refs, Update(RootReference(*root_), height, nullptr, changed_.begin(), changed_.end(), writer));
  }
  while (refs.size() > 1) {
    ++height;
    CUSTODY_ASSIGN(refs, WriteInterior(refs, height, writer));
  }
  format::CatalogRoot root;
  root.set_offset(refs[0].offset());
  root.set_hash(refs[0].hash());
  root.set_count(refs[0].count());
  root.set_height(height);
  root_ = root;
  changed_.clear();
  return root;
}

template Result<format::CatalogRoot> PagedTree<DocumentEntries>::Flush(PageWriter&);
template Result<format::CatalogRoot> PagedTree<CopyEntries>::Flush(PageWriter&);

}  // namespace custody::vault
