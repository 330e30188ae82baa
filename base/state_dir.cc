#include "base/state_dir.h"

#include <cerrno>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "base/posix.h"

namespace custody {

namespace {
std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

Status MakeOwnDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return std::unexpected(ErrnoError(errno, "cannot create the state directory", dir));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "cannot read", dir));
  if (!S_ISDIR(st.st_mode)) return Fail(Code::kIo, dir + " is not a directory");
  if (st.st_uid != ::geteuid())
    return Fail(Code::kIo, "state directory " + dir + " belongs to another user");
  if ((st.st_mode & 0077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    return std::unexpected(ErrnoError(errno, "cannot make the state directory private", dir));
  return {};
}
}  // namespace

Result<std::string> StateDir() {
  if (auto v = EnvOr("CUSTODY_STATE_DIR"); !v.empty()) return v;
  if (auto v = EnvOr("XDG_STATE_HOME"); !v.empty()) return v + "/custody";
  if (auto v = EnvOr("HOME"); !v.empty()) return v + "/.local/state/custody";
  return Fail(Code::kUsage, "no place for the client's state: set HOME or CUSTODY_STATE_DIR");
}

Result<std::string> EnsureStateDir(const std::string& sub) {
  CUSTODY_ASSIGN(std::string root, StateDir());
  // Parents of the root (~/.local/state) are ordinary directories; only
  // the custody directories themselves must be private.
  std::string partial;
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = root.find('/', pos + 1);
    partial = root.substr(0, pos);
    if (pos == std::string::npos) break;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      return std::unexpected(ErrnoError(errno, "cannot create", partial));
  }
  CUSTODY_TRY(MakeOwnDir(root));
  std::string dir = root + "/" + sub;
  CUSTODY_TRY(MakeOwnDir(dir));
  return dir;
}

}  // namespace custody
