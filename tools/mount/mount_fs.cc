#define FUSE_USE_VERSION 34
#include "tools/mount/mount_fs.h"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/utf8.h"
#include "crypto/secret_bytes.h"
#include "format/constants.h"
#include "tools/mount/mount_tree.h"
#include "vault/storage/extent_stream.h"

namespace custody::mount {

namespace {

constexpr double kTimeout = 3600;     // the tree does not change during a session
constexpr size_t kCachedChunks = 8;  // 8 MiB of decrypted 1 MiB chunks, in locked memory
constexpr uint64_t kReadAhead = 4;   // chunks decrypted ahead of a read
constexpr int kReadAheadThreads = 2; // so both cores decrypt while the loop copies
constexpr size_t kSpareBuffers = 8;  // chunk buffers kept for reuse (SpareChunks)
constexpr size_t kMaxWaitingDrafts = 512;  // closed files waiting to be stored (see Release)
const char* const kXattrRegNo = "user.custody.reg_no";
const char* const kXattrLevel = "user.custody.level";

int64_t NowMonotonicSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One open waiting for its first-open event to be committed.
struct PendingOpen {
  fuse_req_t req;
  fuse_ino_t ino;
  fuse_file_info fi;
};

// A directory's entries as readdir sends them, and where each one ends
// (the offset the kernel gives back to continue after it); the same with
// each entry's attributes, as readdirplus sends them (so `ls -l` needs no
// lookup per file).
struct DirListing {
  std::string buf;
  std::vector<size_t> ends;
  std::string plus_buf;
  std::vector<size_t> plus_ends;
};

// A decrypted chunk, in locked memory.
struct CachedChunk {
  crypto::SecretBytes bytes;
  size_t length = 0;
};

// The most plaintext the drafts of one mount hold at once, in locked memory.
constexpr uint64_t kMaxDraftBytes = uint64_t{1} << 30;
std::atomic<uint64_t> g_draft_bytes{0};
// The largest file the mount takes (a draft streams into the vault's drive
// as it is written, so it is not bounded by memory).
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 40;

// Chunk-sized buffers of locked memory, wiped, kept for the next chunk a
// draft fills or a read decrypts: a large file written or read in order
// then reuses a few buffers rather than mapping, locking and unmapping one
// per chunk. A buffer given back is zeroed at once, so no plaintext waits
// here.
class SpareChunks {
 public:
  // `len` zeroed bytes: a spare buffer of that size, or a new one.
  crypto::SecretBytes Take(size_t len) {
    {
      std::lock_guard lock(mu_);
      for (auto it = spare_.begin(); it != spare_.end(); ++it)
        if (it->size() == len) {
          crypto::SecretBytes b = std::move(*it);
          spare_.erase(it);
          return b;
        }
    }
    return crypto::SecretBytes(len);
  }
  // Keeps `b` if it is a whole chunk (format::kChunkSize, what this
  // version writes) and there is room; otherwise it is freed (and wiped)
  // as it goes.
  void Give(crypto::SecretBytes b) {
    if (b.size() != format::kChunkSize) return;
    crypto::Wipe(b.data(), b.size());
    std::lock_guard lock(mu_);
    if (spare_.size() < kSpareBuffers) spare_.push_back(std::move(b));
  }
  // At unmount: the memory goes back.
  void Clear() {
    std::lock_guard lock(mu_);
    spare_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<crypto::SecretBytes> spare_;
};
SpareChunks g_spare_chunks;

// A file being written through the mount, until it is registered (a new
// document) or stored as the next version of its document. Never written
// to disk in the clear. Its bytes are in locked memory a chunk at a time (a
// chunk never written reads as zeros); the first chunk's buffer grows with
// what is written in it (4 KiB, doubling, up to the chunk), so a small
// file locks a few pages rather than a whole 1 MiB. A large file is sealed
// as it grows: each whole chunk once the file goes past it is sealed under
// the next version's own data key into a vault::StreamingExtent (an
// unnamed file on the vault's drive) and its plaintext let go, so the
// draft holds about one chunk of it; the store then copies those chunks
// into the vault and seals only the rest. A write or truncate into a sealed
// chunk opens it (and those after it) back into memory.
class Draft {
 public:
  using MakeStream = std::function<std::unique_ptr<vault::StreamingExtent>()>;
  // `make_stream` makes the StreamingExtent when the first chunk fills;
  // null, or returning null: the draft stays in memory.
  explicit Draft(MakeStream make_stream = nullptr) : make_stream_(std::move(make_stream)) {}
  ~Draft() {
    for (auto& c : chunks_) g_spare_chunks.Give(std::move(c));
    g_draft_bytes -= held_;
  }
  uint64_t size() const { return size_; }
  // 0 or an errno.
  int Write(uint64_t off, const char* data, size_t n) {
    if (off + n > kMaxFileBytes) return EFBIG;
    const uint64_t end = off + n;
    if (n > 0)
      if (int e = Unseal(off / kChunk, size_); e != 0) return e;
    for (uint64_t at = off; at < end;) {
      const uint64_t index = at / kChunk, in = at % kChunk;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(end - at, kChunk - in));
      if (!Ensure(index, in + take)) return ENOSPC;
      std::memcpy(chunks_[index].data() + in, data + (at - off), take);
      at += take;
    }
    size_ = std::max(size_, end);
    ++generation_;
    SealFilled();
    return 0;
  }
  // [off, off + n) (within size()) as pieces of the draft's memory (bytes
  // never written: zeros; a sealed chunk: opened into `opened`), valid
  // while `mu` is held and `opened` lives. 0 or an errno.
  int Pieces(uint64_t off, size_t n, std::vector<iovec>& out, std::deque<crypto::SecretBytes>& opened) {
    static const std::vector<uint8_t> zeros(kChunk, 0);
    return ForEachPiece(off, n, opened, [&](const uint8_t* from, size_t len, uint64_t) {
      out.push_back({const_cast<uint8_t*>(from != nullptr ? from : zeros.data()), len});
    });
  }
  // Copies [off, off + n) (within size()) into `out`.
  Status Read(uint64_t off, uint8_t* out, size_t n) {
    std::deque<crypto::SecretBytes> opened;
    if (ForEachPiece(off, n, opened, [&](const uint8_t* from, size_t len, uint64_t at) {
          if (from != nullptr) std::memcpy(out + (at - off), from, len);
          else std::memset(out + (at - off), 0, len);
        }) != 0)
      return Fail(Code::kIo, stream_error_);
    return {};
  }
  int Truncate(uint64_t size) {
    if (size > kMaxFileBytes) return EFBIG;
    // A sealed chunk must not be the last one: the one the new end falls
    // in comes back into memory, the ones past it go.
    const uint64_t keep_sealed = size == 0 ? 0 : (size + kChunk - 1) / kChunk - 1;
    if (int e = Unseal(keep_sealed, std::min(size, size_)); e != 0) return e;
    if (size < size_) {
      // Bytes past the new end are zeroed, so a later extension reads zeros.
      const uint64_t keep_chunks = (size + kChunk - 1) / kChunk;
      while (chunks_.size() > keep_chunks) {
        Release(chunks_.back().size());
        g_spare_chunks.Give(std::move(chunks_.back()));
        chunks_.pop_back();
      }
      const uint64_t last = size / kChunk, in = size % kChunk;
      if (in != 0 && last < chunks_.size() && chunks_[last].size() > in)
        std::memset(chunks_[last].data() + in, 0, chunks_[last].size() - in);
    }
    size_ = size;
    ++generation_;
    return 0;
  }
  uint64_t generation() const { return generation_; }
  // Where its first chunks are sealed, or null (vault::ContentSource::streamed),
  // once every chunk handed to it is sealed.
  vault::StreamingExtent* SettledStream() {
    Settle();
    return stream_.get();
  }
  // Why a sealed chunk could not be opened.
  const std::string& error() const { return stream_error_; }
  std::mutex mu;  // a commit reads the draft whole, under it

 private:
  static constexpr uint64_t kChunk = format::kChunkSize;
  uint64_t Sealed() const { return stream_ ? stream_->sealed() : 0; }
  // Calls fn(bytes or nullptr for zeros, length, offset) over [off, off + n).
  template <typename F>
  int ForEachPiece(uint64_t off, size_t n, std::deque<crypto::SecretBytes>& opened, F&& fn) {
    if (off / kChunk < Sealed()) Settle();
    for (uint64_t at = off; at < off + n;) {
      const uint64_t index = at / kChunk, in = at % kChunk;
      const uint64_t room = kChunk - in;
      uint64_t take = std::min<uint64_t>(off + n - at, room);
      if (index < Sealed()) {
        crypto::SecretBytes& c = opened.emplace_back(kChunk);
        if (Status s = stream_->Open(index, c.span()); !s) {
          stream_error_ = s.error().message;
          return EIO;
        }
        fn(c.data() + in, static_cast<size_t>(take), at);
        at += take;
        continue;
      }
      const size_t held = index < chunks_.size() ? chunks_[index].size() : 0;
      if (in < held) {
        take = std::min<uint64_t>(take, held - in);
        fn(chunks_[index].data() + in, static_cast<size_t>(take), at);
      } else {
        fn(nullptr, static_cast<size_t>(take), at);
      }
      at += take;
    }
    return 0;
  }
  // Chunk `index` holds at least `need` bytes (its buffer grown, the bytes
  // kept); false if the mount's drafts would hold more than allowed.
  bool Ensure(uint64_t index, uint64_t need) {
    if (chunks_.size() <= index) chunks_.resize(index + 1);
    crypto::SecretBytes& c = chunks_[index];
    if (c.size() >= need) return true;
    // Past the first chunk the file is a large one: whole chunks at once.
    uint64_t grown = index > 0 ? kChunk : std::max<uint64_t>(c.size() * 2, 4096);
    while (grown < need) grown *= 2;
    grown = std::min<uint64_t>(grown, kChunk);
    const uint64_t more = grown - c.size();
    if (g_draft_bytes.fetch_add(more) + more > kMaxDraftBytes) {
      g_draft_bytes -= more;
      return false;
    }
    held_ += more;
    crypto::SecretBytes bigger = grown == kChunk ? g_spare_chunks.Take(kChunk) : crypto::SecretBytes(grown);  // zeroed
    if (!c.empty()) std::memcpy(bigger.data(), c.data(), c.size());
    g_spare_chunks.Give(std::move(c));
    c = std::move(bigger);
    return true;
  }
  void Release(uint64_t n) {
    held_ -= n;
    g_draft_bytes -= n;
  }
  // Seals each whole chunk the file now goes past (see the class comment).
  void SealFilled() {
    if (stream_failed_ || (stream_ && stream_->finished())) return;
    while (size_ > (Sealed() + 1) * kChunk) {
      if (!stream_) {
        if (make_stream_) stream_ = make_stream_();
        if (!stream_) {
          stream_failed_ = true;  // kept in memory, as a small file is
          return;
        }
      }
      const uint64_t index = Sealed();
      if (!Ensure(index, kChunk)) return;  // a hole: zeros, sealed like bytes
      if (!stream_->Push(chunks_[index])) {
        Settle();
        return;
      }
      Release(kChunk);  // the sealer's now, then back to g_spare_chunks
      chunks_[index] = {};
    }
  }
  // Waits for the sealer. If it could not write, the chunks it did not seal
  // come back into memory and the draft stops streaming.
  void Settle() {
    if (!stream_) return;
    std::vector<std::pair<uint64_t, crypto::SecretBytes>> back;
    if (Status s = stream_->Settle(back); !s) {
      stream_error_ = s.error().message;
      stream_failed_ = true;
    }
    for (auto& [index, bytes] : back) {
      if (chunks_.size() <= index) chunks_.resize(index + 1);
      held_ += bytes.size();
      g_draft_bytes += bytes.size();
      chunks_[index] = std::move(bytes);
    }
  }
  // Opens the sealed chunks from `index` on that hold bytes before `end`
  // back into memory, and forgets every sealed chunk from `index` on. 0 or
  // an errno.
  int Unseal(uint64_t index, uint64_t end) {
    if (index >= Sealed()) return 0;
    Settle();
    const uint64_t sealed = Sealed();
    for (uint64_t i = index; i < sealed && i * kChunk < end; ++i) {
      if (!Ensure(i, kChunk)) return ENOSPC;
      if (Status s = stream_->Open(i, chunks_[i].span()); !s) {
        stream_error_ = s.error().message;
        return EIO;
      }
    }
    stream_->DropFrom(index);
    return 0;
  }
  MakeStream make_stream_;
  std::unique_ptr<vault::StreamingExtent> stream_;
  bool stream_failed_ = false;
  std::string stream_error_;
  std::vector<crypto::SecretBytes> chunks_;
  uint64_t size_ = 0, held_ = 0, generation_ = 0;
};

// What the mount keeps about a file it is writing (or a document it has
// shown under a temporary name), by inode.
struct Writing {
  std::shared_ptr<Draft> draft;  // null once stored and closed
  bool dirty = false;            // changed since it was last stored
  uint64_t stored_generation = 0;
  int writers = 0;               // open descriptors that may write
  // A committed document renamed to a temporary name (vim's "x~" before it
  // writes x anew): no event; the folder and name it came from, so that a
  // new file there becomes its next version.
  bool aliased = false;
  uint64_t alias_parent = 0;
  std::string alias_name;
  uint64_t superseded_by = 0;  // the new file there, which shows the document now
  bool in_store = false;       // the storer has it: never dropped meanwhile
};

// One commit for the storer: a file to store, and the fsync waiting for it.
struct StoreJob {
  fuse_ino_t ino;
  fuse_req_t fsync = nullptr;
};

class Filesystem {
 public:
  Filesystem(vault::Vault& v, const vault::Identity& id, MountTree tree, uint64_t mounted_at, bool writable)
      : vault_(v), id_(id), mounted_at_(mounted_at), writable_(writable), tree_(std::move(tree)) {
    Touch();
  }

  // --- the lowlevel operations (each answers its request) ---
  void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Touch();
    std::lock_guard lock(mu_);
    uint64_t ino = tree_.Lookup(parent, name);
    if (ino == 0) {
      // A negative entry is cached only briefly: files appear as they are made.
      fuse_entry_param e{};
      e.entry_timeout = writable_ ? 0 : kTimeout;
      return (void)fuse_reply_entry(req, &e);
    }
    ReplyEntry(req, ino);
  }

  void GetAttr(fuse_req_t req, fuse_ino_t ino) {
    // A stat of the mount point itself (mountpoint(1), a shell's prompt) is
    // not use: it does not hold an idle mount open.
    if (ino != MountTree::kRoot) Touch();
    std::lock_guard lock(mu_);
    if (tree_.Find(ino) == nullptr) return (void)fuse_reply_err(req, ENOENT);
    struct stat st = Attributes(ino);
    fuse_reply_attr(req, &st, AttrTimeout());
  }

  void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Touch();
    std::lock_guard lock(mu_);
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    if (n->kind != NodeKind::kDirectory) return (void)fuse_reply_err(req, ENOTDIR);
    // The whole listing once per opendir; readdir hands out slices of it.
    auto list = std::make_unique<DirListing>();
    auto add = [&](const std::string& name, uint64_t child) {
      struct stat st{};
      st.st_ino = child;
      st.st_mode = Attributes(child).st_mode;
      size_t need = fuse_add_direntry(req, nullptr, 0, name.c_str(), &st, 0);
      size_t at = list->buf.size();
      list->buf.resize(at + need);
      fuse_add_direntry(req, list->buf.data() + at, need, name.c_str(), &st,
                        static_cast<off_t>(at + need));
      list->ends.push_back(at + need);
      // "." and "..": no entry (the kernel looks nothing up for them).
      fuse_entry_param e{};
      if (name != "." && name != "..") e = Entry(child);
      else e.attr = st;
      need = fuse_add_direntry_plus(req, nullptr, 0, name.c_str(), &e, 0);
      at = list->plus_buf.size();
      list->plus_buf.resize(at + need);
      fuse_add_direntry_plus(req, list->plus_buf.data() + at, need, name.c_str(), &e,
                             static_cast<off_t>(at + need));
      list->plus_ends.push_back(at + need);
    };
    add(".", ino);
    add("..", n->parent);
    for (const auto& [name, child] : n->children) add(name, child);
    fi->fh = reinterpret_cast<uint64_t>(list.release());
    fi->cache_readdir = writable_ ? 0 : 1;
    fuse_reply_open(req, fi);
  }

  // `plus`: readdirplus (entries with their attributes).
  void ReadDir(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi, bool plus) {
    Touch();
    const auto* list = reinterpret_cast<const DirListing*>(fi->fh);
    const std::string& buf = plus ? list->plus_buf : list->buf;
    const std::vector<size_t>& ends = plus ? list->plus_ends : list->ends;
    if (off < 0 || static_cast<size_t>(off) >= buf.size()) return (void)fuse_reply_buf(req, nullptr, 0);
    // An offset is where an entry ends (in the form the kernel asked for;
    // it asks in one form per open directory): reply with the whole
    // entries after it that fit.
    const size_t from = static_cast<size_t>(off);
    auto it = std::upper_bound(ends.begin(), ends.end(), from);
    size_t to = from;
    for (; it != ends.end() && *it - from <= size; ++it) to = *it;
    fuse_reply_buf(req, buf.data() + from, to - from);
  }

  void ReleaseDir(fuse_req_t req, fuse_file_info* fi) {
    delete reinterpret_cast<DirListing*>(fi->fh);
    fuse_reply_err(req, 0);
  }

  void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Touch();
    std::unique_lock lock(mu_);
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    if (n->kind == NodeKind::kDirectory) return (void)fuse_reply_err(req, EISDIR);
    const bool write = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
    if (write && (!writable_ || n->kind == NodeKind::kIndex || !WritableFolder(n->parent)))
      return (void)fuse_reply_err(req, writable_ ? EACCES : EROFS);
    if (n->kind == NodeKind::kIndex) {
      if (writable_) {
        // Documents come and go: the index as the tree is now, read
        // without the page cache (its size changes with it).
        Node* idx = tree_.FindMutable(ino);
        idx->text = tree_.MemberIndex(tree_.Find(idx->parent)->parent, [&](uint64_t doc) {
          auto w = writing_.find(doc);
          return w != writing_.end() && w->second.draft ? w->second.draft->size() : tree_.Find(doc)->size;
        });
        idx->size = idx->text.size();
        fi->direct_io = 1;
      } else {
        fi->keep_cache = 1;  // built once per session
      }
      return (void)fuse_reply_open(req, fi);
    }
    auto w = writing_.find(ino);
    const bool has_draft = w != writing_.end() && w->second.draft;
    if (write) {
      if (int e = OpenToWrite(lock, ino, fi); e != 0) return (void)fuse_reply_err(req, e);
      return (void)fuse_reply_open(req, fi);
    }
    fi->fh = 0;
    if (has_draft) {
      ++opens_[ino];
      return (void)fuse_reply_open(req, fi);  // read from the draft
    }
    fi->keep_cache = writable_ ? 0 : 1;  // a read-only session never changes content
    // A document: answered by the committer once its first open is in the ledger.
    pending_.push_back({req, ino, *fi});
    lock.unlock();
    work_.notify_all();  // shared with the read-ahead thread
  }

  void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off) {
    Touch();
    if (off < 0) return (void)fuse_reply_err(req, EINVAL);
    std::shared_ptr<vault::ExtentReader> reader;
    std::shared_ptr<Draft> draft;
    uint64_t node_size;
    std::string reg_no;
    const Node* n;
    {
      std::lock_guard lock(mu_);
      n = tree_.Find(ino);
      if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
      node_size = n->size;
      reg_no = n->reg_no;
      auto it = readers_.find(ino);
      if (it != readers_.end()) reader = it->second;
      auto w = writing_.find(ino);
      if (w != writing_.end()) draft = w->second.draft;
    }
    if (draft) {
      std::lock_guard d(draft->mu);
      const uint64_t dend = std::min<uint64_t>(draft->size(), static_cast<uint64_t>(off) + size);
      if (static_cast<uint64_t>(off) >= dend) return (void)fuse_reply_buf(req, nullptr, 0);
      // Straight from the locked draft: the reply copies it to the kernel
      // before the lock is let go.
      std::vector<iovec> iov;
      std::deque<crypto::SecretBytes> opened;
      if (int e = draft->Pieces(static_cast<uint64_t>(off), static_cast<size_t>(dend - static_cast<uint64_t>(off)), iov, opened);
          e != 0) {
        Log(reg_no + ": " + draft->error());
        return (void)fuse_reply_err(req, e);
      }
      return (void)fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
    }
    const uint64_t end = std::min<uint64_t>(node_size, static_cast<uint64_t>(off) + size);
    if (static_cast<uint64_t>(off) >= end) return (void)fuse_reply_buf(req, nullptr, 0);
    if (n->kind == NodeKind::kIndex)
      return (void)fuse_reply_buf(req, n->text.data() + off, end - static_cast<uint64_t>(off));
    // Only an open the ledger records makes a reader, or a file opened
    // while it was a draft of this session's, stored since (its reader is
    // made here: nothing in it was read from the vault before).
    if (!reader) {
      bool known;
      {
        std::lock_guard lock(mu_);
        known = opened_.count(reg_no) || written_.count(reg_no);
      }
      if (!known || reg_no.empty()) return (void)fuse_reply_err(req, EIO);
      auto r = Vault([&] { return vault_.OpenContent(id_, reg_no); });
      if (!r) {
        Log(r.error().message);
        return (void)fuse_reply_err(req, EIO);
      }
      std::lock_guard lock(mu_);
      reader = readers_[ino] = std::shared_ptr<vault::ExtentReader>(std::move(*r));
    }
    const uint64_t cs = reader->chunk_size();
    std::vector<iovec> iov;
    std::vector<std::shared_ptr<CachedChunk>> hold;  // alive until the reply is sent
    for (uint64_t at = static_cast<uint64_t>(off); at < end;) {
      const uint64_t index = at / cs;
      auto chunk = Chunk(ino, *reader, index, reg_no, /*log=*/true);
      if (!chunk) return (void)fuse_reply_err(req, EIO);
      const uint64_t in_chunk = at - index * cs;
      const uint64_t take = std::min<uint64_t>(end - at, chunk->length - in_chunk);
      iov.push_back({chunk->bytes.data() + in_chunk, take});
      hold.push_back(std::move(chunk));
      at += take;
    }
    ReadAhead(ino, reader, (end - 1) / cs, reg_no);
    fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
  }

  // --- writing (a writable mount: README "Mount") ---
  void Create(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_file_info* fi) {
    Touch();
    std::unique_lock lock(mu_);
    // O_CREAT without O_EXCL of a name another process has just made (two
    // `echo >> f` at once, for a file that did not exist): an open of it
    // to write, as POSIX says, not EEXIST.
    if (const uint64_t existing = tree_.Lookup(parent, name);
        existing != 0 && writable_ && !(fi->flags & O_EXCL) && WritableFolder(parent) &&
        tree_.Find(existing)->kind == NodeKind::kDocument) {
      if (int e = OpenToWrite(lock, existing, fi); e != 0) return (void)fuse_reply_err(req, e);
      fuse_entry_param e = Entry(existing);
      return (void)fuse_reply_create(req, &e, fi);
    }
    if (int e = CheckNewName(parent, name); e != 0) return (void)fuse_reply_err(req, e);
    Node file;
    file.kind = NodeKind::kDocument;
    file.parent = parent;
    file.name = name;
    file.level_name = tree_.Find(parent)->level_name;
    file.mtime_unix = ::time(nullptr);
    // A new file where a document was moved aside under a temporary name
    // (an editor's save) is that document's next version.
    Writing* alias = nullptr;
    for (auto& [other, w] : writing_)
      if (w.aliased && w.alias_parent == parent && w.alias_name == name) {
        file.reg_no = tree_.Find(other)->reg_no;
        file.size = tree_.Find(other)->size;
        alias = &w;
      }
    const std::string reg_no = file.reg_no;
    const uint64_t ino = tree_.Add(std::move(file));
    if (alias != nullptr) alias->superseded_by = ino;
    Writing& w = writing_[ino];
    w.draft = NewDraft(reg_no);
    w.dirty = true;
    w.writers = 1;
    fi->fh = 1;
    fi->keep_cache = 0;
    ++opens_[ino];
    fuse_entry_param e = Entry(ino);
    fuse_reply_create(req, &e, fi);
  }

  void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off) {
    Touch();
    std::shared_ptr<Draft> draft;
    {
      std::lock_guard lock(mu_);
      auto w = writing_.find(ino);
      if (w == writing_.end() || !w->second.draft) return (void)fuse_reply_err(req, EBADF);
      draft = w->second.draft;
      w->second.dirty = true;
    }
    std::lock_guard d(draft->mu);
    if (int e = draft->Write(static_cast<uint64_t>(off), buf, size); e != 0) return (void)fuse_reply_err(req, e);
    fuse_reply_write(req, size);
  }

  void SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set) {
    Touch();
    std::unique_lock lock(mu_);
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    if (to_set & FUSE_SET_ATTR_SIZE) {
      if (!writable_) return (void)fuse_reply_err(req, EROFS);
      if (n->kind != NodeKind::kDocument) return (void)fuse_reply_err(req, n->kind == NodeKind::kDirectory ? EISDIR : EACCES);
      if (!WritableFolder(n->parent)) return (void)fuse_reply_err(req, EACCES);
      auto w = writing_.find(ino);
      if (w == writing_.end() || !w->second.draft) {
        // truncate(2) of a closed document: a draft of it, stored at once.
        lock.unlock();
        if (int e = BeginDraft(ino, /*keep_content=*/attr->st_size != 0); e != 0) return (void)fuse_reply_err(req, e);
        lock.lock();
        Queue({ino});
      }
      Writing& wr = writing_[ino];
      {
        std::lock_guard d(wr.draft->mu);
        if (int e = wr.draft->Truncate(static_cast<uint64_t>(attr->st_size)); e != 0)
          return (void)fuse_reply_err(req, e);
      }
      wr.dirty = true;
    }
    // Modes, owners and times are the mount's own (one user, the session's
    // times): accepted and not kept, as on a FAT drive, so that programs
    // that copy them (cp -p, editors) work.
    struct stat st = Attributes(ino);
    fuse_reply_attr(req, &st, AttrTimeout());
  }


  void Fsync(fuse_req_t req, fuse_ino_t ino) {
    Touch();
    std::lock_guard lock(mu_);
    auto w = writing_.find(ino);
    if (w == writing_.end() || !w->second.dirty) {
      // Nothing unstored: wait for a store already queued or running.
      if (!store_queue_.empty() || storing_) return Queue({ino, req});
      return (void)fuse_reply_err(req, 0);
    }
    Queue({ino, req});
  }

  // The last close of an open file (not each close(2) of a duplicate: a
  // shell's `>` closes one before it writes): a writer's changes are
  // stored in the background, in a group commit with whatever else closes
  // meanwhile. fsync(2) stores at once and waits.
  void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    {
      // A document's reader (its data key, the chunk hashes) lives while
      // it is open: a session that reads many documents holds only those
      // open (a reopen checks the extent again, as a first open does).
      std::lock_guard lock(mu_);
      auto o = opens_.find(ino);
      if (o != opens_.end() && --o->second <= 0) {
        opens_.erase(o);
        readers_.erase(ino);
        DropCached(ino);
      }
    }
    if (fi->fh == 1) {
      std::unique_lock lock(mu_);
      auto w = writing_.find(ino);
      if (w != writing_.end()) {
        --w->second.writers;
        if (w->second.dirty && w->second.writers == 0) {
          Queue({ino});
          // A program that closes small files faster than they are stored
          // (cp -r of a tree) waits here, so that the drafts waiting for a
          // commit stay few (each is locked memory) and groups stay large.
          store_done_.wait(lock, [&] { return stopping_ || store_queue_.size() + in_store_ < kMaxWaitingDrafts; });
        } else {
          DropDraftIfDone(ino);
        }
      }
    }
    fuse_reply_err(req, 0);
  }

  void MkDir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Touch();
    std::lock_guard lock(mu_);
    if (int e = CheckNewName(parent, name); e != 0) return (void)fuse_reply_err(req, e);
    // A folder lives in the session until a document is stored in it (the
    // folder is part of each document's sealed metadata, as in git).
    Node dir;
    dir.parent = parent;
    dir.name = name;
    dir.level_name = tree_.Find(parent)->level_name;
    dir.mtime_unix = ::time(nullptr);
    const uint64_t ino = tree_.Add(std::move(dir));
    fuse_entry_param e = Entry(ino);
    fuse_reply_entry(req, &e);
  }

  void RmDir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Touch();
    std::lock_guard lock(mu_);
    if (!writable_) return (void)fuse_reply_err(req, EROFS);
    const uint64_t ino = tree_.Lookup(parent, name);
    if (ino == 0) return (void)fuse_reply_err(req, ENOENT);
    const Node* n = tree_.Find(ino);
    if (n->kind != NodeKind::kDirectory) return (void)fuse_reply_err(req, ENOTDIR);
    if (!WritableFolder(parent) || n->in_index) return (void)fuse_reply_err(req, EACCES);
    if (!n->children.empty()) return (void)fuse_reply_err(req, ENOTEMPTY);
    tree_.Detach(ino);
    fuse_reply_err(req, 0);
  }

  void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Touch();
    std::unique_lock lock(mu_);
    if (!writable_) return (void)fuse_reply_err(req, EROFS);
    const uint64_t ino = tree_.Lookup(parent, name);
    if (ino == 0) return (void)fuse_reply_err(req, ENOENT);
    const Node* n = tree_.Find(ino);
    if (n->kind == NodeKind::kDirectory) return (void)fuse_reply_err(req, EISDIR);
    if (n->kind != NodeKind::kDocument || !WritableFolder(parent)) return (void)fuse_reply_err(req, EACCES);
    const std::string reg_no = n->reg_no;
    // A registered document leaves its folder by a signed withdrawal (its
    // bytes stay until an officer destroys it with a witness); a file never
    // stored, or a name that only stood for a document another name now
    // shows, goes without a trace.
    if (!reg_no.empty() && !ShownElsewhere(ino, reg_no)) {
      lock.unlock();
      Status s = Vault([&] { return vault_.ChangeFolders(id_, {{vault::FolderChange::Kind::kWithdraw, reg_no, "", ""}}); });
      lock.lock();
      if (!s) {
        Log("could not withdraw " + reg_no + ": " + s.error().message);
        return (void)fuse_reply_err(req, EIO);
      }
    }
    tree_.Detach(ino);
    if (auto w = writing_.find(ino); w != writing_.end()) {
      w->second.dirty = false;  // nothing to store
      w->second.aliased = false;
      DropDraftIfDone(ino);
    }
    fuse_reply_err(req, 0);
  }

  void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent, const char* new_name,
              unsigned int flags) {
    Touch();
    std::unique_lock lock(mu_);
    if (!writable_) return (void)fuse_reply_err(req, EROFS);
    if (flags & RENAME_EXCHANGE) return (void)fuse_reply_err(req, EINVAL);
    const uint64_t ino = tree_.Lookup(parent, name);
    if (ino == 0) return (void)fuse_reply_err(req, ENOENT);
    if (!WritableFolder(parent) || !WritableFolder(new_parent)) return (void)fuse_reply_err(req, EACCES);
    const Node* n = tree_.Find(ino);
    // A level is not a folder one moves between: changing it is a
    // declassification (two officers), never a rename.
    if (tree_.Find(new_parent)->level_name != n->level_name) return (void)fuse_reply_err(req, EXDEV);
    if (std::strlen(new_name) > 255 || std::strchr(new_name, '/')) return (void)fuse_reply_err(req, EINVAL);
    const uint64_t target = tree_.Lookup(new_parent, new_name);
    if (target == ino) return (void)fuse_reply_err(req, 0);
    if (target != 0 && (flags & RENAME_NOREPLACE)) return (void)fuse_reply_err(req, EEXIST);
    const Node* t = target != 0 ? tree_.Find(target) : nullptr;
    if (n->kind == NodeKind::kDirectory) {
      if (t != nullptr && (t->kind != NodeKind::kDirectory || !t->children.empty()))
        return (void)fuse_reply_err(req, t->kind == NodeKind::kDirectory ? ENOTEMPTY : ENOTDIR);
      for (uint64_t up = new_parent; up != MountTree::kRoot; up = tree_.Find(up)->parent)
        if (up == ino) return (void)fuse_reply_err(req, EINVAL);  // into itself
      // Every stored document below takes the new folder, in one commit.
      const std::string old_path = tree_.FolderPath(ino);
      std::string new_path = tree_.FolderPath(new_parent);
      new_path += (new_path.empty() ? "" : "/") + std::string(new_name);
      std::vector<vault::FolderChange> changes;
      for (uint64_t doc : tree_.DocumentsBelow(ino)) {
        const Node* d = tree_.Find(doc);
        if (d->reg_no.empty() || IsTemporaryName(d->name) || ShownElsewhere(doc, d->reg_no)) continue;
        const std::string folder = new_path + tree_.FolderPath(d->parent).substr(old_path.size());
        changes.push_back({vault::FolderChange::Kind::kRename, d->reg_no, folder, d->name});
      }
      lock.unlock();
      Status s = Vault([&] { return vault_.ChangeFolders(id_, changes); });
      lock.lock();
      if (!s) {
        Log("could not rename folder " + std::string(name) + ": " + s.error().message);
        return (void)fuse_reply_err(req, EIO);
      }
      if (target != 0) tree_.Detach(target);
      tree_.Move(ino, new_parent, new_name);
      return (void)fuse_reply_err(req, 0);
    }
    if (t != nullptr && t->kind == NodeKind::kDirectory) return (void)fuse_reply_err(req, EISDIR);
    if (n->kind != NodeKind::kDocument || (t != nullptr && t->kind != NodeKind::kDocument))
      return (void)fuse_reply_err(req, EACCES);
    const std::string reg_no = n->reg_no;
    const std::string target_reg = t != nullptr ? t->reg_no : "";
    const bool to_temporary = IsTemporaryName(new_name);
    Writing* w = writing_.count(ino) ? &writing_[ino] : nullptr;
    const bool stored = !reg_no.empty() && !(w && w->draft && w->dirty && reg_no == target_reg);
    std::vector<vault::FolderChange> changes;
    bool becomes_version = false;
    if (!target_reg.empty() && target_reg != reg_no && !ShownElsewhere(target, target_reg)) {
      if (reg_no.empty() && !(w && w->in_store)) {
        // A new file saved over a document (write a temporary file, rename
        // it over the original: how editors save) is its next version.
        becomes_version = true;
      } else {
        // A document over a document (or a new file already being
        // registered, which the storer then renames): the replaced one is
        // withdrawn.
        changes.push_back({vault::FolderChange::Kind::kWithdraw, target_reg, "", ""});
      }
    }
    std::string new_folder = tree_.FolderPath(new_parent);
    bool aliasing = false;
    if (stored && !reg_no.empty() && !becomes_version) {
      if (to_temporary && !(w && w->aliased)) {
        aliasing = true;  // moved aside under a temporary name: no event (see Writing)
      } else if (!to_temporary) {
        const bool back_home = w && w->aliased && w->alias_parent == new_parent && w->alias_name == new_name;
        if (!back_home && !ShownElsewhere(ino, reg_no))
          changes.push_back({vault::FolderChange::Kind::kRename, reg_no, new_folder, new_name});
      }
    }
    lock.unlock();
    Status s = Vault([&] { return vault_.ChangeFolders(id_, changes); });
    lock.lock();
    if (!s) {
      Log("could not rename " + std::string(name) + ": " + s.error().message);
      return (void)fuse_reply_err(req, EIO);
    }
    Node* moving = tree_.FindMutable(ino);
    if (becomes_version) moving->reg_no = target_reg;
    if (target != 0) tree_.Detach(target);
    tree_.Move(ino, new_parent, new_name);
    w = writing_.count(ino) ? &writing_[ino] : nullptr;
    if (aliasing) {
      Writing& a = writing_[ino];
      a.aliased = true;
      a.alias_parent = parent;
      a.alias_name = name;
    } else if (w && !to_temporary) {
      w->aliased = false;
    }
    // A draft that now has a name to keep is stored (now, if it is closed).
    if (w && w->draft && w->dirty && !to_temporary && w->writers == 0) Queue({ino});
    fuse_reply_err(req, 0);
  }

  void GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    Touch();
    std::lock_guard lock(mu_);
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    std::string value;
    if (n->kind == NodeKind::kDocument && std::strcmp(name, kXattrRegNo) == 0) value = n->reg_no;
    else if (!n->level_name.empty() && std::strcmp(name, kXattrLevel) == 0) value = n->level_name;
    else return (void)fuse_reply_err(req, ENODATA);
    ReplyXattr(req, value, size);
  }

  void ListXattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    Touch();
    std::lock_guard lock(mu_);
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    std::string names;
    if (n->kind == NodeKind::kDocument) names.append(kXattrRegNo).push_back('\0');
    if (!n->level_name.empty()) names.append(kXattrLevel).push_back('\0');
    ReplyXattr(req, names, size);
  }

  void StatFs(fuse_req_t req) {
    struct statvfs s{};
    s.f_bsize = s.f_frsize = 4096;
    {
      std::lock_guard lock(mu_);
      s.f_files = tree_.size();
    }
    s.f_namemax = 255;
    if (writable_) {
      // What the drafts may still take: programs that check for space
      // before writing (cp, office programs) see room.
      s.f_blocks = kMaxDraftBytes / 4096;
      s.f_bfree = s.f_bavail = (kMaxDraftBytes - std::min(kMaxDraftBytes, g_draft_bytes.load())) / 4096;
    }
    fuse_reply_statfs(req, &s);
  }

  // Stores drafts (runs on its own thread): new files registered, by level,
  // in one commit per level for everything queued meanwhile; changed
  // documents as their next versions. fsyncs are answered once stored.
  void StoreDrafts() {
    std::unique_lock lock(mu_);
    for (;;) {
      store_ready_.wait(lock, [&] { return stopping_ || !store_queue_.empty(); });
      if (store_queue_.empty() && stopping_) return;
      std::deque<StoreJob> batch;
      batch.swap(store_queue_);
      storing_ = true;
      in_store_ = batch.size();
      struct Item {
        fuse_ino_t ino;
        std::shared_ptr<Draft> draft;
        uint64_t generation = 0;
        std::string reg_no, level, folder, name;
        Status status;
      };
      std::vector<Item> items;
      std::set<fuse_ino_t> seen;
      for (const auto& job : batch) {
        if (!seen.insert(job.ino).second) continue;
        const Node* n = tree_.Find(job.ino);
        auto w = writing_.find(job.ino);
        if (n == nullptr || w == writing_.end() || !w->second.draft || !w->second.dirty) continue;
        if (IsTemporaryName(n->name) || (n->detached && n->reg_no.empty())) continue;  // never stored
        items.push_back({job.ino, w->second.draft, 0, n->reg_no, n->level_name, tree_.FolderPath(n->parent), n->name, {}});
        w->second.dirty = false;  // a write from now on makes it dirty again
        w->second.in_store = true;
      }
      lock.unlock();
      std::map<std::string, std::vector<Item*>> added_by_level;
      for (auto& it : items) {
        if (it.reg_no.empty()) {
          added_by_level[it.level].push_back(&it);
          continue;
        }
        std::lock_guard d(it.draft->mu);
        it.generation = it.draft->generation();
        const vault::ContentSource content = DraftContent(*it.draft);
        auto v = Vault([&] { return vault_.Revise(id_, it.reg_no, content); });
        if (!v) it.status = std::unexpected(v.error());
      }
      for (auto& [level, group] : added_by_level) {
        std::vector<std::unique_lock<std::mutex>> held;
        std::vector<vault::ContentSource> contents;
        contents.reserve(group.size());
        std::vector<vault::AddRequest> files;
        for (Item* it : group) {
          held.emplace_back(it->draft->mu);
          it->generation = it->draft->generation();
          contents.push_back(DraftContent(*it->draft));
        }
        for (size_t i = 0; i < group.size(); ++i) {
          vault::AddRequest f;
          f.path = group[i]->level + "/" + (group[i]->folder.empty() ? "" : group[i]->folder + "/") + group[i]->name;
          f.file_name = f.title = group[i]->name;
          f.folder = group[i]->folder;
          f.content = &contents[i];
          files.push_back(std::move(f));
        }
        auto regs = Vault([&]() -> Result<std::vector<std::string>> {
          CUSTODY_ASSIGN(vault::Level l, vault_.LevelIndex(level));
          return vault_.Add(id_, files, l);
        });
        for (size_t i = 0; i < group.size(); ++i) {
          if (regs) group[i]->reg_no = (*regs)[i];
          else group[i]->status = std::unexpected(regs.error());
        }
      }
      lock.lock();
      std::vector<vault::FolderChange> late_changes;
      for (auto& it : items) {
        Node* n = tree_.FindMutable(it.ino);
        writing_[it.ino].in_store = false;
        if (!it.status) {
          // Kept (dirty) for the next close, fsync or the unmount to retry.
          Log("could not store " + it.level + "/" + it.name + ": " + it.status.error().message);
          Writing& w = writing_[it.ino];
          if (!w.draft) w.draft = it.draft;
          w.dirty = true;
          failed_.insert(it.ino);
          continue;
        }
        failed_.erase(it.ino);
        n->reg_no = it.reg_no;
        n->size = it.draft->size();
        n->mtime_unix = ::time(nullptr);
        written_.insert(it.reg_no);  // written here: opening it again reads nothing new
        if (auto w = writing_.find(it.ino); w != writing_.end() && it.draft->generation() != it.generation)
          w->second.dirty = true;
        // Unlinked while it was being stored: registered, then withdrawn;
        // renamed meanwhile: registered, then renamed.
        if (n->detached && !ShownElsewhere(it.ino, it.reg_no)) {
          late_changes.push_back({vault::FolderChange::Kind::kWithdraw, it.reg_no, "", ""});
        } else if (!n->detached && !IsTemporaryName(n->name) &&
                   (n->name != it.name || tree_.FolderPath(n->parent) != it.folder) && !ShownElsewhere(it.ino, it.reg_no)) {
          late_changes.push_back({vault::FolderChange::Kind::kRename, it.reg_no, tree_.FolderPath(n->parent), n->name});
        }
        readers_.erase(it.ino);
        DropCached(it.ino);
        DropDraftIfDone(it.ino);
      }
      lock.unlock();
      if (!late_changes.empty()) {
        Status s = Vault([&] { return vault_.ChangeFolders(id_, late_changes); });
        if (!s) Log("could not rename or withdraw documents changed while stored: " + s.error().message);
      }
      lock.lock();
      storing_ = false;
      in_store_ = 0;
      store_done_.notify_all();
      for (const auto& job : batch)
        if (job.fsync != nullptr) fuse_reply_err(job.fsync, failed_.count(job.ino) ? EIO : 0);
    }
  }

  // --- the session ---
  // Commits first opens in batches and answers them (runs on its own thread).
  void CommitOpens() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      std::deque<PendingOpen> batch;
      batch.swap(pending_);
      std::vector<std::string> first;
      std::set<std::string> seen;
      std::vector<std::string> reg_of;  // batch's documents, read under the lock
      for (const auto& p : batch) {
        const Node* n = tree_.Find(p.ino);
        reg_of.push_back(n->reg_no);
        if (!opened_.count(n->reg_no) && !written_.count(n->reg_no) && seen.insert(n->reg_no).second)
          first.push_back(n->reg_no);
      }
      lock.unlock();
      // One commit for every document opened while the last one ran.
      Status recorded = Vault([&] { return vault_.RecordOpened(id_, mounted_at_, first); });
      if (!recorded) Log("could not record the opening of " + std::to_string(first.size()) +
                         " document(s): " + recorded.error().message);
      for (size_t i = 0; i < batch.size(); ++i) {
        auto& p = batch[i];
        bool ok = recorded || !seen.count(reg_of[i]);
        if (ok && !HasReader(p.ino)) {
          auto r = Vault([&] { return vault_.OpenContent(id_, reg_of[i]); });
          if (!r) {
            Log(r.error().message);
            ok = false;
          } else {
            std::lock_guard g(mu_);
            readers_[p.ino] = std::shared_ptr<vault::ExtentReader>(std::move(*r));
          }
        }
        if (ok) {
          {
            std::lock_guard g(mu_);
            ++opens_[p.ino];
            served_.insert(p.ino);
          }
          fuse_reply_open(p.req, &p.fi);
        } else {
          fuse_reply_err(p.req, recorded ? EIO : EACCES);
        }
      }
      lock.lock();
      if (recorded)
        for (auto& r : first) opened_.insert(std::move(r));
    }
  }

  // Ends CommitOpens (after the opens already queued) and RunReadAhead.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      ahead_.clear();
    }
    work_.notify_all();
    store_ready_.notify_all();
    store_done_.notify_all();
  }

  // At unmount: every file written and closed but not yet stored is queued
  // (a file still open when the session ends is stored as it is then).
  void QueueUnstored() {
    std::lock_guard lock(mu_);
    for (const auto& [ino, w] : writing_)
      if (w.dirty && w.draft) store_queue_.push_back({ino});
    store_ready_.notify_all();
  }

  // Drops the kernel's cached pages of every document read, then the
  // decrypted chunks and readers (with their data keys).
  void Forget(fuse_session* se, bool still_mounted) {
    std::lock_guard lock(mu_);
    if (still_mounted) {
      for (fuse_ino_t ino : served_) fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);
      for (const auto& [ino, w] : writing_) fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);  // written pages too
    }
    cache_.clear();
    lru_.clear();
    g_spare_chunks.Clear();
    readers_.clear();
    writing_.clear();  // the drafts (stored by now) and temporary files
  }

  uint32_t documents_opened() const {
    std::lock_guard lock(mu_);
    return static_cast<uint32_t>(opened_.size());
  }
  int64_t idle_seconds() const { return NowMonotonicSeconds() - last_request_.load(); }

 private:
  void Touch() { last_request_.store(NowMonotonicSeconds()); }

  // A writable session's tree changes, so the kernel keeps attributes only
  // briefly; a read-only one never changes.
  double AttrTimeout() const { return writable_ ? 1.0 : kTimeout; }

  fuse_entry_param Entry(uint64_t ino) const {
    fuse_entry_param e{};
    e.ino = ino;
    e.attr = Attributes(ino);
    e.attr_timeout = AttrTimeout();
    e.entry_timeout = AttrTimeout();
    return e;
  }
  void ReplyEntry(fuse_req_t req, uint64_t ino) const {
    fuse_entry_param e = Entry(ino);
    fuse_reply_entry(req, &e);
  }

  // A folder files may be made, changed and removed in: a level's folder
  // or one below it, not the root, `.custody` or "public" (declassified
  // documents are every member's to read, no one's to change there).
  bool WritableFolder(uint64_t dir) const {
    const Node* d = tree_.Find(dir);
    return writable_ && d != nullptr && d->kind == NodeKind::kDirectory && dir != MountTree::kRoot &&
           !d->in_index && !d->level_name.empty() && d->level_name != "public" && !d->detached;
  }

  // 0 if `name` may be made in `parent`, else the errno.
  int CheckNewName(uint64_t parent, const std::string& name) const {
    if (!writable_) return EROFS;
    const Node* p = tree_.Find(parent);
    if (p == nullptr) return ENOENT;
    if (p->kind != NodeKind::kDirectory) return ENOTDIR;
    if (!WritableFolder(parent)) return EACCES;
    if (name.size() > 255) return ENAMETOOLONG;
    // Names are stored as UTF-8 text (the register prints them).
    if (!IsValidUtf8(name) || name == ".custody") return EINVAL;
    if (tree_.Lookup(parent, name) != 0) return EEXIST;
    return 0;
  }

  // Another attached node shows the same document (a new file that is an
  // aliased document's next version, or the alias itself).
  bool ShownElsewhere(uint64_t ino, const std::string& reg_no) const {
    if (auto self = writing_.find(ino); self != writing_.end() && self->second.superseded_by != 0) {
      const Node* by = tree_.Find(self->second.superseded_by);
      if (!by->detached && by->reg_no == reg_no) return true;
    }
    for (const auto& [other, w] : writing_) {
      if (other == ino) continue;
      const Node* o = tree_.Find(other);
      if (o != nullptr && !o->detached && o->reg_no == reg_no) return true;
    }
    return false;
  }

  // Every vault call goes through here: the Vault is not thread-safe, and
  // the loop, the open committer and the storer all use it.
  template <typename F>
  auto Vault(F&& f) -> decltype(f()) {
    std::lock_guard lock(vault_mu_);
    return f();
  }

  // A draft for document `reg_no` (empty: a new one) that streams into
  // the vault's drive as it grows (see Draft).
  std::shared_ptr<Draft> NewDraft(const std::string& reg_no) {
    return std::make_shared<Draft>([this, reg_no]() -> std::unique_ptr<vault::StreamingExtent> {
      auto s = Vault([&] { return vault_.StreamContent(reg_no, [](crypto::SecretBytes b) { g_spare_chunks.Give(std::move(b)); }); });
      if (!s) {
        Log("a file is kept in memory, not sealed as it is written: " + s.error().message);
        return nullptr;
      }
      return std::move(*s);
    });
  }

  static vault::ContentSource DraftContent(Draft& d) {
    vault::ContentSource c;
    c.streamed = d.SettledStream();
    c.size = d.size();
    c.read = [&d](uint64_t offset, std::span<uint8_t> out) -> Status {
      return d.Read(offset, out.data(), out.size());
    };
    return c;
  }

  // Queues a store (mu_ held).
  void Queue(StoreJob job) {
    store_queue_.push_back(job);
    store_ready_.notify_all();
  }

  // Frees a stored draft once no descriptor writes it (mu_ held); reads
  // then come from the vault, as for any document.
  void DropDraftIfDone(uint64_t ino) {
    auto w = writing_.find(ino);
    if (w == writing_.end() || w->second.dirty || w->second.writers > 0 || w->second.in_store) return;
    const Node* n = tree_.Find(ino);
    if (n->reg_no.empty() && !n->detached && IsTemporaryName(n->name)) return;  // a temporary file lives on in memory
    if (w->second.aliased) {
      w->second.draft.reset();
      return;
    }
    writing_.erase(w);
  }

  void DropCached(uint64_t ino) {
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (it->first == ino) {
        cache_.erase(*it);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Opens document `ino` (checked writable) to write, `lock` (on mu_) held:
  // the draft it has, or a new one of its content (read, so recorded as an
  // open) or empty (O_TRUNC). 0 or an errno.
  int OpenToWrite(std::unique_lock<std::mutex>& lock, uint64_t ino, fuse_file_info* fi) {
    auto w = writing_.find(ino);
    if (w == writing_.end() || !w->second.draft) {
      lock.unlock();
      const int e = BeginDraft(ino, /*keep_content=*/!(fi->flags & O_TRUNC));
      lock.lock();
      if (e != 0) return e;
    }
    Writing& wr = writing_[ino];
    ++wr.writers;
    if (fi->flags & O_TRUNC) {
      std::lock_guard d(wr.draft->mu);
      wr.draft->Truncate(0);
      wr.dirty = true;
    }
    fi->fh = 1;  // a writer
    fi->keep_cache = 0;
    ++opens_[ino];
    return 0;
  }

  // Makes a draft of stored document `ino`: its content (read, and so
  // recorded as an open if it is the first), or empty. 0 or an errno.
  int BeginDraft(uint64_t ino, bool keep_content) {
    std::string reg_no;
    {
      std::lock_guard lock(mu_);
      reg_no = tree_.Find(ino)->reg_no;
    }
    auto draft = NewDraft(reg_no);
    if (keep_content) {
      bool first;
      {
        std::lock_guard lock(mu_);
        first = !opened_.count(reg_no) && !written_.count(reg_no);
      }
      auto reader = Vault([&]() -> Result<std::unique_ptr<vault::ExtentReader>> {
        if (first) CUSTODY_TRY(vault_.RecordOpened(id_, mounted_at_, {reg_no}));
        return vault_.OpenContent(id_, reg_no);
      });
      if (!reader) {
        Log(reg_no + ": " + reader.error().message);
        return reader.error().code == Code::kNotCleared ? EACCES : EIO;
      }
      if (first) {
        std::lock_guard lock(mu_);
        opened_.insert(reg_no);
      }
      const auto& r = **reader;
      std::vector<uint8_t> scratch(r.chunk_size() + format::kChunkOverhead);
      crypto::SecretBytes chunk(r.chunk_size());
      for (uint64_t i = 0; i < r.content_chunks(); ++i) {
        auto n = r.ReadChunk(i, scratch, chunk.span());
        if (!n) {
          Log(reg_no + ": " + n.error().message);
          return EIO;
        }
        if (int e = draft->Write(i * r.chunk_size(), reinterpret_cast<const char*>(chunk.data()), *n); e != 0) return e;
      }
    }
    std::lock_guard lock(mu_);
    Writing& w = writing_[ino];
    w.draft = std::move(draft);
    w.dirty = !keep_content;
    readers_.erase(ino);  // the earlier version's
    DropCached(ino);
    return 0;
  }

  static void Log(const std::string& line) {
    std::fprintf(stderr, "custody mount: %s\n", line.c_str());
    syslog(LOG_WARNING, "%s", line.c_str());
  }

  bool HasReader(fuse_ino_t ino) {
    std::lock_guard lock(mu_);
    return readers_.count(ino) != 0;
  }

  // mu_ held.
  struct stat Attributes(uint64_t ino) const {
    const Node* n = tree_.Find(ino);
    struct stat st{};
    st.st_ino = ino;
    st.st_uid = ::getuid();
    st.st_gid = ::getgid();
    st.st_mtim.tv_sec = st.st_ctim.tv_sec = st.st_atim.tv_sec = n->mtime_unix;
    const bool writable = n->kind == NodeKind::kDirectory ? WritableFolder(ino) : WritableFolder(n->parent);
    if (n->kind == NodeKind::kDirectory) {
      st.st_mode = S_IFDIR | (writable ? 0700 : 0500);
      st.st_nlink = 2;
    } else {
      uint64_t size = n->size;
      if (auto w = writing_.find(ino); w != writing_.end() && w->second.draft) size = w->second.draft->size();
      st.st_mode = S_IFREG | (writable && n->kind == NodeKind::kDocument ? 0600 : 0400);
      st.st_nlink = 1;
      st.st_size = static_cast<off_t>(size);
      st.st_blocks = static_cast<blkcnt_t>((size + 511) / 512);
    }
    st.st_blksize = format::kChunkSize;
    return st;
  }

  static void ReplyXattr(fuse_req_t req, const std::string& value, size_t size) {
    if (size == 0) return (void)fuse_reply_xattr(req, value.size());
    if (size < value.size()) return (void)fuse_reply_err(req, ERANGE);
    fuse_reply_buf(req, value.data(), value.size());
  }

  // Chunk `index` of document `ino`, decrypted: from the cache, from the
  // read-ahead thread if it is decrypting it now, or read, checked and
  // cached here. nullptr if it fails its checks (logged when `log`).
  std::shared_ptr<CachedChunk> Chunk(fuse_ino_t ino, const vault::ExtentReader& reader, uint64_t index,
                                     const std::string& reg_no, bool log) {
    const ChunkKey key{ino, index};
    std::unique_lock lock(mu_);
    for (;;) {
      auto it = cache_.find(key);
      if (it != cache_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.second);
        return it->second.first;
      }
      if (!in_flight_.count(key)) break;
      chunk_ready_.wait(lock);
    }
    in_flight_.insert(key);
    lock.unlock();
    auto chunk = std::make_shared<CachedChunk>();
    // Sized to the chunk: a 4 KiB document does not lock a whole 1 MiB.
    // Locked pages are costly to map, lock, zero and unmap, so full-size
    // buffers of evicted chunks are reused (their old plaintext is
    // overwritten by this chunk's before anyone sees it).
    const size_t len = reader.chunk_length(index);
    chunk->bytes = g_spare_chunks.Take(len);
    thread_local std::vector<uint8_t> scratch;  // ciphertext: not secret
    if (scratch.size() < len + format::kChunkOverhead) scratch.resize(len + format::kChunkOverhead);
    auto n = reader.ReadChunk(index, scratch, chunk->bytes.span());
    lock.lock();
    in_flight_.erase(key);
    chunk_ready_.notify_all();
    if (!n) {
      lock.unlock();
      if (log) Log(reg_no + ": " + n.error().message + " (EIO for that range)");
      return nullptr;
    }
    chunk->length = *n;
    lru_.push_front(key);
    cache_[key] = {chunk, lru_.begin()};
    while (cache_.size() > kCachedChunks) {
      auto victim = cache_.find(lru_.back());
      // Reused only if no reply still holds it.
      if (victim->second.first.use_count() == 1) g_spare_chunks.Give(std::move(victim->second.first->bytes));
      cache_.erase(victim);
      lru_.pop_back();
    }
    return chunk;
  }

  // Read-ahead on the other cores: after chunk `index` was served, the next
  // kReadAhead chunks are decrypted by the read-ahead threads.
  void ReadAhead(fuse_ino_t ino, const std::shared_ptr<vault::ExtentReader>& reader, uint64_t index,
                 const std::string& reg_no) {
    {
      std::lock_guard lock(mu_);
      for (uint64_t i = index + 1; i <= index + kReadAhead && i < reader->content_chunks(); ++i) {
        const ChunkKey key{ino, i};
        if (cache_.count(key) || in_flight_.count(key)) continue;
        ahead_.push_back({ino, i, reader, reg_no});
      }
    }
    work_.notify_all();
  }

 public:
  void RunReadAhead() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_.wait(lock, [&] { return stopping_ || !ahead_.empty(); });
      if (stopping_) return;
      Ahead a = std::move(ahead_.front());
      ahead_.pop_front();
      lock.unlock();
      Chunk(a.ino, *a.reader, a.index, a.reg_no, /*log=*/false);  // the reader logs its own failure
      lock.lock();
    }
  }

 private:
  struct Ahead {
    fuse_ino_t ino;
    uint64_t index;
    std::shared_ptr<vault::ExtentReader> reader;
    std::string reg_no;
  };

  vault::Vault& vault_;
  const vault::Identity& id_;
  std::mutex vault_mu_;  // vault_ (see Vault())
  const uint64_t mounted_at_;
  const bool writable_;
  std::atomic<int64_t> last_request_{0};

  mutable std::mutex mu_;  // everything below
  MountTree tree_;
  std::unordered_map<fuse_ino_t, Writing> writing_;
  std::deque<StoreJob> store_queue_;
  std::condition_variable store_ready_;
  bool storing_ = false;
  size_t in_store_ = 0;                   // jobs of the batch being stored
  std::condition_variable store_done_;    // a batch stored (Release waits for room)
  std::set<fuse_ino_t> failed_;   // last store failed (its fsync gets EIO)
  std::condition_variable work_;
  std::deque<PendingOpen> pending_;
  bool stopping_ = false;
  std::set<std::string> opened_;  // documents whose first open is recorded
  std::set<std::string> written_;  // documents registered or revised in this session
  std::unordered_map<fuse_ino_t, std::shared_ptr<vault::ExtentReader>> readers_;
  std::unordered_map<fuse_ino_t, int> opens_;  // open descriptors of each document
  std::set<fuse_ino_t> served_;  // every document read from the vault: the kernel may cache its pages
  using ChunkKey = std::pair<fuse_ino_t, uint64_t>;
  std::list<ChunkKey> lru_;
  std::map<ChunkKey, std::pair<std::shared_ptr<CachedChunk>, std::list<ChunkKey>::iterator>> cache_;
  std::set<ChunkKey> in_flight_;  // being decrypted (by either thread)
  std::condition_variable chunk_ready_;
  std::deque<Ahead> ahead_;       // chunks for the read-ahead thread
};

Filesystem* Fs(fuse_req_t req) { return static_cast<Filesystem*>(fuse_req_userdata(req)); }

fuse_lowlevel_ops Operations() {
  fuse_lowlevel_ops ops{};
  ops.init = [](void*, fuse_conn_info* conn) {
    conn->max_readahead = 1 << 20;
    // Writes go straight to the draft (no writeback cache: the draft is the
    // only copy in memory, and it is locked); in requests of up to a chunk.
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    conn->max_write = 1 << 20;
    // open(O_TRUNC) arrives as one open, not an open of the old content
    // followed by a truncate (which would read and record the document).
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    // A listing hands out every entry's attributes with it (ReadDir).
    if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
  };
  ops.lookup = [](fuse_req_t r, fuse_ino_t p, const char* n) { Fs(r)->Lookup(r, p, n); };
  ops.getattr = [](fuse_req_t r, fuse_ino_t i, fuse_file_info*) { Fs(r)->GetAttr(r, i); };
  ops.opendir = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { Fs(r)->OpenDir(r, i, fi); };
  ops.readdir = [](fuse_req_t r, fuse_ino_t, size_t s, off_t o, fuse_file_info* fi) {
    Fs(r)->ReadDir(r, s, o, fi, /*plus=*/false);
  };
  ops.readdirplus = [](fuse_req_t r, fuse_ino_t, size_t s, off_t o, fuse_file_info* fi) {
    Fs(r)->ReadDir(r, s, o, fi, /*plus=*/true);
  };
  ops.releasedir = [](fuse_req_t r, fuse_ino_t, fuse_file_info* fi) { Fs(r)->ReleaseDir(r, fi); };
  ops.open = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { Fs(r)->Open(r, i, fi); };
  ops.read = [](fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info*) { Fs(r)->Read(r, i, s, o); };
  ops.release = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { Fs(r)->Release(r, i, fi); };
  ops.create = [](fuse_req_t r, fuse_ino_t p, const char* n, mode_t, fuse_file_info* fi) {
    Fs(r)->Create(r, p, n, fi);
  };
  ops.write = [](fuse_req_t r, fuse_ino_t i, const char* b, size_t s, off_t o, fuse_file_info*) {
    Fs(r)->Write(r, i, b, s, o);
  };
  ops.setattr = [](fuse_req_t r, fuse_ino_t i, struct stat* a, int to_set, fuse_file_info*) {
    Fs(r)->SetAttr(r, i, a, to_set);
  };
  ops.fsync = [](fuse_req_t r, fuse_ino_t i, int, fuse_file_info*) { Fs(r)->Fsync(r, i); };
  ops.mkdir = [](fuse_req_t r, fuse_ino_t p, const char* n, mode_t) { Fs(r)->MkDir(r, p, n); };
  ops.rmdir = [](fuse_req_t r, fuse_ino_t p, const char* n) { Fs(r)->RmDir(r, p, n); };
  ops.unlink = [](fuse_req_t r, fuse_ino_t p, const char* n) { Fs(r)->Unlink(r, p, n); };
  ops.rename = [](fuse_req_t r, fuse_ino_t p, const char* n, fuse_ino_t np, const char* nn, unsigned int f) {
    Fs(r)->Rename(r, p, n, np, nn, f);
  };
  ops.getxattr = [](fuse_req_t r, fuse_ino_t i, const char* n, size_t s) { Fs(r)->GetXattr(r, i, n, s); };
  ops.listxattr = [](fuse_req_t r, fuse_ino_t i, size_t s) { Fs(r)->ListXattr(r, i, s); };
  ops.statfs = [](fuse_req_t r, fuse_ino_t) { Fs(r)->StatFs(r); };
  return ops;
}

// fuse_opt splits on commas and takes '\' as an escape.
std::string EscapeOption(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// /proc/self/mountinfo writes space, tab, newline and '\' as \ooo.
std::string UnescapeMountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The termination signals end the loop (fuse_session_exit, as libfuse's own
// handlers do) and are remembered, so the unmount event can say why.
fuse_session* g_session = nullptr;
volatile sig_atomic_t g_signal = 0;

void OnTerminate(int sig) {
  g_signal = sig;
  if (g_session) fuse_session_exit(g_session);
}

Status InstallSignalHandlers(fuse_session* se) {
  g_session = se;
  g_signal = 0;
  struct sigaction sa{};
  sa.sa_handler = OnTerminate;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the loop's read of /dev/fuse must see EINTR
  for (int s : {SIGINT, SIGTERM, SIGHUP})
    if (sigaction(s, &sa, nullptr) != 0) return Fail(Code::kIo, "cannot install the signal handlers");
  ::signal(SIGPIPE, SIG_IGN);
  return {};
}

void RemoveSignalHandlers() {
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
  g_session = nullptr;
}

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

}  // namespace

std::string MountSource(const std::string& vault_path) { return "custody:" + vault_path; }

namespace {

// The custody mount at `mountpoint` in /proc/self/mountinfo: its device
// ("major:minor") and source. kNotFound if there is none.
struct MountEntry {
  std::string device, source;
};
Result<MountEntry> FindMount(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source super
    std::vector<std::string> f;
    size_t at = 0;
    while (at <= line.size()) {
      size_t sp = line.find(' ', at);
      if (sp == std::string::npos) sp = line.size();
      f.push_back(line.substr(at, sp - at));
      at = sp + 1;
    }
    if (f.size() < 7 || UnescapeMountinfo(f[4]) != mountpoint) continue;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 2 >= f.size() || f[dash + 1] != "fuse.custody") continue;
    std::string source = UnescapeMountinfo(f[dash + 2]);
    if (source.rfind("custody:", 0) == 0) return MountEntry{f[2], source.substr(8)};
  }
  return Fail(Code::kNotFound, "no custody mount at " + mountpoint);
}

// The kernel reads a FUSE file in its block device's read-ahead window,
// 128 KiB by default: eight requests per 1 MiB chunk. Raised to a chunk
// where allowed (root); otherwise the default stays, which is only slower.
void ReadAheadOneChunk(const std::string& mountpoint) {
  auto m = FindMount(mountpoint);
  if (!m) return;
  std::ofstream ra("/sys/class/bdi/" + m->device + "/read_ahead_kb");
  if (ra) ra << (format::kChunkSize / 1024) << "\n";
}

}  // namespace

Result<std::string> MountedVault(const std::string& mountpoint) {
  CUSTODY_ASSIGN(auto m, FindMount(mountpoint));
  return m.source;
}

Status Serve(vault::Vault& vault, const vault::Identity& identity, const MountOptions& options) {
  auto me = vault.MemberByKey(std::string(reinterpret_cast<const char*>(identity.public_identity().ed25519.data()),
                                          identity.public_identity().ed25519.size()));
  if (!me || me->revoked)
    return Fail(Code::kAuth, "'" + identity.public_identity().name + "' is not a member of " + options.vault_path);
  const bool auditor = me->role == "auditor";
  CUSTODY_ASSIGN(auto docs, vault.List(identity, /*include_destroyed=*/auditor));
  std::vector<std::string> levels;
  if (auditor) {
    levels = vault.level_names();
  } else {
    for (int l = 0; l <= me->clearance && l < static_cast<int>(vault.level_names().size()); ++l)
      levels.push_back(vault.level_names()[static_cast<size_t>(l)]);
  }
  bool any_public = false;
  for (const auto& d : docs) any_public |= d.is_public && !d.destroyed;
  if (any_public) levels.push_back("public");
  MountTree tree = MountTree::Build(docs, levels, auditor, ::time(nullptr));

  const auto ops = Operations();
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  const bool writable = !options.read_only && !auditor;
  const std::string opts = std::string(writable ? "rw" : "ro") + ",default_permissions,subtype=custody,fsname=" +
                           EscapeOption(MountSource(options.vault_path));
  fuse_opt_add_arg(&args, "custody");
  fuse_opt_add_arg(&args, "-o");
  fuse_opt_add_arg(&args, opts.c_str());

  CUSTODY_ASSIGN(uint64_t mounted_at, vault.RecordMount(identity, HostName(), /*read_only=*/!writable));
  Filesystem fs(vault, identity, std::move(tree), mounted_at, writable);
  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, &fs);
  fuse_opt_free_args(&args);
  std::string reason = "unmount";
  Status result;
  if (se == nullptr) {
    result = Fail(Code::kIo, "cannot start a FUSE session (is /dev/fuse there?)");
  } else if (result = InstallSignalHandlers(se); !result) {
  } else if (fuse_session_mount(se, options.mountpoint.c_str()) != 0) {
    result = Fail(Code::kIo, "cannot mount on " + options.mountpoint +
                                 " (is it an empty directory you own, and is fuse3 installed?)");
    RemoveSignalHandlers();
  } else {
    ReadAheadOneChunk(options.mountpoint);
    if (options.on_mounted) options.on_mounted();
    // The helper threads never take the termination signals: they must
    // reach the loop's thread and end its read of /dev/fuse.
    sigset_t term, old;
    sigemptyset(&term);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&term, s);
    pthread_sigmask(SIG_BLOCK, &term, &old);
    std::atomic<bool> idle_expired{false}, done{false};
    const pthread_t loop_thread = pthread_self();
    std::thread committer([&] { fs.CommitOpens(); });
    std::thread storer([&] { fs.StoreDrafts(); });
    std::vector<std::thread> read_ahead;
    for (int i = 0; i < kReadAheadThreads; ++i) read_ahead.emplace_back([&] { fs.RunReadAhead(); });
    std::thread idler([&] {
      while (!done.load() && options.idle_minutes > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        if (!done.load() && fs.idle_seconds() >= static_cast<int64_t>(options.idle_minutes * 60)) {
          idle_expired = true;
          pthread_kill(loop_thread, SIGTERM);
          return;
        }
      }
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    fuse_session_loop(se);
    const bool by_signal = g_signal != 0;
    if (idle_expired) reason = "idle";
    else if (by_signal) reason = "signal";
    done = true;
    fs.QueueUnstored();
    fs.Stop();
    committer.join();
    storer.join();
    for (auto& t : read_ahead) t.join();
    idler.join();
    // Still mounted after a signal: drop the kernel's copy first.
    fs.Forget(se, /*still_mounted=*/by_signal);
    fuse_session_unmount(se);
    RemoveSignalHandlers();
  }
  if (!result) reason = "mount failed";
  if (se) fuse_session_destroy(se);
  fs.Forget(nullptr, false);
  Status unmounted = vault.RecordUnmount(identity, mounted_at, reason, fs.documents_opened());
  if (!result) return result;
  return unmounted;
}

}  // namespace custody::mount
