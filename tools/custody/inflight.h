// Partial plaintext left by a killed extraction, and how the next run of
// custody finds and removes it.
//
// An extraction to a file writes into a temporary file beside the
// destination (base/atomic_file.h: `.custody-tmp-<12 hex>`) and renames it
// into place when done. While it runs:
//  * SIGINT, SIGTERM and SIGHUP remove the temporary file (and the entry
//    below) with async-signal-safe unlink(2), then re-raise with the
//    default action (ExtractSignalGuard);
//  * an entry in EnsureStateDir("inflight") names the temporary file, the
//    document and the vault (InflightEntry), held under flock(2) so that a
//    concurrent custody run can tell a live extraction from a dead one.
// SIGKILL (or a crash, or a power cut) runs no handler; the next custody
// command calls SweepInflightExtractions, which reports and removes every
// registered temporary file whose extraction is no longer running.
//
// Not protected: a kill between the creation of the temporary file and its
// registration leaves an empty temporary file (no plaintext) unregistered;
// so does a registration that cannot be written (the extraction is then
// refused). A state directory on another machine's home sees nothing of
// this machine's extractions.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "base/status.h"

namespace custody::cli {

// What a registered temporary file holds.
enum class InflightKind {
  kExtraction,  // a document's plaintext (extract, plaintext copy)
  kSealedCopy,  // a sealed copy's age file (ciphertext): `kind sealed`
  kOpenedCopy,  // plaintext `custody open` decrypts from a sealed copy: `kind opened`
};

// One registered extraction. Removes its entry when destroyed.
class InflightEntry {
 public:
  // Writes StateDir()/inflight/<hex of temp_path's name> (mode 0600):
  //   custody-inflight-v1 / temp <path> / reg_no <reg> / vault <path>
  // one per line, and holds an exclusive flock on it. `temp_path` must be
  // absolute and an AtomicFile temporary name (kUsage otherwise, or if a
  // field holds a newline); kIo/kUsage from the state directory.
  // A kind other than kExtraction is said by a fourth line (`kind sealed`,
  // `kind opened`; readers of the three lines ignore it) and in the
  // sweep's report. For kOpenedCopy, `reg_no` is the copy's number and
  // `vault_path` the sealed copy's path (the file the plaintext came from).
  static Result<std::unique_ptr<InflightEntry>> Register(const std::string& temp_path,
                                                         const std::string& reg_no,
                                                         const std::string& vault_path,
                                                         InflightKind kind = InflightKind::kExtraction);
  ~InflightEntry();
  InflightEntry(const InflightEntry&) = delete;
  InflightEntry& operator=(const InflightEntry&) = delete;

  const std::string& path() const { return path_; }

 private:
  InflightEntry(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
};

// For every entry whose extraction is not running (its lock is free):
// if the temporary file it names still exists (a regular file of this
// user), removes it and reports on `err`
//   custody: warning: partial plaintext of <reg> left by a killed
//   extraction: <path> — removed
// ("partial sealed copy (age ciphertext) of <reg> left by a killed copy"
// for a sealed copy's file)
// then removes the entry. Never fails: a state directory that is missing or
// unusable means nothing is registered; problems are reported as warnings.
void SweepInflightExtractions(std::ostream& err);

// Installs handlers for SIGINT, SIGTERM and SIGHUP (except those ignored
// on entry) for its lifetime. While armed, a signal unlinks the armed
// paths, restores the default action and re-raises. One at a time.
class ExtractSignalGuard {
 public:
  ExtractSignalGuard();
  ~ExtractSignalGuard();
  ExtractSignalGuard(const ExtractSignalGuard&) = delete;
  ExtractSignalGuard& operator=(const ExtractSignalGuard&) = delete;

  // Copies the paths into static buffers the handler reads. Paths longer
  // than PATH_MAX are not armed (they could not have been created).
  void Arm(const std::string& temp_path, const std::string& entry_path);
  void Disarm();
};

}  // namespace custody::cli
