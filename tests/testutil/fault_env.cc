#include "tests/testutil/fault_env.h"

#include <cerrno>
#include <functional>
#include <string_view>

namespace custody::testutil {

namespace {

void Apply(std::string& content, const LogEntry& e, size_t write_len) {
  if (e.kind == LogEntry::Kind::kTruncate) {
    content.resize(e.offset);
    return;
  }
  if (write_len == 0) return;
  uint64_t end = e.offset + write_len;
  if (content.size() < end) content.resize(end, '\0');
  content.replace(e.offset, write_len, e.data, 0, write_len);
}

// Moves the leading run of synced entries into base.
void Fold(Inode& n) {
  size_t i = 0;
  while (i < n.log.size() && n.log[i].synced) {
    Apply(n.base, n.log[i], n.log[i].data.size());
    ++i;
  }
  n.log.erase(n.log.begin(), n.log.begin() + static_cast<long>(i));
}

std::shared_ptr<Inode> CloneInode(const std::shared_ptr<Inode>& n,
                                  std::map<const Inode*, std::shared_ptr<Inode>>& done) {
  auto it = done.find(n.get());
  if (it != done.end()) return it->second;
  auto c = std::make_shared<Inode>(*n);
  done[n.get()] = c;
  return c;
}

}  // namespace

// ------------------------------------------------------------------ MemFs

MemFs MemFs::Clone() const {
  MemFs out;
  std::map<const Inode*, std::shared_ptr<Inode>> done;
  for (const auto& [p, n] : names) out.names[p] = CloneInode(n, done);
  for (const auto& [p, n] : durable_names) out.durable_names[p] = CloneInode(n, done);
  return out;
}

const std::string* MemFs::Contents(const std::string& path) const {
  auto it = names.find(path);
  return it == names.end() ? nullptr : &it->second->current;
}

size_t MemFs::PendingWrites() const {
  size_t n = 0;
  for (const auto& [p, in] : names)
    for (const auto& e : in->log) n += e.synced ? 0 : 1;
  return n;
}

bool MemFs::PendingNames() const {
  if (names.size() != durable_names.size()) return true;
  for (const auto& [p, in] : names) {
    auto it = durable_names.find(p);
    if (it == durable_names.end() || it->second != in) return true;
  }
  return false;
}

uint64_t MemFs::Fingerprint() const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull + (h >> 29); };
  for (const auto& [p, in] : names) {
    mix(std::hash<std::string_view>{}(p));
    mix(std::hash<std::string_view>{}(in->current));
    mix(in->current.size());
  }
  return h;
}

MemFs CrashCopy(const MemFs& fs, const CrashSpec& spec, std::string* what, uint64_t* choices_hash) {
  uint64_t ch = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { ch = (ch ^ v) * 1099511628211ull + (ch >> 31); };
  std::mt19937_64 rng(spec.seed);
  auto uniform = [&]() { return std::uniform_real_distribution<double>(0, 1)(rng); };
  std::string desc;
  bool keep_names = spec.style == CrashSpec::Style::kEverything;
  double p_keep = 0.5;
  if (spec.style == CrashSpec::Style::kRandom) {
    keep_names = uniform() < 0.25;
    static const double kProfiles[] = {0.1, 0.5, 0.9};
    p_keep = kProfiles[rng() % 3];
  }
  desc += spec.style == CrashSpec::Style::kDurableOnly ? "durable-only"
          : spec.style == CrashSpec::Style::kEverything ? "everything" : "random";
  desc += keep_names ? ", names kept" : ", unsynced names vanish";
  const auto& chosen = keep_names ? fs.names : fs.durable_names;
  mix(keep_names);
  MemFs out;
  std::map<const Inode*, std::shared_ptr<Inode>> done;
  for (const auto& [path, in] : chosen) {
    auto it = done.find(in.get());
    if (it != done.end()) {
      out.names[path] = out.durable_names[path] = it->second;
      continue;
    }
    auto n = std::make_shared<Inode>();
    n->base = in->base;
    std::string choices;
    for (const auto& e : in->log) {
      if (e.synced) {
        Apply(n->base, e, e.data.size());
        continue;
      }
      char c = 'K';
      size_t len = e.data.size();
      if (spec.style == CrashSpec::Style::kDurableOnly) {
        c = 'D';
      } else if (spec.style == CrashSpec::Style::kRandom) {
        double r = uniform();
        if (r < p_keep) {
          c = 'K';
        } else if (r < p_keep + (1 - p_keep) * 0.4 && e.kind == LogEntry::Kind::kWrite) {
          uint64_t g = (rng() & 1) ? 4096 : 512;
          uint64_t first = (e.offset / g + 1) * g, end = e.offset + e.data.size();
          if (first < end) {
            uint64_t count = (end - 1 - first) / g + 1;
            uint64_t cut = first + (rng() % count) * g;
            len = static_cast<size_t>(cut - e.offset);
            c = g == 512 ? 't' : 'T';
          } else {
            c = 'D';
          }
        } else {
          c = 'D';
        }
      }
      mix(static_cast<uint64_t>(c));
      mix(len);
      if (c == 'D') continue;
      Apply(n->base, e, e.kind == LogEntry::Kind::kWrite ? len : 0);
      if (choices.size() < 64) {
        choices.push_back(c);
        if (c == 't' || c == 'T') choices += "@" + std::to_string(e.offset + len);
      }
    }
    n->current = n->base;
    if (!choices.empty()) desc += "; " + path + ": " + choices;
    done[in.get()] = n;
    out.names[path] = out.durable_names[path] = n;
  }
  if (what) *what = desc;
  if (choices_hash) *choices_hash = ch;
  return out;
}

// ------------------------------------------------------------------ File

class MemFile final : public custody::File {
 public:
  MemFile(FaultEnv* env, std::shared_ptr<Inode> inode, std::string path, bool writable)
      : env_(env), inode_(std::move(inode)), path_(std::move(path)), writable_(writable) {}

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    std::lock_guard<std::mutex> l(env_->mu_);
    const std::string& c = inode_->current;
    if (offset >= c.size()) return size_t{0};
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), c.size() - offset));
    std::copy(c.data() + offset, c.data() + offset + n, out.data());
    return n;
  }

  Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
    std::lock_guard<std::mutex> l(env_->mu_);
    if (!writable_) return std::unexpected(custody::ErrnoError(EBADF, "writing", path_));
    std::string what = "write " + path_ + " @" + std::to_string(offset) + " +" +
                       std::to_string(data.size());
    if (inode_->sync_failed)
      env_->violations_.push_back("WriteAt " + path_ + " @" + std::to_string(offset) +
                                  " after a failed Sync of it");
    bool partial = false;
    Status s = env_->MaybeFail(true, "writing", path_, &partial);
    std::span<const uint8_t> apply = data;
    if (!s) {
      apply = {};
      if (partial) {
        uint64_t cut = ((offset + data.size() / 2) / 4096) * 4096;
        if (cut > offset) apply = data.first(static_cast<size_t>(cut - offset));
      }
      what += " FAILED";
    }
    if (!apply.empty()) {
      LogEntry e;
      e.kind = LogEntry::Kind::kWrite;
      e.offset = offset;
      e.data.assign(reinterpret_cast<const char*>(apply.data()), apply.size());
      Apply(inode_->current, e, e.data.size());
      inode_->log.push_back(std::move(e));
    }
    env_->AfterOp(what);
    return s;
  }

  Status Sync() override {
    std::lock_guard<std::mutex> l(env_->mu_);
    if (inode_->sync_failed)
      env_->violations_.push_back("Sync " + path_ + " after a failed Sync of it");
    bool partial = false;
    Status s = env_->MaybeFail(false, "syncing", path_, &partial);
    if (s) {
      for (auto& e : inode_->log)
        if (!e.poisoned) e.synced = true;
      Fold(*inode_);
      env_->AfterOp("sync " + path_);
    } else {
      for (auto& e : inode_->log)
        if (!e.synced) e.poisoned = true;
      inode_->sync_failed = true;
      env_->AfterOp("sync " + path_ + " FAILED");
    }
    return s;
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> l(env_->mu_);
    if (!writable_) return std::unexpected(custody::ErrnoError(EBADF, "truncating", path_));
    LogEntry e;
    e.kind = LogEntry::Kind::kTruncate;
    e.offset = size;
    Apply(inode_->current, e, 0);
    inode_->log.push_back(std::move(e));
    env_->AfterOp("truncate " + path_ + " to " + std::to_string(size));
    return {};
  }

  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> l(env_->mu_);
    return static_cast<uint64_t>(inode_->current.size());
  }

  Status LockExclusive() override { return {}; }
  const std::string& path() const override { return path_; }

 private:
  FaultEnv* env_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  bool writable_;
};

// ------------------------------------------------------------------ Env

FaultEnv::FaultEnv(MemFs fs) : fs_(std::move(fs)) {}
FaultEnv::~FaultEnv() = default;

Result<std::unique_ptr<custody::File>> FaultEnv::Open(const std::string& path, custody::OpenMode mode) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = fs_.names.find(path);
  if (mode == custody::OpenMode::kCreateNew) {
    if (it != fs_.names.end()) return std::unexpected(custody::ErrnoError(EEXIST, "opening", path));
    auto n = std::make_shared<Inode>();
    fs_.names[path] = n;
    AfterOp("create " + path);
    return std::unique_ptr<custody::File>(new MemFile(this, n, path, true));
  }
  if (it == fs_.names.end()) return std::unexpected(custody::ErrnoError(ENOENT, "opening", path));
  return std::unique_ptr<custody::File>(
      new MemFile(this, it->second, path, mode == custody::OpenMode::kReadWrite));
}

Status FaultEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  bool partial = false;
  Status s = MaybeFail(false, "syncing directory", dir, &partial);
  if (s) {
    std::vector<std::string> paths;
    for (const auto& [p, n] : fs_.names) paths.push_back(p);
    for (const auto& [p, n] : fs_.durable_names) paths.push_back(p);
    for (const auto& p : paths) {
      if (custody::DirName(p) != dir) continue;
      auto it = fs_.names.find(p);
      if (it == fs_.names.end()) fs_.durable_names.erase(p);
      else fs_.durable_names[p] = it->second;
    }
  }
  AfterOp("syncdir " + dir + (s ? "" : " FAILED"));
  return s;
}

Status FaultEnv::Rename(const std::string& from, const std::string& to, bool replace) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = fs_.names.find(from);
  if (it == fs_.names.end()) return std::unexpected(custody::ErrnoError(ENOENT, "renaming to", to));
  if (!replace && fs_.names.count(to)) return Fail(Code::kIo, to + " already exists");
  auto n = it->second;
  fs_.names.erase(it);
  fs_.names[to] = n;
  AfterOp("rename " + from + " -> " + to);
  return {};
}

Status FaultEnv::Remove(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (!fs_.names.erase(path)) return std::unexpected(custody::ErrnoError(ENOENT, "removing", path));
  AfterOp("remove " + path);
  return {};
}

Status FaultEnv::MaybeFail(bool is_write, const std::string& what, const std::string& path,
                           bool* partial) {
  uint64_t index = is_write ? writes_++ : syncs_++;
  int at = is_write ? fail_write_at_ : fail_sync_at_;
  if (at < 0 || index != static_cast<uint64_t>(at)) return {};
  fired_ = true;
  *partial = err_ == ENOSPC;
  return std::unexpected(custody::ErrnoError(err_, what, path));
}

void FaultEnv::AfterOp(const std::string& what) {
  ++ops_;
  if (hook_) hook_(fs_, what);
}

void FaultEnv::Arm(int fail_write_at, int fail_sync_at, int err) {
  std::lock_guard<std::mutex> l(mu_);
  fail_write_at_ = fail_write_at;
  fail_sync_at_ = fail_sync_at;
  err_ = err;
  writes_ = syncs_ = 0;
  fired_ = false;
}

uint64_t FaultEnv::writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}
uint64_t FaultEnv::syncs() const {
  std::lock_guard<std::mutex> l(mu_);
  return syncs_;
}
bool FaultEnv::fault_fired() const {
  std::lock_guard<std::mutex> l(mu_);
  return fired_;
}
std::vector<std::string> FaultEnv::violations() const {
  std::lock_guard<std::mutex> l(mu_);
  return violations_;
}
void FaultEnv::SetOpHook(OpHook hook) {
  std::lock_guard<std::mutex> l(mu_);
  hook_ = std::move(hook);
}
uint64_t FaultEnv::mutating_ops() const {
  std::lock_guard<std::mutex> l(mu_);
  return ops_;
}
MemFs FaultEnv::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return fs_.Clone();
}

}  // namespace custody::testutil
