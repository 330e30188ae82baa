#include "vault/disposal/in_use.h"

#include <sys/sysmacros.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace custody::vault::disposal {
namespace {

namespace fs = std::filesystem;

struct Mount {
  dev_t dev;
  std::string point;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out.push_back(static_cast<char>(std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<Mount> Mounts() {
  std::vector<Mount> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, majmin, root, point;
    if (!(f >> id >> parent >> majmin >> root >> point)) continue;
    unsigned maj = 0, min = 0;
    if (std::sscanf(majmin.c_str(), "%u:%u", &maj, &min) != 2) continue;
    out.push_back({makedev(maj, min), Unescape(point)});
  }
  return out;
}

std::string ReadLine(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

fs::path SysDir(dev_t rdev) {
  return fs::path("/sys/dev/block") / (std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev)));
}

dev_t DevOf(const fs::path& sysdir) {
  unsigned maj = 0, min = 0;
  if (std::sscanf(ReadLine(sysdir / "dev").c_str(), "%u:%u", &maj, &min) != 2) return 0;
  return makedev(maj, min);
}

// Attached loop devices whose backing file satisfies `match`.
template <typename Match>
std::vector<std::string> LoopsBackedBy(Match match) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with("loop")) continue;
    std::string backing = ReadLine(e.path() / "loop" / "backing_file");
    if (backing.empty()) continue;  // not attached
    struct stat st {};
    if (stat(backing.c_str(), &st) == 0 && match(st)) out.push_back(name);
  }
  return out;
}

std::string BlockUser(dev_t rdev, const std::vector<Mount>& mounts, int depth);

// Why loop device `name` counts as in use by whatever backs it: it always
// does while attached (the loop driver reads and caches the backing store),
// and the message says what is on top of it.
std::string LoopReason(const std::string& name, const std::vector<Mount>& mounts, int depth) {
  dev_t loop = DevOf(fs::path("/sys/block") / name);
  std::string above = loop ? BlockUser(loop, mounts, depth + 1) : "";
  return "backs /dev/" + name + (above.empty() ? " (attached; detach it with losetup -d)"
                                               : ", which " + above);
}

std::string BlockUser(dev_t rdev, const std::vector<Mount>& mounts, int depth) {
  if (depth > 8) return "";  // a loop of loops: stop
  for (const auto& m : mounts)
    if (m.dev == rdev) return "is mounted at " + m.point;
  fs::path sys = SysDir(rdev);
  std::error_code ec;
  fs::path real = fs::canonical(sys, ec);
  if (ec) return "";
  for (const auto& h : fs::directory_iterator(real / "holders", ec))
    return "is held by " + h.path().filename().string() + " (device-mapper, md or another stacked device)";
  // Partitions sit as subdirectories that have a "partition" attribute.
  for (const auto& e : fs::directory_iterator(real, ec)) {
    if (!fs::exists(e.path() / "partition", ec)) continue;
    dev_t part = DevOf(e.path());
    if (!part) continue;
    std::string why = BlockUser(part, mounts, depth + 1);
    if (!why.empty()) return "has partition " + e.path().filename().string() + ", which " + why;
  }
  for (const auto& name : LoopsBackedBy([&](const struct stat& st) {
         return S_ISBLK(st.st_mode) && st.st_rdev == rdev;
       }))
    return LoopReason(name, mounts, depth);
  return "";
}

}  // namespace

std::string BlockDeviceUser(dev_t rdev) { return BlockUser(rdev, Mounts(), 0); }

std::string FileUser(const std::string& path, const struct stat& target) {
  std::vector<Mount> mounts = Mounts();
  for (const auto& name : LoopsBackedBy([&](const struct stat& st) {
         return S_ISREG(st.st_mode) && st.st_dev == target.st_dev && st.st_ino == target.st_ino;
       }))
    return LoopReason(name, mounts, 0);
  std::error_code ec;
  fs::path real = fs::weakly_canonical(path, ec);
  if (!ec)
    for (const auto& m : mounts)
      if (m.point == real.string()) return "is a mount point (something is mounted on it)";
  return "";
}

}  // namespace custody::vault::disposal
