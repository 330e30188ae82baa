// The one durable write-temp-sync-rename. A file published through
// AtomicFile is either absent at its destination or present whole: readers
// and crashes never see a partial file (leveldb's SetCurrentFile pattern).
//
// Every step goes through the Env seam (base/env.h), so a fault-injecting Env
// sees each write, sync and rename.
//
// Temporary names: `<dir of dest>/.custody-tmp-<12 lowercase hex>`, random
// from getrandom(2). The name does not grow with dest's name (a 255-byte
// file name still works), lives in dest's directory (so the rename never
// crosses a filesystem) and marks the file as ours: a file matching
// IsAtomicFileTempName was left by a custody run that crashed before
// committing and may be removed.
//
// Not thread-safe; one AtomicFile per thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/env.h"
#include "base/status.h"

namespace custody {

inline constexpr std::string_view kAtomicFileTempPrefix = ".custody-tmp-";

// True if the last path component of `path` is an AtomicFile temporary name.
bool IsAtomicFileTempName(std::string_view path);

class AtomicFile {
 public:
  // Creates an empty temporary file in dest's directory with
  // Env::Open(kCreateNew), i.e. mode 0600. If `mode` is given, the file is
  // then chmod-ed to mode minus the process umask — only when `env` is
  // DefaultEnv(); other Envs have no permissions and ignore it. (Used to keep
  // certificates 0644 for now; issue 12 makes them 0600.) Errors: the Env's.
  // `env` must outlive the AtomicFile.
  static Result<std::unique_ptr<AtomicFile>> Create(Env* env, const std::string& dest,
                                                    std::optional<mode_t> mode = std::nullopt);

  // Removes the temporary file unless Commit succeeded (errors ignored).
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // The open temporary file. Null after Commit was called.
  File* file() const { return file_.get(); }
  // For writers that open files by name (cairo): they may write temp_path()
  // in place; Commit still syncs it through file().
  const std::string& temp_path() const { return temp_path_; }
  const std::string& dest() const { return dest_; }
  // True once Commit has renamed the file to dest (even if the directory
  // sync after it failed).
  bool published() const { return renamed_; }

  // Syncs the temporary file, renames it to dest (over an existing dest if
  // `replace`; otherwise kIo "<dest> already exists", as Env::Rename) and
  // syncs dest's directory. On failure before the rename the temporary file
  // is removed and dest is untouched. A failure of the final directory sync
  // is reported although dest is already in place (it may not survive a
  // crash). With `sync` false neither is synced: the new file survives the
  // process, whatever ends it, but maybe not a power loss (then the old
  // one, whole, may be found instead). REQUIRES: called at most once.
  Status Commit(bool replace, bool sync = true);

 private:
  AtomicFile(Env* env, std::string dest, std::string temp_path, std::unique_ptr<File> file)
      : env_(env), dest_(std::move(dest)), temp_path_(std::move(temp_path)),
        file_(std::move(file)) {}

  Env* const env_;
  const std::string dest_;
  const std::string temp_path_;
  std::unique_ptr<File> file_;
  bool renamed_ = false;
};

// Publishes `bytes` at `path` through an AtomicFile: Create, one WriteAt,
// Commit(replace, sync). `mode` as for AtomicFile::Create.
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view bytes,
                           bool replace, std::optional<mode_t> mode = std::nullopt, bool sync = true);

}  // namespace custody
