#include "tools/mount/mount_tree.h"

#include <cstdio>

#include "base/clock.h"
#include "base/json.h"

namespace custody::mount {

namespace {

std::string Iso(int64_t t) {
  if (t == 0) return "-";
  std::string s = UtcDateTime(t);  // "2026-11-27 08:00:00 UTC"
  return s.substr(0, 10) + "T" + s.substr(11, 8) + "Z";
}

// "report.pdf" -> {"report", ".pdf"}; a leading dot is part of the stem.
std::pair<std::string, std::string> SplitExtension(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return {name, ""};
  return {name.substr(0, dot), name.substr(dot)};
}

std::string IndexLine(const vault::DocumentInfo& d, const std::string& shown, bool auditor) {
  std::string line = d.reg_no + "\t";
  if (auditor) {
    line += (d.is_public ? std::string("public") : d.level_name) + "\t" +
            (d.destroyed ? "destroyed" : "held") + "\t" + Iso(d.added_unix) + "\tcopies " +
            std::to_string(d.copies_issued) + " issued, " + std::to_string(d.copies_outstanding) +
            " outstanding";
  } else {
    line += shown + "\t" + std::to_string(d.size) + "\t" + Iso(d.added_unix);
  }
  return line + "\n";
}

}  // namespace

std::string ShownName(const std::string& file_name, const std::string& reg_no) {
  std::string name = RepairUtf8(file_name);  // written before names were repaired at add
  for (char& c : name)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  if (name.empty() || name == "." || name == ".." || name == ".custody") name = reg_no;
  if (name.size() > 255) {
    auto [stem, ext] = SplitExtension(name);
    if (ext.size() > 32) ext.clear();
    // Cut on a UTF-8 boundary so the result stays valid.
    size_t keep = 255 - ext.size();
    while (keep > 0 && (static_cast<unsigned char>(stem[keep]) & 0xC0) == 0x80) --keep;
    name = stem.substr(0, keep) + ext;
  }
  return name;
}

uint64_t MountTree::Add(Node node) {
  nodes_.push_back(std::move(node));
  const uint64_t ino = nodes_.size() - 1;
  if (ino != kRoot) nodes_[nodes_[ino].parent].children.emplace(nodes_[ino].name, ino);
  return ino;
}

MountTree MountTree::Build(const std::vector<vault::DocumentInfo>& documents,
                           const std::vector<std::string>& levels, bool auditor, int64_t mounted_unix) {
  MountTree t;
  t.nodes_.emplace_back();  // inode 0 does not exist
  Node root;
  root.mtime_unix = mounted_unix;
  t.Add(std::move(root));
  std::map<std::string, uint64_t> folder_of;  // level name -> inode
  for (const auto& level : levels) {
    Node dir;
    dir.parent = kRoot;
    dir.name = level;
    dir.level_name = level;
    dir.mtime_unix = mounted_unix;
    folder_of[level] = t.Add(std::move(dir));
  }
  // Names first, per folder, so that collisions are known before any is added.
  std::map<std::string, std::map<std::string, int>> uses;  // folder -> shown name -> count
  std::vector<std::string> shown(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto& d = documents[i];
    if (auditor || d.destroyed) continue;
    shown[i] = ShownName(d.file_name.empty() ? d.title : d.file_name, d.reg_no);
    ++uses[d.is_public ? "public" : d.level_name][shown[i]];
  }
  std::map<std::string, std::string> index;  // folder -> index text
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto& d = documents[i];
    const std::string folder = d.is_public ? "public" : d.level_name;
    auto f = folder_of.find(folder);
    if (f == folder_of.end()) continue;
    if (auditor || d.destroyed) {
      if (auditor) index[folder] += IndexLine(d, "", true);
      continue;
    }
    std::string name = shown[i];
    if (uses[folder][name] > 1) {
      auto [stem, ext] = SplitExtension(name);
      name = stem + " (" + d.reg_no + ")" + ext;
    }
    // A hostile name may equal another's disambiguated one: never two in one place.
    for (int n = 2; t.Lookup(f->second, name) != 0; ++n) name = d.reg_no + " #" + std::to_string(n);
    Node doc;
    doc.kind = NodeKind::kDocument;
    doc.parent = f->second;
    doc.name = name;
    doc.size = d.size;
    doc.mtime_unix = d.added_unix;
    doc.reg_no = d.reg_no;
    doc.level_name = folder;
    t.Add(std::move(doc));
    index[folder] += IndexLine(d, name, false);
  }
  for (const auto& [level, dir] : folder_of) {
    Node meta;
    meta.parent = dir;
    meta.name = ".custody";
    meta.level_name = level;
    meta.mtime_unix = mounted_unix;
    const uint64_t meta_ino = t.Add(std::move(meta));
    Node idx;
    idx.kind = NodeKind::kIndex;
    idx.parent = meta_ino;
    idx.name = "index";
    idx.level_name = level;
    idx.mtime_unix = mounted_unix;
    idx.text = (auditor ? "# REG-NO\tLEVEL\tSTATE\tADDED\tCOPIES\n" : "# REG-NO\tFILE\tSIZE\tADDED\n") +
               index[level];
    idx.size = idx.text.size();
    t.Add(std::move(idx));
  }
  return t;
}

const Node* MountTree::Find(uint64_t ino) const {
  return ino == 0 || ino >= nodes_.size() ? nullptr : &nodes_[ino];
}

uint64_t MountTree::Lookup(uint64_t parent, const std::string& name) const {
  const Node* p = Find(parent);
  if (p == nullptr) return 0;
  auto it = p->children.find(name);
  return it == p->children.end() ? 0 : it->second;
}

}  // namespace custody::mount
