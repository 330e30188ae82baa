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
template <class Entry>
bool SameEntry(const Entry& a, const Entry& b) {
  return a.SerializeAsString() == b.SerializeAsString() ||
         google::protobuf::util::MessageDifferencer::Equals(a, b);
}
// A key as a message shows it: a copy key "REG/N", not its 0x00 and
// padding.
std::string Shown(const std::string& key) {
  if (key.size() <= kCopyKeySuffixBytes || key[key.size() - kCopyKeySuffixBytes] != '\0') return key;
  const std::string digits = key.substr(key.size() - kCopyKeySuffixBytes + 1);
  const size_t nz = digits.find_first_not_of('0');
  return key.substr(0, key.size() - kCopyKeySuffixBytes) + "/" + (nz == std::string::npos ? "0" : digits.substr(nz));
}
}  // namespace

template <class E>
Result<typename BasicTreeAuditor<E>::Known> BasicTreeAuditor<E>::Visit(Walk& w, const format::CatalogChild& ref,
                                                                        uint32_t height, const std::string* upper) {
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
        return TreeFail(at, std::string("is stale: ") + E::kNoun + " " + Shown(*c) + " changed since it was written");
    }
    w.reused.insert(at);
    return k;
  }
  if (w.fresh.count(at)) return TreeFail(at, "is reached twice");
  CUSTODY_ASSIGN(auto page, ReadCheckedPage<E>(reader_, ref, height, upper, w.levels));
  Known k;
  k.hash = ref.hash();
  k.height = height;
  k.count = ref.count();
  if (height == 0) {
    const auto& es = E::Of(page);
    for (const auto& d : es) {
      const auto& reg = E::Key(d);
      CUSTODY_ASSIGN(const typename E::Entry* want, w.expected.Find(reg));
      if (want == nullptr)
        return TreeFail(at, std::string("lists ") + E::kNoun + " " + Shown(reg) + ", which the ledger never " +
                                (E::kIndexesDocIds ? "registered" : "issued"));
      if (!SameEntry(d, *want))
        return TreeFail(at, std::string(E::kNoun) + " " + Shown(reg) + " differs from the state replayed from the ledger");
    }
    if (!es.empty()) {
      k.first = E::Key(es[0]);
      k.last = E::Key(es[es.size() - 1]);
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
template <class E>
void BasicTreeAuditor<E>::Forget(uint64_t offset, const std::set<uint64_t>& keep) {
  if (keep.count(offset)) return;
  auto it = valid_.find(offset);
  if (it == valid_.end()) return;
  const std::vector<uint64_t> children = std::move(it->second.children);
  valid_.erase(it);
  for (uint64_t c : children) Forget(c, keep);
}

template <class E>
Status BasicTreeAuditor<E>::Check(const format::CatalogRoot& root, const PagedTree<E>& expected,
                          const std::set<std::string>& changed, size_t levels) {
  if (root.height() > kMaxTreeHeight)
    return TreeFail(root.offset(), "the tree is higher than " + std::to_string(kMaxTreeHeight));
  if (root.count() != expected.size())
    return Fail(Code::kCorrupt, std::string(E::kIndexesDocIds ? "the catalog tree holds " : "the copy tree holds ") +
                                    std::to_string(root.count()) +
                                    (E::kIndexesDocIds ? " documents, the ledger registered " : " copies, the ledger issued ") +
                                    std::to_string(expected.size()));
  Walk w{expected, changed, levels, {}, {}};
  if (auto walked = Visit(w, RootReference(root), root.height(), nullptr); !walked)
    return std::unexpected(walked.error());
  if (root_ != 0) Forget(root_, w.reused);
  for (auto& [at, k] : w.fresh) valid_[at] = std::move(k);
  root_ = root.offset();
  return {};
}

template class BasicTreeAuditor<DocumentEntries>;
template class BasicTreeAuditor<CopyEntries>;

}  // namespace custody::vault
