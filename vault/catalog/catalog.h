// The catalog: every document the ledger registered, by registration number,
// and every tracked copy, by copy key (FORMAT.md §3.16).
//
// On disk (format v3, FORMAT.md §3.16; the copy tree v5) each is a
// copy-on-write Merkle B+tree of CATALOG_PAGE records whose root a signed
// checkpoint names. In memory a PagedTree is that tree, read on demand
// through a PageReader, plus the entries loaded or changed since: a lookup
// reads one path of pages (O(log n)), a commit writes only the pages on the
// paths of the entries it changed, and a listing streams the leaves in
// order. With no tree (audit, format v1, a vault just created) it is a plain
// in-memory map.
//
// One code serves both trees: PagedTree<E> is generic over E, the entries'
// traits (DocumentEntries, CopyEntries: the message, its key, its bounds and
// the CatalogPage field its leaves use), and is instantiated for the two in
// catalog.cc, flush.cc and tree_audit.cc.
//
// The catalog room (one job a file):
//   catalog.h    this class, the entry traits, the page interfaces and the bounds
//   catalog.cc   lookups, changes, streaming, the checked page reader
//   flush.cc     Flush: the copy-on-write update that writes new pages
//   tree_audit.h TreeAuditor: checks each checkpoint's tree against a replay
//
// Not thread-safe; a PagedTree is a value, like the VaultState that holds it.
#pragma once

#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/custody.pb.h"
#include <google/protobuf/repeated_ptr_field.h>

namespace custody::vault {

// Where catalog pages are read: the payload of the CATALOG_PAGE record at a
// header offset (kCorrupt if there is no such record there). The Catalog
// checks the payload against the hash its parent holds.
class PageReader {
 public:
  virtual ~PageReader() = default;
  virtual Result<std::string> ReadPage(uint64_t offset) const = 0;
};

// Where Flush writes new pages: appends a CATALOG_PAGE record, returns its
// header offset.
class PageWriter {
 public:
  virtual ~PageWriter() = default;
  virtual Result<uint64_t> AppendPage(const std::string& payload) = 0;
};

// FORMAT.md §3.16: a page holds at most this many entries or children, and
// a tree is at most this high (64^8 entries); a reader refuses more.
inline constexpr size_t kMaxPageFanout = 64;
inline constexpr uint32_t kMaxTreeHeight = 8;
inline constexpr size_t kMaxRegNoBytes = 64;
// A copy key: the registration number, one 0x00 byte, the copy number in
// 10 decimal digits (FORMAT.md §3.16 "The copy tree").
inline constexpr size_t kCopyKeySuffixBytes = 11;
inline constexpr size_t kMaxCopyKeyBytes = kMaxRegNoBytes + kCopyKeySuffixBytes;

// R150: every value of a catalog entry that a reader indexes or loops by.
// `where` names the entry's container in the message ("checkpoint entry",
// "catalog page at 8192").
Status CheckDocumentBounds(const format::DocumentState& d, size_t levels, const std::string& where);
// R172: the same for a copy.
Status CheckCopyBounds(const format::CopyState& c, const std::string& where);

// The copy tree's key of copy `copy_no` of document `reg_no`. The suffix
// has a fixed length, so no two copies share a key; the 0x00 sorts below
// every byte a registration number holds (IsValidRegNo), so the keys sort
// as (reg_no, copy_no) do.
std::string CopyKey(const std::string& reg_no, uint32_t copy_no);

// The document tree's entries: DocumentState by added.reg_no, in
// CatalogPage.entries.
struct DocumentEntries {
  using Entry = format::DocumentState;
  static constexpr const char* kNoun = "document";
  static constexpr size_t kMaxKeyBytes = kMaxRegNoBytes;
  static constexpr bool kIndexesDocIds = true;  // R28: no doc_id twice
  static const std::string& Key(const Entry& d) { return d.added().reg_no(); }
  static const google::protobuf::RepeatedPtrField<Entry>& Of(const format::CatalogPage& p) { return p.entries(); }
  static google::protobuf::RepeatedPtrField<Entry>* MutableOf(format::CatalogPage& p) { return p.mutable_entries(); }
  // Entries of the other tree's kind, which a page of this one MUST NOT hold.
  static int Foreign(const format::CatalogPage& p) { return p.copies_size(); }
  static Status Check(const Entry& d, size_t levels, const std::string& where) {
    return CheckDocumentBounds(d, levels, where);
  }
};

// The copy tree's entries (v5): CopyState by CopyKey, in CatalogPage.copies.
struct CopyEntries {
  using Entry = format::CopyState;
  static constexpr const char* kNoun = "copy";
  static constexpr size_t kMaxKeyBytes = kMaxCopyKeyBytes;
  static constexpr bool kIndexesDocIds = false;
  static std::string Key(const Entry& c) { return CopyKey(c.issued().reg_no(), c.issued().copy_no()); }
  static const google::protobuf::RepeatedPtrField<Entry>& Of(const format::CatalogPage& p) { return p.copies(); }
  static google::protobuf::RepeatedPtrField<Entry>* MutableOf(format::CatalogPage& p) { return p.mutable_copies(); }
  static int Foreign(const format::CatalogPage& p) { return p.entries_size(); }
  static Status Check(const Entry& c, size_t /*levels*/, const std::string& where) {
    return CheckCopyBounds(c, where);
  }
};

// A page read at `ref` (a child reference; for the root, first_key empty),
// checked against every bound of FORMAT.md §3.16: hash, height, order,
// fanout, count, the keys its parent's reference allows (below `upper`, the
// next sibling's smallest key, if any) and each entry's bounds.
template <class E>
Result<format::CatalogPage> ReadCheckedPage(const PageReader& reader, const format::CatalogChild& ref,
                                            uint32_t height, const std::string* upper, size_t levels);
// The reference a root stands for: first_key empty (not known).
format::CatalogChild RootReference(const format::CatalogRoot& root);
// The same checks on a page already parsed (one read before).
template <class E>
Status CheckPage(const format::CatalogPage& page, const format::CatalogChild& ref, uint32_t height,
                 const std::string* upper, size_t levels);

template <class E>
class PagedTree {
 public:
  using Entry = typename E::Entry;
  using Visitor = std::function<Status(const Entry&)>;

  // Starts from the tree `root` names, read through `reader` (which must
  // outlive this catalog or the next Attach), entries checked against
  // `levels` levels. Drops whatever the catalog held.
  void Attach(const PageReader* reader, const format::CatalogRoot& root, size_t levels);
  // Where pages are read from now on (the tree's, once Flush wrote one),
  // entries checked against `levels` levels; keeps what the catalog holds.
  void UseReader(const PageReader* reader, size_t levels) {
    reader_ = reader;
    levels_ = levels;
  }
  // Forgets the tree, keeping every entry in memory (all of them become
  // changed): for a rewrite into another file (compaction). Reads the whole
  // tree first.
  Status Detach();

  // Reads and checks the root page: a damaged or hostile root fails the
  // open, not the first lookup.
  Status CheckRoot() const;

  uint64_t size() const { return count_; }
  // The tree as last attached or flushed; nullopt if there is none yet.
  const std::optional<format::CatalogRoot>& root() const { return root_; }

  // nullptr if absent (`key`: E::Key of the entry). kCorrupt if a page on
  // the way is damaged or breaks a bound. A pointer stays valid until this
  // catalog is next changed.
  Result<const Entry*> Find(const std::string& key) const;
  // Document tree: whether a document with this id is among the entries
  // held in memory.
  // With a tree, that is not every document: FORMAT.md §3.16 says what a
  // reader that opens from a checkpoint checks.
  bool HoldsDocId(const std::string& doc_id) const { return doc_ids_.count(doc_id) > 0; }

  // An entry not in the tree (the caller checked with Find).
  void Insert(Entry d);
  // An entry Find has returned, to change; it becomes changed.
  Entry& Mutable(const std::string& key);

  // Every entry in key order, the tree streamed (leaves
  // are not kept); stops at the first error fn or a page returns.
  Status ForEach(const Visitor& fn) const;
  // For a listing spread over threads: when the catalog is exactly a tree
  // (attached or flushed, nothing changed since), calls fn for each leaf in
  // key order with the reference and upper bound (null: none) its parent
  // gives it, reading and checking the interior pages as ForEach does, and
  // returns true; stops at the first error fn or a page returns. Returns
  // false, calling nothing, when the catalog is not just a tree (then use
  // ForEach). `upper` is valid only during the call.
  Result<bool> ForEachLeaf(const std::function<Status(const format::CatalogChild& ref,
                                                      const std::string* upper)>& fn) const;
  // Reads and checks a leaf ForEachLeaf named. Thread-safe (no cache).
  Result<format::CatalogPage> ReadLeaf(const format::CatalogChild& ref, const std::string* upper) const;

  // Every entry, to change (all become changed). Loads the whole tree:
  // for compaction and format v1 re-wraps, which touch every document.
  Status ForEachMutable(const std::function<void(Entry&)>& fn);

  // Keys changed or added since the last Flush or
  // TakeChanged, in order.
  const std::set<std::string>& changed() const { return changed_; }
  std::set<std::string> TakeChanged() { return std::exchange(changed_, {}); }

  // Writes the changed entries into the tree, copy on write: new pages for
  // the leaves that hold them and the interior pages above, every other page
  // shared with the old tree. Returns the new root (also root()). With
  // nothing changed and a tree present, writes nothing.
  Result<format::CatalogRoot> Flush(PageWriter& writer);

 private:
  Result<std::shared_ptr<const format::CatalogPage>> ReadPage(const format::CatalogChild& ref,
                                                              uint32_t height,
                                                              const std::string* upper) const;
  Status Visit(const format::CatalogChild& ref, uint32_t height, const std::string* upper,
               const std::function<Status(const Entry&)>& fn) const;
  Status VisitLeaves(const format::CatalogChild& ref, uint32_t height, const std::string* upper,
                     const std::function<Status(const format::CatalogChild&, const std::string*)>& fn) const;
  Result<std::vector<format::CatalogChild>> Update(const format::CatalogChild& ref, uint32_t height,
                                                   const std::string* upper,
                                                   std::set<std::string>::const_iterator from,
                                                   std::set<std::string>::const_iterator to,
                                                   PageWriter& writer);
  Result<std::vector<format::CatalogChild>> WriteLeaves(std::vector<Entry> entries,
                                                       PageWriter& writer);
  Result<std::vector<format::CatalogChild>> WriteInterior(const std::vector<format::CatalogChild>& children,
                                                         uint32_t height, PageWriter& writer);

  void NoteId(const Entry& d) const {
    if constexpr (E::kIndexesDocIds) doc_ids_.insert(d.added().doc_id());
  }

  const PageReader* reader_ = nullptr;
  std::optional<format::CatalogRoot> root_;
  size_t levels_ = 0;
  uint64_t count_ = 0;
  // Entries loaded by Find or changed; with no tree, every entry.
  mutable std::map<std::string, Entry> held_;
  // Document tree only. Hashed, not ordered: every replayed add asks whether
  // its id is new.
  mutable std::unordered_set<std::string> doc_ids_;
  std::set<std::string> changed_;
  // Interior pages read so far (few: one path per lookup), by offset.
  mutable std::map<uint64_t, std::pair<std::string, std::shared_ptr<const format::CatalogPage>>> interior_;
  // The last leaves read (offset, hash, page), oldest first.
  static constexpr size_t kCachedLeaves = 16;
  struct CachedLeaf {
    uint64_t offset;
    std::string hash;
    std::shared_ptr<const format::CatalogPage> page;
  };
  mutable std::deque<CachedLeaf> leaves_;
};

// The two trees a v5 checkpoint names (catalog.cc instantiates both).
using Catalog = PagedTree<DocumentEntries>;
using CopyCatalog = PagedTree<CopyEntries>;

}  // namespace custody::vault
