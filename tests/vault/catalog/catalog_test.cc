// The catalog tree (FORMAT.md §3.16) against a std::map model, over pages
// kept in memory: lookups, streaming, copy-on-write cost, determinism, and
// every bound a hostile page can break.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "crypto/hash.h"
#include "format/constants.h"
#include "vault/catalog/catalog.h"
#include "tests/vectors/generate/craft.h"
#include "vault/catalog/tree_audit.h"

namespace {

using custody::Code;
using custody::Result;
using custody::Status;
using custody::format::CatalogPage;
using custody::format::CatalogRoot;
using custody::format::DocumentState;
using custody::vault::Catalog;
using custody::vault::CopyCatalog;
using custody::vault::CopyKey;
using custody::vault::CopyTreeAuditor;
using custody::format::CopyState;
using custody::vault::kMaxPageFanout;
using custody::vault::TreeAuditor;

using custody::craft::MemoryPages;

std::string Reg(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S-2026-%07llu", static_cast<unsigned long long>(n));
  return buf;
}

// A document whose every field passes the entry bounds.
DocumentState Doc(const std::string& reg, uint32_t level = 1, uint64_t extracts = 0) {
  DocumentState d = custody::craft::BoundedDocument(reg, level);
  d.set_extract_count(extracts);
  return d;
}

std::vector<DocumentState> All(const Catalog& c) {
  std::vector<DocumentState> out;
  auto s = c.ForEach([&](const DocumentState& d) -> Status {
    out.push_back(d);
    return {};
  });
  REQUIRE(s);
  return out;
}

void ExpectModel(const Catalog& c, const std::map<std::string, uint64_t>& model) {
  auto all = All(c);
  REQUIRE(all.size() == model.size());
  size_t i = 0;
  for (const auto& [reg, extracts] : model) {
    CHECK(all[i].added().reg_no() == reg);
    CHECK(all[i].extract_count() == extracts);
    ++i;
  }
}

// Rewrites the page at `offset` (its payload edited) and every page above it
// up to a new root, as a forger who can write the file would.
CatalogRoot Forge(MemoryPages& m, const CatalogRoot& root, const std::string& reg,
                  const std::function<void(CatalogPage&)>& edit) {
  // Walk down to the leaf that holds `reg`, remembering the path.
  std::vector<std::pair<uint64_t, int>> path;  // page offset, child index taken
  uint64_t at = root.offset();
  for (;;) {
    CatalogPage p;
    REQUIRE(p.ParseFromString(m.pages.at(at)));
    if (p.height() == 0) break;
    int idx = 0;
    for (int i = 0; i < p.children_size(); ++i)
      if (p.children(i).first_key() <= reg) idx = i;
    path.emplace_back(at, idx);
    at = p.children(idx).offset();
  }
  CatalogPage leaf;
  REQUIRE(leaf.ParseFromString(m.pages.at(at)));
  edit(leaf);
  std::string payload = leaf.SerializeAsString();
  uint64_t count = leaf.entries_size() + leaf.copies_size();  // a leaf of either tree
  uint64_t new_at = *m.AppendPage(payload);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    CatalogPage p;
    REQUIRE(p.ParseFromString(m.pages.at(it->first)));
    auto* c = p.mutable_children(it->second);
    c->set_offset(new_at);
    c->set_hash(custody::crypto::HashToString(custody::crypto::Blake2b256(payload)));
    c->set_count(count);
    count = 0;
    for (const auto& ch : p.children()) count += ch.count();
    payload = p.SerializeAsString();
    new_at = *m.AppendPage(payload);
  }
  CatalogRoot forged = root;
  forged.set_offset(new_at);
  forged.set_hash(custody::crypto::HashToString(custody::crypto::Blake2b256(payload)));
  forged.set_count(count);
  return forged;
}

}  // namespace

TEST_CASE("catalog/RandomInsertsAndUpdatesMatchAMapAcrossFlushes", "[catalog]") {
  MemoryPages m;
  Catalog c;
  c.UseReader(&m, 4);
  std::map<std::string, uint64_t> model;
  std::mt19937_64 rng(7);
  for (int round = 0; round < 12; ++round) {
    const int changes = round == 0 ? 3000 : 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < changes; ++i) {
      const std::string reg = Reg(rng() % 20000);
      auto found = c.Find(reg);
      REQUIRE(found);
      if (*found == nullptr) {
        CHECK(!model.count(reg));
        c.Insert(Doc(reg));
        model[reg] = 0;
      } else {
        CHECK(model.count(reg));
        c.Mutable(reg).set_extract_count(++model[reg]);
      }
    }
    ExpectModel(c, model);  // before the flush: tree merged with the changes
    auto root = c.Flush(m);
    REQUIRE(root);
    CHECK(root->count() == model.size());
    // A fresh reader of the new root sees exactly the model.
    Catalog fresh;
    fresh.Attach(&m, *root, 4);
    REQUIRE(fresh.CheckRoot());
    ExpectModel(fresh, model);
    for (int probe = 0; probe < 50; ++probe) {
      const std::string reg = Reg(rng() % 20000);
      auto got = fresh.Find(reg);
      REQUIRE(got);
      CHECK((*got != nullptr) == (model.count(reg) > 0));
      if (*got) CHECK((*got)->extract_count() == model[reg]);
    }
  }
}

TEST_CASE("catalog/OneChangeWritesOnePathAndALookupReadsOne", "[catalog]") {
  MemoryPages m;
  Catalog c;
  c.UseReader(&m, 4);
  for (uint64_t i = 0; i < 100000; ++i) c.Insert(Doc(Reg(i)));
  auto root = c.Flush(m);
  REQUIRE(root);
  REQUIRE(root->height() == 2);  // 1563 leaves of 64, 25 interior pages, a root
  // A bulk load fills the leaves.
  CHECK(m.writes == 1563 + 25 + 1);
  Catalog reader;
  reader.Attach(&m, *root, 4);
  m.reads = 0;
  auto d = reader.Find(Reg(54321));
  REQUIRE(d);
  REQUIRE(*d != nullptr);
  CHECK(m.reads == 3);  // root, interior, leaf
  // One more document: a new leaf (or two, if it splits) and the path above.
  m.writes = 0;
  m.written_bytes = 0;
  reader.Insert(Doc(Reg(54321) + "a"));
  auto after = reader.Flush(m);
  REQUIRE(after);
  CHECK(m.writes >= 3);
  CHECK(m.writes <= 4);
  CHECK(m.written_bytes < 40000);  // a few pages, not 100,000 entries
  CHECK(after->count() == 100001);
  // An update of one entry: exactly one path.
  m.writes = 0;
  REQUIRE(*reader.Find(Reg(7)));
  reader.Mutable(Reg(7)).set_extract_count(1);
  REQUIRE(reader.Flush(m));
  CHECK(m.writes == 3);
  // Nothing changed: nothing written.
  m.writes = 0;
  REQUIRE(reader.Flush(m));
  CHECK(m.writes == 0);
}

TEST_CASE("catalog/TheSameChangesMakeTheSameTree", "[catalog]") {
  auto build = [](MemoryPages& m) {
    Catalog c;
    c.UseReader(&m, 4);
    for (uint64_t i = 0; i < 5000; i += 2) c.Insert(Doc(Reg(i)));
    REQUIRE(c.Flush(m));
    for (uint64_t i = 1; i < 5000; i += 7) c.Insert(Doc(Reg(i)));
    return *c.Flush(m);
  };
  MemoryPages a, b;
  CHECK(build(a).hash() == build(b).hash());
}

TEST_CASE("catalog/HostilePagesAreRefusedWithTheBoundTheyBreak", "[catalog][attack]") {
  MemoryPages m;
  Catalog c;
  c.UseReader(&m, 4);
  for (uint64_t i = 0; i < 1000; ++i) c.Insert(Doc(Reg(i)));
  auto root = c.Flush(m);
  REQUIRE(root);
  REQUIRE(root->height() == 1);
  const std::string target = Reg(500);
  auto expect_refused = [&](const CatalogRoot& forged, const std::string& what) {
    Catalog r;
    r.Attach(&m, forged, 4);
    auto found = r.Find(target);
    auto listed = r.ForEach([](const DocumentState&) -> Status { return {}; });
    INFO(what);
    REQUIRE_FALSE(listed);
    CHECK_THAT(listed.error().message, Catch::Contains(what));
    if (!found) CHECK_THAT(found.error().message, Catch::Contains(what));
  };
  SECTION("a page that does not hash to its reference") {
    CatalogRoot bad = *root;
    bad.set_hash(std::string(32, 'x'));
    Catalog r;
    r.Attach(&m, bad, 4);
    CHECK_FALSE(r.CheckRoot());
    CHECK_FALSE(r.Find(target));
  }
  SECTION("entries out of order") {
    expect_refused(Forge(m, *root, target, [](CatalogPage& p) { p.mutable_entries()->SwapElements(0, 1); }),
                   "strictly ascending");
  }
  SECTION("an entry above its next sibling's smallest key") {
    expect_refused(Forge(m, *root, target, [](CatalogPage& p) {
                     *p.add_entries() = Doc(Reg(999999));
                   }),
                   "belongs to its next sibling");
  }
  SECTION("an entry at a level the vault does not have") {
    expect_refused(Forge(m, *root, target, [](CatalogPage& p) { p.mutable_entries(0)->mutable_added()->set_level(0x80000000u); }),
                   "level out of range");
  }
  SECTION("a leaf posing as an interior page") {
    expect_refused(Forge(m, *root, target, [](CatalogPage& p) { p.set_height(1); }), "height");
  }
  SECTION("more than 64 entries") {
    expect_refused(Forge(m, *root, target, [&](CatalogPage& p) {
                     p.clear_entries();
                     for (int i = 0; i < 65; ++i) *p.add_entries() = Doc(target + "-" + std::to_string(100 + i));
                   }),
                   "at most 64 entries");
  }
  SECTION("a tree that claims more documents than it holds") {
    CatalogRoot bad = *root;
    bad.set_count(root->count() + 1);
    Catalog r;
    r.Attach(&m, bad, 4);
    auto s = r.CheckRoot();
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("count"));
  }
  SECTION("a reference to a record that is not a page") {
    CatalogRoot bad = *root;
    bad.set_offset(12345);
    Catalog r;
    r.Attach(&m, bad, 4);
    auto s = r.CheckRoot();
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("no catalog page at 12345"));
  }
}

// --------------------------------------------------------------- TreeAuditor

TEST_CASE("catalog/AuditAcceptsEachHonestTreeReadingOnlyItsNewPages", "[catalog][audit]") {
  MemoryPages m;
  Catalog writer;   // what a vault writes
  Catalog replay;   // what audit replays (in memory)
  writer.UseReader(&m, 4);
  TreeAuditor audit(m);
  for (int commit = 0; commit < 6; ++commit) {
    const int n = commit == 0 ? 3000 : 5;
    for (int i = 0; i < n; ++i) {
      const std::string reg = Reg(commit * 100000 + i * 13);
      writer.Insert(Doc(reg));
      replay.Insert(Doc(reg));
    }
    if (commit > 0) {
      const std::string reg = Reg(13 * commit);
      REQUIRE(*writer.Find(reg));
      writer.Mutable(reg).set_extract_count(commit);
      replay.Mutable(reg).set_extract_count(commit);
    }
    auto root = writer.Flush(m);
    REQUIRE(root);
    m.reads = 0;
    auto s = audit.Check(*root, replay, replay.changed(), 4);
    INFO(commit);
    REQUIRE(s);
    replay.TakeChanged();
    if (commit > 0) CHECK(m.reads <= 8);  // the new path(s), not 48 leaves
  }
}

TEST_CASE("catalog/AuditRefusesAForgedTree", "[catalog][audit][attack]") {
  MemoryPages m;
  Catalog writer, replay;
  writer.UseReader(&m, 4);
  TreeAuditor audit(m);
  for (uint64_t i = 0; i < 1000; ++i) {
    writer.Insert(Doc(Reg(i)));
    replay.Insert(Doc(Reg(i)));
  }
  auto first = writer.Flush(m);
  REQUIRE(first);
  REQUIRE(audit.Check(*first, replay, replay.changed(), 4));
  replay.TakeChanged();
  // The ledger now says S-...500 was extracted once.
  const std::string target = Reg(500);
  REQUIRE(*writer.Find(target));
  writer.Mutable(target).set_extract_count(1);
  replay.Mutable(target).set_extract_count(1);
  auto check = [&](const CatalogRoot& root, const std::string& what) {
    auto s = audit.Check(root, replay, replay.changed(), 4);
    INFO(what);
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains(what));
  };
  SECTION("the old tree presented again: its leaf is stale") {
    check(*first, "is stale: document " + target + " changed since");
  }
  SECTION("an entry that differs from the ledger") {
    check(Forge(m, *first, target, [&](CatalogPage& p) {
            for (auto& d : *p.mutable_entries())
              if (d.added().reg_no() == target) d.set_extract_count(9);
          }),
          "document " + target + " differs from the state replayed");
  }
  SECTION("an entry the ledger never registered") {
    check(Forge(m, *first, target, [&](CatalogPage& p) {
            for (auto& d : *p.mutable_entries())
              if (d.added().reg_no() == target) d = Doc(target + "x");
          }),
          "which the ledger never registered");
  }
  SECTION("a tree that leaves a document out") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    CatalogRoot fewer = Forge(m, *root, target, [&](CatalogPage& p) {
      p.mutable_entries()->RemoveLast();
    });
    check(fewer, "documents, the ledger registered");
  }
  SECTION("the honest tree passes") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    CHECK(audit.Check(*root, replay, replay.changed(), 4));
  }
}

// ------------------------------------------------------------ the copy tree

namespace {
// A copy that passes R172's bounds.
CopyState Copy(const std::string& reg, uint32_t n, custody::format::CopyStatus status = custody::format::COPY_ISSUED) {
  CopyState c;
  c.mutable_issued()->set_reg_no(reg);
  c.mutable_issued()->set_copy_no(n);
  c.mutable_issued()->set_doc_id(custody::craft::H(reg).substr(0, 16));
  c.mutable_issued()->set_scope("bench");
  c.set_status(status);
  return c;
}
}  // namespace

TEST_CASE("catalog/CopyKeysSortAsRegistrationAndCopyNumber", "[catalog][copies]") {
  CHECK(CopyKey("A", 2) < CopyKey("A", 10));
  CHECK(CopyKey("A", 4294967295u) < CopyKey("A-1", 1));  // "A" before "A-1", as the pair sorts
  CHECK(CopyKey("A", 1) < CopyKey("A.1", 1));
  CHECK(CopyKey("A", 1).size() == 12);
  CHECK(CopyKey("A", 1) != CopyKey(std::string("A\0", 2), 1));
}

TEST_CASE("catalog/ACopyTreeFindsStreamsAndUpdatesByPaths", "[catalog][copies]") {
  MemoryPages m;
  CopyCatalog c;
  c.UseReader(&m, 4);
  std::map<std::pair<std::string, uint32_t>, int> model;
  for (int d = 0; d < 100; ++d)
    for (uint32_t n = 1; n <= 50; ++n) {
      c.Insert(Copy(Reg(d), n));
      model[{Reg(d), n}] = custody::format::COPY_ISSUED;
    }
  auto root = c.Flush(m);
  REQUIRE(root);
  CHECK(root->count() == 5000);
  CHECK(root->height() == 2);
  // A reader of the tree alone: one copy is one path.
  CopyCatalog r;
  r.Attach(&m, *root, 4);
  REQUIRE(r.CheckRoot());
  m.reads = 0;
  auto one = r.Find(CopyKey(Reg(42), 17));
  REQUIRE(one);
  REQUIRE(*one != nullptr);
  CHECK((*one)->issued().copy_no() == 17);
  CHECK(m.reads <= 3);
  CHECK(*r.Find(CopyKey(Reg(42), 51)) == nullptr);
  // A change writes the pages on its path only.
  r.UseReader(&m, 4);
  r.Mutable(CopyKey(Reg(42), 17)).set_status(custody::format::COPY_RETURNED);
  model[{Reg(42), 17}] = custody::format::COPY_RETURNED;
  const uint64_t before = m.writes;
  auto after = r.Flush(m);
  REQUIRE(after);
  CHECK(m.writes - before == 3);
  // The listing streams in (reg_no, copy_no) order.
  CopyCatalog fresh;
  fresh.Attach(&m, *after, 4);
  auto it = model.begin();
  REQUIRE(fresh.ForEach([&](const CopyState& x) -> Status {
    REQUIRE(it != model.end());
    CHECK(x.issued().reg_no() == it->first.first);
    CHECK(x.issued().copy_no() == it->first.second);
    CHECK(x.status() == it->second);
    ++it;
    return {};
  }));
  CHECK(it == model.end());
}

TEST_CASE("catalog/AuditRefusesAForgedCopyTree", "[catalog][copies][audit][attack]") {
  MemoryPages m;
  CopyCatalog writer, replay;
  writer.UseReader(&m, 4);
  CopyTreeAuditor audit(m);
  for (int d = 0; d < 40; ++d)
    for (uint32_t n = 1; n <= 25; ++n) {
      writer.Insert(Copy(Reg(d), n));
      replay.Insert(Copy(Reg(d), n));
    }
  auto first = writer.Flush(m);
  REQUIRE(first);
  REQUIRE(audit.Check(*first, replay, replay.changed(), 4));
  replay.TakeChanged();
  // The ledger now says copy 20/7 was returned.
  const std::string target = CopyKey(Reg(20), 7);
  REQUIRE(*writer.Find(target));
  writer.Mutable(target).set_status(custody::format::COPY_RETURNED);
  replay.Mutable(target).set_status(custody::format::COPY_RETURNED);
  auto check = [&](const CatalogRoot& root, const std::string& what) {
    auto st = audit.Check(root, replay, replay.changed(), 4);
    INFO(what);
    REQUIRE_FALSE(st);
    CHECK_THAT(st.error().message, Catch::Contains(what));
  };
  SECTION("the old tree presented again: its leaf is stale") {
    check(*first, "is stale: copy " + Reg(20) + "/7 changed since");
  }
  SECTION("a copy page forged: the copy still outstanding") {
    check(Forge(m, *first, target, [&](CatalogPage& p) {
            for (auto& c : *p.mutable_copies())
              if (CopyKey(c.issued().reg_no(), c.issued().copy_no()) == target)
                c.set_status(custody::format::COPY_RETURNED), c.set_reason("forged");
          }),
          "copy " + Reg(20) + "/7 differs from the state replayed");
  }
  SECTION("a root that leaves a copy out") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    check(Forge(m, *root, target, [&](CatalogPage& p) { p.mutable_copies()->RemoveLast(); }),
          "copies, the ledger issued");
  }
  SECTION("a wrong count") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    CatalogRoot more = *root;
    more.set_count(root->count() + 1);
    check(more, "copies, the ledger issued");
  }
  SECTION("pages out of order") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    check(Forge(m, *root, target, [&](CatalogPage& p) { p.mutable_copies()->SwapElements(0, 1); }),
          "not in strictly ascending order");
  }
  SECTION("a document leaf where a copy leaf belongs") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    check(Forge(m, *root, target, [&](CatalogPage& p) {
            p.mutable_copies()->RemoveLast();  // the count stays right
            *p.add_entries() = Doc(Reg(1));
          }),
          "is not a leaf of at most 64 copy entries");
  }
  SECTION("a copy the ledger never issued") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    // The last leaf's last copy renumbered past the last one issued: still
    // in order, the count still right.
    check(Forge(m, *root, CopyKey(Reg(39), 25), [&](CatalogPage& p) {
            p.mutable_copies(p.copies_size() - 1)->mutable_issued()->set_copy_no(26);
          }),
          "which the ledger never issued");
  }
  SECTION("the honest tree passes") {
    auto root = writer.Flush(m);
    REQUIRE(root);
    CHECK(audit.Check(*root, replay, replay.changed(), 4));
  }
}
