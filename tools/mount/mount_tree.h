// The namespace a mount shows (README "Mount"): one folder per level the
// identity is cleared for, named by the level, holding that level's
// documents under their file names and a read-only `.custody/index`. Built
// once from the vault's listing when the mount starts; the documents of an
// uncleared level are not in the listing, so their folder does not exist.
//
// File names come from the documents' sealed metadata, which anyone who
// could add a document chose: a name's bytes that are not UTF-8 show as
// U+FFFD, '/' and control characters as "_", an empty name or "." or ".."
// as the registration number, and two documents that would show under the same
// name are both shown as "stem (REG-NO).ext", so a listing is never broken
// and no document hides another.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vault/vault.h"

namespace custody::mount {

enum class NodeKind { kDirectory, kDocument, kIndex };

struct Node {
  NodeKind kind = NodeKind::kDirectory;
  uint64_t parent = 1;
  std::string name;
  std::map<std::string, uint64_t> children;  // directories only: name -> inode
  uint64_t size = 0;
  int64_t mtime_unix = 0;
  std::string reg_no;      // documents
  std::string level_name;  // documents and level folders (and the folders in them)
  std::string text;        // the index file's content
  bool in_index = false;   // the read-only `.custody` folder
  bool detached = false;   // unlinked or replaced: no longer in any folder
};

class MountTree {
 public:
  static constexpr uint64_t kRoot = 1;
  // `documents`: the identity's listing (Vault::List); `levels`: the folders
  // to show, lowest first. `auditor`: the index lists numbers, levels,
  // states and dates only, and no document is shown.
  static MountTree Build(const std::vector<vault::DocumentInfo>& documents,
                         const std::vector<std::string>& levels, bool auditor, int64_t mounted_unix);
  // nullptr for an inode that does not exist. Pointers stay valid as nodes
  // are added (a deque), and a detached node stays (an open file may still
  // be read after its unlink).
  const Node* Find(uint64_t ino) const;
  Node* FindMutable(uint64_t ino);
  // 0 if `parent` has no child `name`.
  uint64_t Lookup(uint64_t parent, const std::string& name) const;
  uint64_t size() const { return nodes_.size() - 1; }

  // The writable mount's changes (mount_fs.cc); inodes are never reused.
  // Adds `node` into its parent folder under its name; returns its inode.
  uint64_t Add(Node node);
  // Takes `ino` out of its folder (it stays findable).
  void Detach(uint64_t ino);
  // Moves `ino` into `parent` as `name` (which must be free there).
  void Move(uint64_t ino, uint64_t parent, const std::string& name);
  // The folder path of directory `ino` within its level's folder ("a/b";
  // "" for the level folder itself), as DocumentMetadata.folder holds it.
  std::string FolderPath(uint64_t ino) const;
  // Every document node at or below directory `ino`.
  std::vector<uint64_t> DocumentsBelow(uint64_t ino) const;
  // The index text of level folder `level_dir` as the session's tree shows
  // it now (a member's index: number, path, size, time), for a writable
  // mount, where documents come and go. `size_of` gives a node's size.
  std::string MemberIndex(uint64_t level_dir, const std::function<uint64_t(uint64_t)>& size_of) const;

 private:
  std::deque<Node> nodes_;  // index = inode; [0] unused
};

// True for the names editors and office programs give their temporary,
// swap, backup and lock files (vim's .x.swp and 4913, emacs' #x# and x~,
// LibreOffice's .~lock.x#, gedit's .goutputstream-*, *.tmp and the like).
// The writable mount keeps such files in locked memory for the session and
// never registers them (README "Mount").
bool IsTemporaryName(const std::string& name);

// What a document's file name shows as (see the header comment), before
// collisions are resolved.
std::string ShownName(const std::string& file_name, const std::string& reg_no);

}  // namespace custody::mount
