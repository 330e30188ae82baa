#include "tools/mount/mount_tree.h"

#include <catch2/catch.hpp>

#include <set>

#include "base/json.h"

namespace custody::mount {
namespace {

vault::DocumentInfo Doc(const std::string& reg, const std::string& level, const std::string& name,
                        uint64_t size = 10) {
  vault::DocumentInfo d;
  d.reg_no = reg;
  d.level_name = level;
  d.file_name = name;
  d.title = name;
  d.size = size;
  d.added_unix = 1780000000;
  return d;
}

std::vector<std::string> Names(const MountTree& t, uint64_t dir) {
  std::vector<std::string> out;
  for (const auto& [name, ino] : t.Find(dir)->children) out.push_back(name);
  return out;
}

TEST_CASE("mount: one folder per level given, each with its documents and an index", "[mount]") {
  auto t = MountTree::Build({Doc("I-1", "internal", "a.txt"), Doc("S-1", "secret", "b.txt")},
                            {"internal", "confidential"}, false, 1);
  CHECK(Names(t, MountTree::kRoot) == std::vector<std::string>{"confidential", "internal"});
  const uint64_t internal = t.Lookup(MountTree::kRoot, "internal");
  CHECK(Names(t, internal) == std::vector<std::string>{".custody", "a.txt"});
  // A document of a level not shown is nowhere, not even in an index.
  CHECK(t.Lookup(MountTree::kRoot, "secret") == 0);
  const Node* idx = t.Find(t.Lookup(t.Lookup(internal, ".custody"), "index"));
  REQUIRE(idx != nullptr);
  CHECK(idx->kind == NodeKind::kIndex);
  CHECK(idx->text.find("I-1\ta.txt\t10\t") != std::string::npos);
  CHECK(idx->text.find("S-1") == std::string::npos);
  CHECK(idx->size == idx->text.size());
  const Node* a = t.Find(t.Lookup(internal, "a.txt"));
  CHECK(a->reg_no == "I-1");
  CHECK(a->size == 10);
}

TEST_CASE("mount: documents sharing a name are all shown, none hides another", "[mount]") {
  // The third one's own name is what the first two would be renamed to.
  auto t = MountTree::Build({Doc("S-1", "secret", "r.txt"), Doc("S-2", "secret", "r.txt"),
                             Doc("S-3", "secret", "r (S-1).txt")},
                            {"secret"}, false, 1);
  const uint64_t dir = t.Lookup(MountTree::kRoot, "secret");
  auto names = Names(t, dir);
  CHECK(names.size() == 4);  // three documents and .custody
  CHECK(t.Lookup(dir, "r.txt") == 0);
  std::set<std::string> regs;
  for (const auto& n : names) {
    const Node* node = t.Find(t.Lookup(dir, n));
    if (node->kind == NodeKind::kDocument) regs.insert(node->reg_no);
  }
  CHECK(regs == std::set<std::string>{"S-1", "S-2", "S-3"});
  CHECK(t.Find(t.Lookup(dir, "r (S-2).txt"))->reg_no == "S-2");
}

TEST_CASE("mount: hostile names become valid, distinct, single path components", "[mount]") {
  CHECK(ShownName("a/b", "S-1") == "a_b");
  CHECK(ShownName("..", "S-1") == "S-1");
  CHECK(ShownName(".", "S-1") == "S-1");
  CHECK(ShownName("", "S-1") == "S-1");
  CHECK(ShownName(".custody", "S-1") == "S-1");
  CHECK(ShownName("tab\there\n", "S-1") == "tab_here_");
  CHECK(ShownName("bad\xff", "S-1") == "bad\xef\xbf\xbd");
  const std::string long_name = std::string(300, 'x') + ".pdf";
  CHECK(ShownName(long_name, "S-1").size() <= 255);
  CHECK(ShownName(long_name, "S-1").ends_with(".pdf"));
  // Cut on a character boundary: a long name of 3-byte characters stays UTF-8.
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "\xe6\x96\x87";
  CHECK(IsValidUtf8(ShownName(cjk, "S-1")));
  CHECK(ShownName(cjk, "S-1").size() <= 255);
}

TEST_CASE("mount: an auditor's tree holds no document and an index without names", "[mount]") {
  auto d = Doc("S-1", "secret", "plan.txt");
  d.file_name.clear();  // as Vault::List gives an auditor
  d.title.clear();
  d.copies_issued = 2;
  auto t = MountTree::Build({d}, {"internal", "secret"}, true, 1);
  const uint64_t secret = t.Lookup(MountTree::kRoot, "secret");
  CHECK(Names(t, secret) == std::vector<std::string>{".custody"});
  const Node* idx = t.Find(t.Lookup(t.Lookup(secret, ".custody"), "index"));
  CHECK(idx->text.find("S-1\tsecret\theld\t") != std::string::npos);
  CHECK(idx->text.find("2 issued") != std::string::npos);
  CHECK(idx->text.find("plan") == std::string::npos);
}

}  // namespace
}  // namespace custody::mount
