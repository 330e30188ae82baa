#include "vault/catalog/catalog.h"

#include <algorithm>

#include "crypto/hash.h"
#include "format/constants.h"

namespace custody::vault {

namespace {
// A page is at most 64 entries; an entry's size grows only with the key
// records a v1 vault re-wrapped it under. Bounded before parsing.
constexpr size_t kMaxPagePayload = 16u << 20;

std::string PageHash(const std::string& payload) {
  return crypto::HashToString(crypto::Blake2b256(payload));
}

std::unexpected<Error> PageFail(uint64_t offset, const std::string& what) {
  return Fail(Code::kCorrupt, "catalog page at " + std::to_string(offset) + ": " + what);
}
}  // namespace

std::string CopyKey(const std::string& reg_no, uint32_t copy_no) {
  std::string digits = std::to_string(copy_no);
  std::string key = reg_no;
  key.push_back('\0');
  key.append(kCopyKeySuffixBytes - 1 - digits.size(), '0');
  return key + digits;
}

Status CheckCopyBounds(const format::CopyState& c, const std::string& where) {
  const auto& x = c.issued();
  if (x.reg_no().empty() || x.reg_no().size() > kMaxRegNoBytes || x.copy_no() == 0 ||
      c.status() < format::COPY_ISSUED || c.status() > format::COPY_LOST)
    return Fail(Code::kCorrupt, where + " " + x.reg_no().substr(0, kMaxRegNoBytes) + "/" +
                                    std::to_string(x.copy_no()) + " out of range");
  return {};
}

Status CheckDocumentBounds(const format::DocumentState& d, size_t levels, const std::string& where) {
  const auto& a = d.added();
  const auto bad = [&](const std::string& what) {
    return Fail(Code::kCorrupt, where + " " + a.reg_no().substr(0, kMaxRegNoBytes) + ": " + what +
                                    " out of range");
  };
  if (a.level() >= levels) return bad("level");
  if (a.doc_id().size() != 16) return bad("document id");
  if (a.reg_no().empty() || a.reg_no().size() > kMaxRegNoBytes) return bad("registration number");
  if (d.key().hash().size() != 32 || d.key().doc_id() != a.doc_id() ||
      d.key().offset() < format::kLogStart)
    return bad("key reference");
  for (const auto& old : d.old_keys())
    if (old.offset() < format::kLogStart || old.hash().size() != 32) return bad("old key reference");
  for (const auto& erased : d.erased_keys())
    if (erased.offset() < format::kLogStart || erased.hash().size() != 32) return bad("erased key reference");
  if (d.has_review() && (d.review().to_level() >= levels || d.review().reviewer().size() != 32))
    return bad("declassification review");
  const auto extent_ok = [](const format::Extent& e) {
    return e.offset() >= format::kLogStart + format::kRecordHeaderSize && e.length() <= (uint64_t{1} << 44) &&
           e.chunk_size() != 0 && e.chunk_size() <= (16u << 20) && e.chunk_count() <= e.length() / 40 + 1 &&
           e.root_hash().size() == 32;
  };
  if (!extent_ok(a.extent())) return bad("extent");
  // v8: earlier versions, oldest first, each below the current version.
  for (int i = 0; i < d.earlier_versions_size(); ++i) {
    const auto& v = d.earlier_versions(i);
    if (!extent_ok(v.extent()) || v.version() >= a.version() || v.key().hash().size() != 32 ||
        v.key().doc_id() != a.doc_id() || v.key().offset() < format::kLogStart ||
        (i > 0 && v.version() <= d.earlier_versions(i - 1).version()))
      return bad("earlier version");
  }
  if (d.withdrawn_by().size() > 32) return bad("withdrawal");
  if (d.extract_count() > (uint64_t{1} << 40)) return bad("extract count");
  return {};
}

template <class E>
void PagedTree<E>::Attach(const PageReader* reader, const format::CatalogRoot& root, size_t levels) {
  reader_ = reader;
  root_ = root;
  levels_ = levels;
  count_ = root.count();
  held_.clear();
  doc_ids_.clear();
  changed_.clear();
  interior_.clear();
  leaves_.clear();
}

format::CatalogChild RootReference(const format::CatalogRoot& root) {
  format::CatalogChild ref;
  ref.set_offset(root.offset());
  ref.set_hash(root.hash());
  ref.set_count(root.count());
  return ref;
}

// Every bound of FORMAT.md §3.16 a page obeys: its own (height, order,
// fanout, entry bounds) and those its parent's reference sets (hash,
// smallest key, count, and the next sibling's key as an upper bound).
template <class E>
Status CheckPage(const format::CatalogPage& page, const format::CatalogChild& ref, uint32_t height,
                 const std::string* upper, size_t levels) {
  const uint64_t at = ref.offset();
  if (page.height() != height) return PageFail(at, "is not at the height its parent says");
  const std::string& first = ref.first_key();
  if (height == 0) {
    const auto& es = E::Of(page);
    if (!page.children().empty() || E::Foreign(page) != 0 || es.size() > static_cast<int>(kMaxPageFanout))
      return PageFail(at, std::string("is not a leaf of at most 64 ") + (E::kIndexesDocIds ? "" : "copy ") + "entries");
    if (static_cast<uint64_t>(es.size()) != ref.count())
      return PageFail(at, "holds another count than its parent says");
    const std::string where = "catalog page at " + std::to_string(at) + ", entry";  // once a page
    for (int i = 0; i < es.size(); ++i) {
      CUSTODY_TRY(E::Check(es[i], levels, where));
      if (i > 0 && !(E::Key(es[i - 1]) < E::Key(es[i])))
        return PageFail(at, "entries are not in strictly ascending order");
    }
    if (!es.empty() && !first.empty() && E::Key(es[0]) != first)
      return PageFail(at, "does not start at the key its parent says");
    if (!es.empty() && upper != nullptr && !(E::Key(es[es.size() - 1]) < *upper))
      return PageFail(at, "holds a key that belongs to its next sibling");
    return {};
  }
  const auto& cs = page.children();
  if (!page.entries().empty() || !page.copies().empty() || cs.empty() || cs.size() > static_cast<int>(kMaxPageFanout))
    return PageFail(at, "is not an interior page of 1 to 64 children");
  uint64_t sum = 0;
  for (int i = 0; i < cs.size(); ++i) {
    const auto& c = cs[i];
    if (c.first_key().empty() || c.first_key().size() > E::kMaxKeyBytes || c.hash().size() != 32 ||
        c.offset() < format::kLogStart || c.count() == 0 || c.count() > (uint64_t{1} << 48))
      return PageFail(at, "child " + std::to_string(i) + " out of range");
    if (i > 0 && !(cs[i - 1].first_key() < c.first_key()))
      return PageFail(at, "children are not in strictly ascending order");
    sum += c.count();
  }
  if (sum != ref.count()) return PageFail(at, "holds another count than its parent says");
  if (!first.empty() && cs[0].first_key() != first)
    return PageFail(at, "does not start at the key its parent says");
  if (upper != nullptr && !(cs[cs.size() - 1].first_key() < *upper))
    return PageFail(at, "holds a key that belongs to its next sibling");
  return {};
}

template <class E>
Result<format::CatalogPage> ReadCheckedPage(const PageReader& reader, const format::CatalogChild& ref,
                                            uint32_t height, const std::string* upper, size_t levels) {
  const uint64_t at = ref.offset();
  CUSTODY_ASSIGN(std::string payload, reader.ReadPage(at));
  if (payload.size() > kMaxPagePayload) return PageFail(at, "larger than a page may be");
  if (PageHash(payload) != ref.hash()) return PageFail(at, "does not hash to its reference");
  format::CatalogPage page;
  if (!page.ParseFromString(payload)) return PageFail(at, "does not parse");
  CUSTODY_TRY(CheckPage<E>(page, ref, height, upper, levels));
  return page;
}

template <class E>
Result<std::shared_ptr<const format::CatalogPage>> PagedTree<E>::ReadPage(const format::CatalogChild& ref,
                                                                     uint32_t height,
                                                                     const std::string* upper) const {
  if (reader_ == nullptr) return PageFail(ref.offset(), "no page reader (internal)");
  // Pages never change once written, so an interior page read before is
  // that page if the reference names the same bytes; only the bounds its
  // new parent sets are checked again.
  if (auto cached = interior_.find(ref.offset()); cached != interior_.end()) {
    if (cached->second.first != ref.hash()) return PageFail(ref.offset(), "does not hash to its reference");
    CUSTODY_TRY(CheckPage<E>(*cached->second.second, ref, height, upper, levels_));
    return cached->second.second;
  }
  // The same for the last leaves read: adding documents looks up the
  // next free registration number and then the new number itself, both
  // in the rightmost leaf, for every document a commit adds.
  if (height == 0) {
    for (const auto& [offset, hash, page] : leaves_)
      if (offset == ref.offset()) {
        if (hash != ref.hash()) return PageFail(ref.offset(), "does not hash to its reference");
        CUSTODY_TRY(CheckPage<E>(*page, ref, height, upper, levels_));
        return page;
      }
  }
  CUSTODY_ASSIGN(auto page, ReadCheckedPage<E>(*reader_, ref, height, upper, levels_));
  auto shared = std::make_shared<const format::CatalogPage>(std::move(page));
  if (height > 0) {
    interior_[ref.offset()] = {ref.hash(), shared};
  } else {
    if (leaves_.size() >= kCachedLeaves) leaves_.pop_front();
    leaves_.push_back({ref.offset(), ref.hash(), shared});
  }
  return shared;
}

template <class E>
Status PagedTree<E>::CheckRoot() const {
  if (!root_) return {};
  CUSTODY_TRY(ReadPage(RootReference(*root_), root_->height(), nullptr));
  return {};
}

template <class E>
Result<const typename E::Entry*> PagedTree<E>::Find(const std::string& reg_no) const {
  if (auto held = held_.find(reg_no); held != held_.end()) return &held->second;
  if (!root_ || root_->count() == 0) return nullptr;
  format::CatalogChild ref = RootReference(*root_);
  const std::string* upper = nullptr;
  std::string upper_key;
  for (uint32_t height = root_->height();; --height) {
    CUSTODY_ASSIGN(auto page, ReadPage(ref, height, upper));
    if (height == 0) {
      const auto& es = E::Of(*page);
      auto it = std::lower_bound(es.begin(), es.end(), reg_no,
                                 [](const Entry& d, const std::string& k) { return E::Key(d) < k; });
      if (it == es.end() || E::Key(*it) != reg_no) return nullptr;
      NoteId(*it);
      return &held_.emplace(reg_no, *it).first->second;
    }
    const auto& cs = page->children();
    // The last child whose smallest key is not above reg_no.
    auto it = std::upper_bound(cs.begin(), cs.end(), reg_no,
                               [](const std::string& k, const format::CatalogChild& c) {
                                 return k < c.first_key();
                               });
    if (it == cs.begin()) return nullptr;
    auto next = it;
    --it;
    if (next != cs.end()) {
      upper_key = next->first_key();
      upper = &upper_key;
    }
    ref = *it;
  }
}

template <class E>
void PagedTree<E>::Insert(Entry d) {
  std::string reg = E::Key(d);
  NoteId(d);
  // Keys mostly arrive in ascending order (a replay, a bulk add): hinted at
  // the end, each insert is O(1) instead of a walk down a tree of a million
  // nodes (the hint is only a hint: any order is still right).
  changed_.emplace_hint(changed_.end(), reg);
  held_.insert_or_assign(held_.end(), std::move(reg), std::move(d));
  ++count_;
}

template <class E>
typename E::Entry& PagedTree<E>::Mutable(const std::string& reg_no) {
  changed_.insert(reg_no);
  return held_.at(reg_no);
}

template <class E>
Status PagedTree<E>::Visit(const format::CatalogChild& ref, uint32_t height, const std::string* upper,
                           const std::function<Status(const Entry&)>& fn) const {
  CUSTODY_ASSIGN(auto page, ReadPage(ref, height, upper));
  if (height == 0) {
    for (const auto& d : E::Of(*page)) CUSTODY_TRY(fn(d));
    return {};
  }
  const auto& cs = page->children();
  for (int i = 0; i < cs.size(); ++i)
    CUSTODY_TRY(Visit(cs[i], height - 1, i + 1 < cs.size() ? &cs[i + 1].first_key() : upper, fn));
  return {};
}

template <class E>
Status PagedTree<E>::ForEach(const Visitor& fn) const {
  if (!root_) {
    for (const auto& [reg, d] : held_) CUSTODY_TRY(fn(d));
    return {};
  }
  // The tree, with the changed entries merged in: a changed entry replaces
  // the tree's, an added one comes in its place in the order.
  auto next = changed_.begin();
  CUSTODY_TRY(Visit(RootReference(*root_), root_->height(), nullptr, [&](const Entry& d) -> Status {
    const auto& reg = E::Key(d);
    for (; next != changed_.end() && *next < reg; ++next) CUSTODY_TRY(fn(held_.at(*next)));
    if (next != changed_.end() && *next == reg) {
      ++next;
      return fn(held_.at(reg));
    }
    return fn(d);
  }));
  for (; next != changed_.end(); ++next) CUSTODY_TRY(fn(held_.at(*next)));
  return {};
}

template <class E>
Status PagedTree<E>::VisitLeaves(const format::CatalogChild& ref, uint32_t height, const std::string* upper,
                                 const std::function<Status(const format::CatalogChild&, const std::string*)>& fn) const {
  if (height == 0) return fn(ref, upper);
  CUSTODY_ASSIGN(auto page, ReadPage(ref, height, upper));
  const auto& cs = page->children();
  for (int i = 0; i < cs.size(); ++i)
    CUSTODY_TRY(VisitLeaves(cs[i], height - 1, i + 1 < cs.size() ? &cs[i + 1].first_key() : upper, fn));
  return {};
}

template <class E>
Result<bool> PagedTree<E>::ForEachLeaf(
    const std::function<Status(const format::CatalogChild&, const std::string*)>& fn) const {
  if (!root_ || !changed_.empty() || reader_ == nullptr) return false;
  CUSTODY_TRY(VisitLeaves(RootReference(*root_), root_->height(), nullptr, fn));
  return true;
}

template <class E>
Result<format::CatalogPage> PagedTree<E>::ReadLeaf(const format::CatalogChild& ref, const std::string* upper) const {
  if (reader_ == nullptr) return PageFail(ref.offset(), "no page reader (internal)");
  return ReadCheckedPage<E>(*reader_, ref, 0, upper, levels_);
}

template <class E>
Status PagedTree<E>::ForEachMutable(const std::function<void(Entry&)>& fn) {
  if (root_) {
    CUSTODY_TRY(Visit(RootReference(*root_), root_->height(), nullptr, [&](const Entry& d) -> Status {
      if (held_.emplace(E::Key(d), d).second) NoteId(d);
      return {};
    }));
  }
  for (auto& [reg, d] : held_) {
    changed_.insert(reg);
    fn(d);
  }
  return {};
}

template <class E>
Status PagedTree<E>::Detach() {
  CUSTODY_TRY(ForEachMutable([](Entry&) {}));
  root_.reset();
  reader_ = nullptr;
  interior_.clear();
  leaves_.clear();
  return {};
}

template class PagedTree<DocumentEntries>;
template class PagedTree<CopyEntries>;
template Result<format::CatalogPage> ReadCheckedPage<DocumentEntries>(const PageReader&, const format::CatalogChild&,
                                                                      uint32_t, const std::string*, size_t);
template Result<format::CatalogPage> ReadCheckedPage<CopyEntries>(const PageReader&, const format::CatalogChild&,
                                                                  uint32_t, const std::string*, size_t);

}  // namespace custody::vault
