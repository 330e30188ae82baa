// `custody mount`: the vault as a FUSE file system (libfuse 3, low-level
// API), one folder per level the identity is cleared for (mount_tree.h).
//
// What the ledger shows (FORMAT.md R178-R180): the mount (who, host,
// read-only), every document's first open in the session, committed before
// the open returns and so before any byte of it is read (opens that arrive
// together share one commit), and the unmount with its reason. A daemon that
// is killed leaves the vault at its last commit; the session then has no
// VaultUnmounted, which `custody log` shows.
//
// Reads decrypt from the container a chunk (1 MiB) at a time, each chunk
// checked against the hashes taken at the document's first open (R140) and
// authenticated (R42); a damaged chunk fails that read with EIO and is
// logged, the rest of the document stays readable. Decrypted chunks are
// cached in locked memory, and dropped (the kernel's page cache invalidated
// first) at unmount, before the keys are wiped.
//
// This version mounts read-only: writing (registering new documents,
// versions) is not implemented yet, and every write is EROFS.
#pragma once

#include <string>

#include "base/status.h"
#include "vault/identity/identity.h"
#include "vault/vault.h"

namespace custody::mount {

struct MountOptions {
  std::string vault_path;   // absolute
  std::string mountpoint;   // absolute, an existing empty directory
  double idle_minutes = 0;  // 0: never unmount for inactivity
  bool read_only = false;   // every write EROFS (an auditor's mount always is)
  // Called once the file system is mounted and serving, before requests
  // are answered (the CLI detaches from the terminal here).
  std::function<void()> on_mounted;
};

// Records the mount, serves until unmounted (fusermount3 -u / umount),
// SIGINT, SIGTERM, SIGHUP or `idle_minutes` without a request, then
// invalidates the kernel's cache of every document, wipes the decrypted
// chunks, unmounts and records the unmount. Blocks; `vault` must be open
// for writing (the ledger is appended to).
Status Serve(vault::Vault& vault, const vault::Identity& identity, const MountOptions& options);

// The `source` and file system type a custody mount shows in
// /proc/self/mountinfo ("custody:<vault path>", "fuse.custody").
std::string MountSource(const std::string& vault_path);
// The vault mounted at `mountpoint` (from /proc/self/mountinfo); kNotFound
// if no custody mount is there.
Result<std::string> MountedVault(const std::string& mountpoint);

}  // namespace custody::mount
