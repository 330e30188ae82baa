#define FUSE_USE_VERSION 34
#include "tools/mount/mount_fs.h"

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
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
constexpr size_t kSpareBuffers = 4;  // evicted chunk buffers kept for reuse
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
// (the offset the kernel gives back to continue after it).
struct DirListing {
  std::string buf;
  std::vector<size_t> ends;
};

// A decrypted chunk, in locked memory.
struct CachedChunk {
  crypto::SecretBytes bytes;
  size_t length = 0;
};

class Filesystem {
 public:
  Filesystem(vault::Vault& v, const vault::Identity& id, MountTree tree, uint64_t mounted_at)
      : vault_(v), id_(id), tree_(std::move(tree)), mounted_at_(mounted_at) {
    Touch();
  }

  // --- the lowlevel operations (each answers its request) ---
  void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Touch();
    uint64_t ino = tree_.Lookup(parent, name);
    if (ino == 0) return (void)fuse_reply_err(req, ENOENT);
    fuse_entry_param e{};
    e.ino = ino;
    e.attr = Attributes(ino);
    e.attr_timeout = kTimeout;
    e.entry_timeout = kTimeout;
    fuse_reply_entry(req, &e);
  }

  void GetAttr(fuse_req_t req, fuse_ino_t ino) {
    Touch();
    if (tree_.Find(ino) == nullptr) return (void)fuse_reply_err(req, ENOENT);
    struct stat st = Attributes(ino);
    fuse_reply_attr(req, &st, kTimeout);
  }

  void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Touch();
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
    };
    add(".", ino);
    add("..", n->parent);
    for (const auto& [name, child] : n->children) add(name, child);
    fi->fh = reinterpret_cast<uint64_t>(list.release());
    fi->cache_readdir = 1;
    fuse_reply_open(req, fi);
  }

  void ReadDir(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi) {
    Touch();
    const auto* list = reinterpret_cast<const DirListing*>(fi->fh);
    if (off < 0 || static_cast<size_t>(off) >= list->buf.size()) return (void)fuse_reply_buf(req, nullptr, 0);
    // An offset is where an entry ends: reply with the whole entries after it that fit.
    const size_t from = static_cast<size_t>(off);
    auto it = std::upper_bound(list->ends.begin(), list->ends.end(), from);
    size_t to = from;
    for (; it != list->ends.end() && *it - from <= size; ++it) to = *it;
    fuse_reply_buf(req, list->buf.data() + from, to - from);
  }

  void ReleaseDir(fuse_req_t req, fuse_file_info* fi) {
    delete reinterpret_cast<DirListing*>(fi->fh);
    fuse_reply_err(req, 0);
  }

  void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Touch();
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    if (n->kind == NodeKind::kDirectory) return (void)fuse_reply_err(req, EISDIR);
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) return (void)fuse_reply_err(req, EROFS);
    fi->keep_cache = 1;  // content never changes within a session
    if (n->kind == NodeKind::kIndex) return (void)fuse_reply_open(req, fi);
    // A document: answered by the committer once its first open is in the ledger.
    {
      std::lock_guard lock(mu_);
      pending_.push_back({req, ino, *fi});
    }
    work_.notify_all();  // shared with the read-ahead thread
  }

  void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off) {
    Touch();
    const Node* n = tree_.Find(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ENOENT);
    if (off < 0) return (void)fuse_reply_err(req, EINVAL);
    const uint64_t end = std::min<uint64_t>(n->size, static_cast<uint64_t>(off) + size);
    if (static_cast<uint64_t>(off) >= end) return (void)fuse_reply_buf(req, nullptr, 0);
    if (n->kind == NodeKind::kIndex)
      return (void)fuse_reply_buf(req, n->text.data() + off, end - static_cast<uint64_t>(off));
    std::shared_ptr<vault::ExtentReader> reader;
    {
      std::lock_guard lock(mu_);
      auto it = readers_.find(ino);
      if (it != readers_.end()) reader = it->second;
    }
    // Only an open the ledger records makes a reader; the kernel reads
    // through an open file, so this is a bug guard, not a path.
    if (!reader) return (void)fuse_reply_err(req, EIO);
    const uint64_t cs = reader->chunk_size();
    std::vector<iovec> iov;
    std::vector<std::shared_ptr<CachedChunk>> hold;  // alive until the reply is sent
    for (uint64_t at = static_cast<uint64_t>(off); at < end;) {
      const uint64_t index = at / cs;
      auto chunk = Chunk(ino, *reader, index, n->reg_no, /*log=*/true);
      if (!chunk) return (void)fuse_reply_err(req, EIO);
      const uint64_t in_chunk = at - index * cs;
      const uint64_t take = std::min<uint64_t>(end - at, chunk->length - in_chunk);
      iov.push_back({chunk->bytes.data() + in_chunk, take});
      hold.push_back(std::move(chunk));
      at += take;
    }
    ReadAhead(ino, reader, (end - 1) / cs, n->reg_no);
    fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
  }

  void GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    Touch();
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
    s.f_files = tree_.size();
    s.f_namemax = 255;
    fuse_reply_statfs(req, &s);
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
      for (const auto& p : batch) {
        const Node* n = tree_.Find(p.ino);
        if (!opened_.count(n->reg_no) && seen.insert(n->reg_no).second) first.push_back(n->reg_no);
      }
      lock.unlock();
      // One commit for every document opened while the last one ran.
      Status recorded = vault_.RecordOpened(id_, mounted_at_, first);
      if (!recorded) Log("could not record the opening of " + std::to_string(first.size()) +
                         " document(s): " + recorded.error().message);
      for (auto& p : batch) {
        const Node* n = tree_.Find(p.ino);
        bool ok = recorded || !seen.count(n->reg_no);
        if (ok && !HasReader(p.ino)) {
          auto r = vault_.OpenContent(id_, n->reg_no);
          if (!r) {
            Log(r.error().message);
            ok = false;
          } else {
            std::lock_guard g(mu_);
            readers_[p.ino] = std::shared_ptr<vault::ExtentReader>(std::move(*r));
          }
        }
        if (ok) fuse_reply_open(p.req, &p.fi);
        else fuse_reply_err(p.req, recorded ? EIO : EACCES);
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
  }

  // Drops the kernel's cached pages of every document read, then the
  // decrypted chunks and readers (with their data keys).
  void Forget(fuse_session* se, bool still_mounted) {
    std::lock_guard lock(mu_);
    if (still_mounted)
      for (const auto& [ino, reader] : readers_) fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);
    cache_.clear();
    lru_.clear();
    spare_.clear();
    readers_.clear();
  }

  uint32_t documents_opened() const {
    std::lock_guard lock(mu_);
    return static_cast<uint32_t>(opened_.size());
  }
  int64_t idle_seconds() const { return NowMonotonicSeconds() - last_request_.load(); }

 private:
  void Touch() { last_request_.store(NowMonotonicSeconds()); }

  static void Log(const std::string& line) {
    std::fprintf(stderr, "custody mount: %s\n", line.c_str());
    syslog(LOG_WARNING, "%s", line.c_str());
  }

  bool HasReader(fuse_ino_t ino) {
    std::lock_guard lock(mu_);
    return readers_.count(ino) != 0;
  }

  struct stat Attributes(uint64_t ino) const {
    const Node* n = tree_.Find(ino);
    struct stat st{};
    st.st_ino = ino;
    st.st_uid = ::getuid();
    st.st_gid = ::getgid();
    st.st_mtim.tv_sec = st.st_ctim.tv_sec = st.st_atim.tv_sec = n->mtime_unix;
    if (n->kind == NodeKind::kDirectory) {
      st.st_mode = S_IFDIR | 0500;
      st.st_nlink = 2;
    } else {
      st.st_mode = S_IFREG | 0400;
      st.st_nlink = 1;
      st.st_size = static_cast<off_t>(n->size);
      st.st_blocks = static_cast<blkcnt_t>((n->size + 511) / 512);
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
    chunk->bytes = TakeBuffer(len);
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
      if (victim->second.first.use_count() == 1 && spare_.size() < kSpareBuffers)
        spare_.push_back(std::move(victim->second.first->bytes));
      cache_.erase(victim);
      lru_.pop_back();
    }
    return chunk;
  }

  // A locked buffer of `len` bytes: a spare one of that size, or a new one.
  crypto::SecretBytes TakeBuffer(size_t len) {
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
  const MountTree tree_;
  const uint64_t mounted_at_;
  std::atomic<int64_t> last_request_{0};

  mutable std::mutex mu_;  // everything below
  std::condition_variable work_;
  std::deque<PendingOpen> pending_;
  bool stopping_ = false;
  std::set<std::string> opened_;  // documents whose first open is recorded
  std::unordered_map<fuse_ino_t, std::shared_ptr<vault::ExtentReader>> readers_;
  using ChunkKey = std::pair<fuse_ino_t, uint64_t>;
  std::list<ChunkKey> lru_;
  std::map<ChunkKey, std::pair<std::shared_ptr<CachedChunk>, std::list<ChunkKey>::iterator>> cache_;
  std::set<ChunkKey> in_flight_;  // being decrypted (by either thread)
  std::condition_variable chunk_ready_;
  std::deque<Ahead> ahead_;       // chunks for the read-ahead thread
  std::vector<crypto::SecretBytes> spare_;  // evicted chunks' buffers, for reuse
};

Filesystem* Fs(fuse_req_t req) { return static_cast<Filesystem*>(fuse_req_userdata(req)); }

fuse_lowlevel_ops Operations() {
  fuse_lowlevel_ops ops{};
  ops.init = [](void*, fuse_conn_info* conn) {
    conn->max_readahead = 1 << 20;
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  };
  ops.lookup = [](fuse_req_t r, fuse_ino_t p, const char* n) { Fs(r)->Lookup(r, p, n); };
  ops.getattr = [](fuse_req_t r, fuse_ino_t i, fuse_file_info*) { Fs(r)->GetAttr(r, i); };
  ops.opendir = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { Fs(r)->OpenDir(r, i, fi); };
  ops.readdir = [](fuse_req_t r, fuse_ino_t, size_t s, off_t o, fuse_file_info* fi) {
    Fs(r)->ReadDir(r, s, o, fi);
  };
  ops.releasedir = [](fuse_req_t r, fuse_ino_t, fuse_file_info* fi) { Fs(r)->ReleaseDir(r, fi); };
  ops.open = [](fuse_req_t r, fuse_ino_t i, fuse_file_info* fi) { Fs(r)->Open(r, i, fi); };
  ops.read = [](fuse_req_t r, fuse_ino_t i, size_t s, off_t o, fuse_file_info*) { Fs(r)->Read(r, i, s, o); };
  ops.release = [](fuse_req_t r, fuse_ino_t, fuse_file_info*) { fuse_reply_err(r, 0); };
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
  const std::string opts = "ro,default_permissions,subtype=custody,fsname=" +
                           EscapeOption(MountSource(options.vault_path));
  fuse_opt_add_arg(&args, "custody");
  fuse_opt_add_arg(&args, "-o");
  fuse_opt_add_arg(&args, opts.c_str());

  CUSTODY_ASSIGN(uint64_t mounted_at, vault.RecordMount(identity, HostName(), /*read_only=*/true));
  Filesystem fs(vault, identity, std::move(tree), mounted_at);
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
    fs.Stop();
    committer.join();
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
