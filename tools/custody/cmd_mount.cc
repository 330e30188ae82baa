// custody mount | unmount: the vault as a folder per level (tools/mount/).
//
// Without --foreground the command forks *before* anything secret exists
// (mlock'd pages are not inherited by a child): the child asks for the
// passphrase on the terminal, opens the vault, mounts, then tells the parent
// "mounted" (or the error) through a pipe and detaches; the parent prints it
// and exits with the child's code, so a script sees a failed mount.
#include <fcntl.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "tools/custody/cli.h"
#include "tools/mount/mount_fs.h"

extern char** environ;

namespace custody::cli {

namespace {

struct MountOpts {
  std::string vault, dir, as, passphrase_file;
  bool read_only = false, foreground = false;
  double idle_minutes = 0;
};

Result<std::string> AbsoluteDirectory(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::canonical(dir, ec);
  if (ec || !std::filesystem::is_directory(p, ec))
    return Fail(Code::kNotFound, "mount point " + dir + " is not a directory");
  return p.string();
}

// Everything after the fork: unlock, open, mount, serve. `report` is told
// once: the error before serving, or "" once mounted.
Status MountAndServe(const MountOpts& o, const std::string& vault_path, const std::string& dir,
                     const std::function<void(const Error*)>& report) {
  auto fail = [&](const Error& e) -> Status {
    report(&e);
    return std::unexpected(e);
  };
  auto id = UnlockIdentity(o.as, o.passphrase_file);
  if (!id) return fail(id.error());
  auto v = OpenVault(vault_path, vault::Vault::Access::kWrite);
  if (!v) return fail(v.error());
  mount::MountOptions mo;
  mo.vault_path = vault_path;
  mo.mountpoint = dir;
  mo.idle_minutes = o.idle_minutes;
  mo.read_only = o.read_only;
  bool told = false;
  mo.on_mounted = [&] {
    told = true;
    report(nullptr);
  };
  Status s = mount::Serve(**v, **id, mo);
  if (!s && !told) report(&s.error());
  return s;
}

int RunMount(const MountOpts& o) {
  auto dir = AbsoluteDirectory(o.dir);
  if (!dir) return Report(dir.error());
  std::error_code ec;
  auto vault_path = std::filesystem::canonical(o.vault, ec);
  if (ec) return Report(Error{Code::kNotFound, "vault " + o.vault + " not found"});
  if (o.idle_minutes < 0) return Report(Error{Code::kUsage, "--idle must be 0 or more minutes"});
  const std::string banner = "mounted " + vault_path.string() + " at " + *dir +
                             (o.read_only ? " (read-only)" : "") + "; unmount with: custody unmount " + *dir;
  if (o.foreground) {
    Status s = MountAndServe(o, vault_path, *dir, [&](const Error* e) {
      if (!e) std::cerr << banner << std::endl;
    });
    if (!s) return Report(s.error());
    std::cerr << "unmounted " << *dir << "\n";
    return 0;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Report(ErrnoError(errno, "creating", "a pipe"));
  pid_t child = ::fork();
  if (child < 0) return Report(ErrnoError(errno, "forking", "the mount daemon"));
  if (child == 0) {
    ::close(pipe_fds[0]);
    int to_parent = pipe_fds[1];
    auto report = [&](const Error* e) {
      std::string msg = e ? std::to_string(static_cast<int>(e->code)) + "\t" + e->message : "0\t";
      (void)!::write(to_parent, msg.data(), msg.size());
      ::close(to_parent);
      to_parent = -1;
      if (e) return;
      // Detached: no terminal, no working directory held; logs go to syslog.
      ::setsid();
      (void)!::chdir("/");
      int null = ::open("/dev/null", O_RDWR);
      for (int fd : {0, 1, 2}) ::dup2(null, fd);
      if (null > 2) ::close(null);
    };
    Status s = MountAndServe(o, vault_path, *dir, report);
    ::_exit(s ? 0 : static_cast<int>(s.error().code));
  }
  ::close(pipe_fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  auto tab = msg.find('\t');
  if (tab == std::string::npos) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return Report(Error{Code::kIo, "the mount daemon ended before mounting " + *dir});
  }
  int code = std::atoi(msg.substr(0, tab).c_str());
  if (code != 0) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return Report(Error{static_cast<Code>(code), msg.substr(tab + 1)});
  }
  std::cerr << banner << "\n";
  return 0;
}

// True once nothing holds the vault's lock (the daemon recorded the
// unmount and exited).
bool LockIsFree(const std::string& vault_path) {
  int fd = ::open(vault_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  struct flock fl{};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  bool free = ::fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK;
  ::close(fd);
  return free;
}

int RunUnmount(const std::string& dir_arg) {
  auto dir = AbsoluteDirectory(dir_arg);
  if (!dir) {
    // A mount whose daemon was killed answers stat(2) with ENOTCONN: the
    // mount table still names it, by its absolute path.
    std::error_code ec;
    const auto parent = std::filesystem::canonical(std::filesystem::absolute(dir_arg).parent_path(), ec);
    const std::string lexical = (parent / std::filesystem::absolute(dir_arg).filename()).string();
    if (ec || !mount::MountedVault(lexical)) return Report(dir.error());
    dir = lexical;
  }
  auto vault_path = mount::MountedVault(*dir);
  if (!vault_path) return Report(vault_path.error());
  if (::geteuid() == 0) {
    if (::umount2(dir->c_str(), 0) != 0) {
      if (errno == EBUSY)
        return Report(Error{Code::kIo, *dir + " is busy: a program has a file or its working directory "
                                              "there"},
                      "close it, or find it with: fuser -vm " + *dir);
      return Report(ErrnoError(errno, "unmounting", *dir));
    }
  } else {
    const char* argv[] = {"fusermount3", "-u", dir->c_str(), nullptr};
    pid_t pid;
    if (posix_spawnp(&pid, "fusermount3", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
      return Report(Error{Code::kIo, "cannot run fusermount3 (is fuse3 installed?)"});
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return Report(Error{Code::kIo, "fusermount3 could not unmount " + *dir});
  }
  // The daemon records the unmount and exits; wait for it so that the next
  // command finds the vault free.
  for (int i = 0; i < 600 && !LockIsFree(*vault_path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!LockIsFree(*vault_path))
    return Report(Error{Code::kIo, "unmounted " + *dir + ", but the daemon still holds " + *vault_path});
  std::cerr << "unmounted " << *dir << "\n";
  return 0;
}

}  // namespace

void RegisterMountCommands(CLI::App& app) {
  auto o = std::make_shared<MountOpts>();
  auto* m = app.add_subcommand(
      "mount",
      "Mount the vault at DIR: a folder per level you are cleared for, your documents in "
      "it under their file names (registration number in the xattr user.custody.reg_no and in "
      "LEVEL/.custody/index). The mount, the first open of each document and the unmount are "
      "recorded in the ledger. Never visible to other users. This version mounts read-only.");
  m->add_option("VAULT", o->vault)->required();
  m->add_option("DIR", o->dir, "An empty directory")->required();
  m->add_option("-i,--as", o->as, "Identity file")->required();
  m->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  m->add_flag("--ro", o->read_only, "Read-only: no file is created, changed, renamed or removed (EROFS)");
  m->add_option("--idle", o->idle_minutes, "Unmount after this many minutes without a request (0: never)");
  m->add_flag("--foreground,-f", o->foreground, "Stay in the foreground (Ctrl-C unmounts)");
  SetBody(m, [o] { return RunMount(*o); });

  auto dir = std::make_shared<std::string>();
  auto* u = app.add_subcommand("unmount", "Unmount a custody mount and wait until its unmount is "
                                          "recorded.");
  u->add_option("DIR", *dir)->required();
  SetBody(u, [dir] { return RunUnmount(*dir); });
}

}  // namespace custody::cli
