#include "base/atomic_file.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <fstream>

#include "base/posix.h"

namespace custody {

namespace {

constexpr size_t kTempHexDigits = 12;

Result<std::string> RandomHex() {
  uint8_t raw[kTempHexDigits / 2];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(ErrnoError(errno, "getrandom"));
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// umask(2) can only be read by setting it, which would race with other
// threads creating files; /proc/self/status reports it without changing it.
// Without /proc we assume the strictest mask rather than widen anything.
mode_t CurrentUmask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  return 077;
}

}  // namespace

bool IsAtomicFileTempName(std::string_view path) {
  auto slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() != kAtomicFileTempPrefix.size() + kTempHexDigits ||
      !name.starts_with(kAtomicFileTempPrefix))
    return false;
  for (char c : name.substr(kAtomicFileTempPrefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(Env* env, const std::string& dest,
                                                       std::optional<mode_t> mode) {
  CUSTODY_ASSIGN(std::string hex, RandomHex());
  std::string dir = DirName(dest);
  std::string temp = (dir == "/" ? "" : dir) + "/" + std::string(kAtomicFileTempPrefix) + hex;
  CUSTODY_ASSIGN(auto file, env->Open(temp, OpenMode::kCreateNew));
  std::unique_ptr<AtomicFile> f(new AtomicFile(env, dest, std::move(temp), std::move(file)));
  if (mode && env == DefaultEnv() &&
      ::chmod(f->temp_path_.c_str(), *mode & ~CurrentUmask()) != 0)
    return std::unexpected(ErrnoError(errno, "chmod", f->temp_path_));
  return f;  // the destructor removes the temporary file on every failure above
}

AtomicFile::~AtomicFile() {
  file_.reset();
  if (!renamed_) (void)env_->Remove(temp_path_);
}

Status AtomicFile::Commit(bool replace, bool sync) {
  // Close before renaming: Envs may treat an open file as still being written.
  std::unique_ptr<File> file = std::move(file_);
  if (sync) CUSTODY_TRY(file->Sync());
  file.reset();
  CUSTODY_TRY(env_->Rename(temp_path_, dest_, replace));
  renamed_ = true;
  return sync ? env_->SyncDir(DirName(dest_)) : Status{};
}

Status WriteFileAtomically(Env* env, const std::string& path, std::string_view bytes,
                           bool replace, std::optional<mode_t> mode, bool sync) {
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(env, path, mode));
  CUSTODY_TRY(out->file()->WriteAt(
      0, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  return out->Commit(replace, sync);
}

}  // namespace custody
