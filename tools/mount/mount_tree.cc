#include "tools/mount/mount_tree.h"

#include <algorithm>
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

void MountTree::Detach(uint64_t ino) {
  Node& n = nodes_[ino];
  if (n.detached) return;
  auto& siblings = nodes_[n.parent].children;
  auto it = siblings.find(n.name);
  if (it != siblings.end() && it->second == ino) siblings.erase(it);
  n.detached = true;
}

void MountTree::Move(uint64_t ino, uint64_t parent, const std::string& name) {
  Detach(ino);
  Node& n = nodes_[ino];
  n.parent = parent;
  n.name = name;
  n.detached = false;
  nodes_[parent].children.emplace(name, ino);
}

std::string MountTree::FolderPath(uint64_t ino) const {
  std::string path;
  // Up to the level folder, whose parent is the root.
  for (uint64_t at = ino; at != kRoot && nodes_[at].parent != kRoot; at = nodes_[at].parent)
    path = nodes_[at].name + (path.empty() ? "" : "/" + path);
  return path;
}

std::vector<uint64_t> MountTree::DocumentsBelow(uint64_t ino) const {
  std::vector<uint64_t> out, todo{ino};
  while (!todo.empty()) {
    const uint64_t at = todo.back();
    todo.pop_back();
    for (const auto& [name, child] : nodes_[at].children) {
      if (nodes_[child].kind == NodeKind::kDocument) out.push_back(child);
      else if (nodes_[child].kind == NodeKind::kDirectory) todo.push_back(child);
    }
  }
  return out;
}

std::string MountTree::MemberIndex(uint64_t level_dir, const std::function<uint64_t(uint64_t)>& size_of) const {
  std::vector<std::pair<std::string, std::string>> lines;  // reg_no, line: sorted as Build's listing is
  for (uint64_t doc : DocumentsBelow(level_dir)) {
    const Node& n = nodes_[doc];
    if (n.reg_no.empty()) continue;  // not registered yet
    const std::string folder = FolderPath(n.parent);
    lines.emplace_back(n.reg_no, n.reg_no + "\t" + (folder.empty() ? n.name : folder + "/" + n.name) + "\t" +
                                     std::to_string(size_of(doc)) + "\t" + Iso(n.mtime_unix) + "\n");
  }
  std::sort(lines.begin(), lines.end());
  std::string text = "# REG-NO\tFILE\tSIZE\tADDED\n";
  for (const auto& [reg, line] : lines) text += line;
  return text;
}

bool IsTemporaryName(const std::string& name) {
  const auto ends = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const auto starts = [&](const std::string& prefix) { return name.rfind(prefix, 0) == 0; };
  if (name == "4913" || name == ".directory" || name == ".DS_Store") return true;  // vim's probe; desktop litter
  if (ends("~") || ends(".swp") || ends(".swo") || ends(".swx") || ends(".tmp") || ends(".temp") ||
      ends(".bak") || ends(".part") || ends(".crdownload"))
    return true;
  if (starts(".~lock.") || starts(".goutputstream-") || starts("~$") || starts(".#")) return true;
  if (name.size() >= 2 && name.front() == '#' && name.back() == '#') return true;  // emacs auto-save
  return false;
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
  // A document's folder: its level's, then the sealed folder path, each
  // component repaired as a name is (created on first use).
  const auto folder_for = [&](const vault::DocumentInfo& d, uint64_t level_dir) {
    uint64_t at = level_dir;
    size_t from = 0;
    while (!d.folder.empty() && from <= d.folder.size()) {
      size_t slash = d.folder.find('/', from);
      if (slash == std::string::npos) slash = d.folder.size();
      const std::string part = ShownName(d.folder.substr(from, slash - from), "_");
      from = slash + 1;
      uint64_t next = t.Lookup(at, part);
      if (next == 0) {
        Node dir;
        dir.parent = at;
        dir.name = part;
        dir.level_name = t.Find(level_dir)->level_name;
        dir.mtime_unix = mounted_unix;
        next = t.Add(std::move(dir));
      } else if (t.Find(next)->kind != NodeKind::kDirectory) {
        break;  // a document holds that name: the rest stays in this folder
      }
      at = next;
    }
    return at;
  };
  const auto shows = [&](const vault::DocumentInfo& d) { return !auditor && !d.destroyed && !d.withdrawn; };
  std::vector<uint64_t> dir_of(documents.size(), 0);
  std::map<uint64_t, std::map<std::string, int>> uses;  // folder inode -> shown name -> count
  std::vector<std::string> shown(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto& d = documents[i];
    if (!shows(d)) continue;
    auto f = folder_of.find(d.is_public ? "public" : d.level_name);
    if (f == folder_of.end()) continue;
    dir_of[i] = folder_for(d, f->second);
    shown[i] = ShownName(d.file_name.empty() ? d.title : d.file_name, d.reg_no);
    ++uses[dir_of[i]][shown[i]];
  }
  std::map<std::string, std::string> index;  // folder -> index text
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto& d = documents[i];
    const std::string folder = d.is_public ? "public" : d.level_name;
    auto f = folder_of.find(folder);
    if (f == folder_of.end()) continue;
    if (!shows(d)) {
      if (auditor) index[folder] += IndexLine(d, "", true);
      continue;
    }
    std::string name = shown[i];
    if (uses[dir_of[i]][name] > 1) {
      auto [stem, ext] = SplitExtension(name);
      name = stem + " (" + d.reg_no + ")" + ext;
    }
    // A hostile name may equal another's disambiguated one: never two in one place.
    for (int n = 2; t.Lookup(dir_of[i], name) != 0; ++n) name = d.reg_no + " #" + std::to_string(n);
    Node doc;
    doc.kind = NodeKind::kDocument;
    doc.parent = dir_of[i];
    doc.name = name;
    doc.size = d.size;
    doc.mtime_unix = d.added_unix;
    doc.reg_no = d.reg_no;
    doc.level_name = folder;
    t.Add(std::move(doc));
    index[folder] += IndexLine(d, t.FolderPath(dir_of[i]).empty() ? name : t.FolderPath(dir_of[i]) + "/" + name, false);
  }
  for (const auto& [level, dir] : folder_of) {
    Node meta;
    meta.parent = dir;
    meta.name = ".custody";
    meta.level_name = level;
    meta.in_index = true;
    meta.mtime_unix = mounted_unix;
    const uint64_t meta_ino = t.Add(std::move(meta));
    Node idx;
    idx.kind = NodeKind::kIndex;
    idx.parent = meta_ino;
    idx.name = "index";
    idx.level_name = level;
    idx.in_index = true;
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

Node* MountTree::FindMutable(uint64_t ino) {
  return ino == 0 || ino >= nodes_.size() ? nullptr : &nodes_[ino];
}

uint64_t MountTree::Lookup(uint64_t parent, const std::string& name) const {
  const Node* p = Find(parent);
  if (p == nullptr) return 0;
  auto it = p->children.find(name);
  return it == p->children.end() ? 0 : it->second;
}

}  // namespace custody::mount
