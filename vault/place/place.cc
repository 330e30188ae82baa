#include "vault/place/place.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "base/encoding.h"
#include "base/posix.h"
#include "crypto/hkdf.h"
#include "vault/disposal/device.h"

namespace custody::vault {

namespace {

constexpr std::string_view kHostIdContext = "custody/v7/host";

std::string HexOfFsid(const fsid_t& id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", static_cast<unsigned>(id.__val[0]),
                static_cast<unsigned>(id.__val[1]));
  return buf;
}

Result<format::HostRef> ReadThisHost() {
  // The machine id is 32 lowercase hex digits (machine-id(5)); the dbus
  // copy is the fallback systemd itself uses.
  std::string text;
  for (const char* file : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    std::ifstream in(file);
    if (in && std::getline(in, text)) break;
  }
  auto raw = FromHex(text, HexCase::kEither);
  if (!raw || raw->size() != 16)
    return Fail(Code::kIo, "cannot identify this machine: /etc/machine-id is missing or not 32 hex digits");
  const auto tag = crypto::HmacSha256(
      {reinterpret_cast<const uint8_t*>(raw->data()), raw->size()},
      {reinterpret_cast<const uint8_t*>(kHostIdContext.data()), kHostIdContext.size()});
  format::HostRef h;
  h.set_id(std::string(reinterpret_cast<const char*>(tag.data()), 16));
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) h.set_name(name);
  return h;
}

}  // namespace

Result<format::Medium> MediumOf(const std::string& path) {
  struct statfs fs {};
  struct stat st {};
  if (::statfs(path.c_str(), &fs) != 0 || ::stat(path.c_str(), &st) != 0)
    return std::unexpected(ErrnoError(errno, "cannot tell which medium holds", path));
  format::Medium m;
  m.set_fs_id(HexOfFsid(fs.f_fsid));
  if (m.fs_id() == std::string(16, '0'))
    return Fail(Code::kUsage, "the filesystem holding " + path +
                                  " reports no filesystem id, so its medium cannot be recognised");
  m.set_filesystem(disposal::FilesystemName(fs.f_type));
  const disposal::DeviceFacts d = disposal::ProbeDeviceNumber(st.st_dev);
  m.set_device(d.kernel_name);
  m.set_model(d.model);
  m.set_serial(d.serial);
  m.set_size_bytes(d.size_bytes);
  m.set_transport(d.transport);
  return m;
}

Result<format::HostRef> ThisHost() {
  static const Result<format::HostRef> host = ReadThisHost();
  return host;
}

std::string DescribeMedium(const format::Medium& m) {
  std::string facts;
  auto add = [&](const std::string& s) { facts += (facts.empty() ? "" : ", ") + s; };
  if (!m.model().empty()) add(m.model());
  if (!m.serial().empty()) add("serial " + m.serial());
  if (m.size_bytes() != 0) add(HumanBytes(m.size_bytes()));
  if (!m.transport().empty()) add(m.transport());
  return m.filesystem() + (m.device().empty() ? "" : " on " + m.device()) +
         (facts.empty() ? "" : " (" + facts + ")") + ", filesystem id " + m.fs_id();
}

std::string DescribeHost(const format::HostRef& h) {
  return (h.name().empty() ? "(no name)" : h.name()) + " (id " + ToHex(h.id().substr(0, 8)) + ")";
}

}  // namespace custody::vault
