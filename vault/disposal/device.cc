#include "vault/disposal/device.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace custody::vault::disposal {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c) && c != 0; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Reads a small sysfs attribute; "" if absent or unreadable.
std::string ReadAttr(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > 4096) s.resize(4096);
  return Trim(s);
}

// Replaces bytes that are not printable ASCII: sysfs strings come from
// device firmware and end up in a certificate and a PDF.
std::string Printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

Tristate ReadFlag(const fs::path& p) {
  std::string v = ReadAttr(p);
  if (v == "1") return Tristate::kYes;
  if (v == "0") return Tristate::kNo;
  return Tristate::kUnknown;
}

// SCSI VPD page 0x80 (unit serial number): 4-byte header, then ASCII.
std::string SerialFromVpd80(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() <= 4) return "";
  return Trim(s.substr(4));
}

std::string TransportOf(const std::string& disk, const std::string& syspath) {
  auto has = [&](const char* needle) { return syspath.find(needle) != std::string::npos; };
  if (disk.starts_with("loop")) return "loop";
  if (disk.starts_with("nvme")) return "nvme";
  if (disk.starts_with("mmcblk")) return "mmc";
  if (disk.starts_with("zram") || disk.starts_with("ram")) return "memory";
  if (disk.starts_with("dm-")) return "device-mapper";
  if (disk.starts_with("md")) return "md-raid";
  if (has("/usb")) return "usb";
  if (has("/ata")) return "ata";
  if (has("/virtio")) return "virtio";
  if (has("/nvme")) return "nvme";
  if (has("/host")) return "scsi";
  return "";
}

// Fills everything sysfs knows about /sys/class/block/<name>.
void FillFromSysfs(const std::string& name, DeviceFacts& f) {
  if (name.empty()) return;
  f.kernel_name = name;
  std::error_code ec;
  fs::path cls = fs::path("/sys/class/block") / name;
  fs::path real = fs::canonical(cls, ec);
  if (ec) return;
  // A partition's sysfs directory sits inside its disk's.
  fs::path disk_dir = real;
  if (fs::exists(real / "partition", ec)) disk_dir = real.parent_path();
  f.whole_disk = disk_dir.filename().string();
  fs::path dev = disk_dir / "device";

  f.vendor = Printable(ReadAttr(dev / "vendor"));
  if (f.vendor.starts_with("0x")) f.vendor.clear();  // virtio/PCI ids, not a name
  f.model = Printable(ReadAttr(dev / "model"));
  f.serial = Printable(ReadAttr(dev / "serial"));                       // nvme, mmc
  if (f.serial.empty()) f.serial = Printable(ReadAttr(disk_dir / "serial"));  // virtio
  if (f.serial.empty()) f.serial = Printable(SerialFromVpd80(dev / "vpd_pg80"));  // scsi/ata
  f.transport = TransportOf(f.whole_disk, disk_dir.string());
  f.rotational = ReadFlag(disk_dir / "queue" / "rotational");
  f.removable = ReadFlag(disk_dir / "removable");
  if (f.size_bytes == 0) {
    std::string sectors = ReadAttr(real / "size");  // always in 512-byte units
    if (!sectors.empty()) f.size_bytes = std::stoull(sectors) * 512;
  }
  if (f.logical_sector_size == 0) {
    std::string v = ReadAttr(disk_dir / "queue" / "logical_block_size");
    if (!v.empty()) f.logical_sector_size = static_cast<uint32_t>(std::stoul(v));
  }
  if (f.physical_sector_size == 0) {
    std::string v = ReadAttr(disk_dir / "queue" / "physical_block_size");
    if (!v.empty()) f.physical_sector_size = static_cast<uint32_t>(std::stoul(v));
  }
  if (f.transport == "loop") f.backing_file = ReadAttr(disk_dir / "loop" / "backing_file");
  if (f.transport == "ata" || f.transport == "scsi" || f.transport == "usb" ||
      f.transport.empty()) {
    f.hpa = "unknown";
    f.dco = "unknown";
  } else {
    f.hpa = "not applicable";
    f.dco = "not applicable";
  }
}

std::string NameOfDeviceNumber(dev_t dev) {
  std::error_code ec;
  fs::path p = fs::path("/sys/dev/block") /
               (std::to_string(major(dev)) + ":" + std::to_string(minor(dev)));
  fs::path real = fs::canonical(p, ec);
  if (ec) return "";
  return real.filename().string();
}

}  // namespace

const char* TristateName(Tristate value) {
  switch (value) {
    case Tristate::kYes: return "yes";
    case Tristate::kNo: return "no";
    case Tristate::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string DeviceFacts::MediaType() const {
  if (transport == "memory") return "memory";
  // The kernel calls loop and virtio disks rotational by default; that says
  // nothing about the medium underneath.
  if (transport == "loop") return "loop device (the medium is that of its backing file)";
  if (transport == "virtio") return "virtual disk (the host's medium is unknown)";
  if (rotational == Tristate::kYes) return "magnetic";
  if (rotational == Tristate::kNo) return "flash or other non-rotational";
  return "unknown";
}

std::vector<std::string> DeviceFacts::Warnings() const {
  std::vector<std::string> out;
  if (transport == "loop") {
    out.push_back("this is a loop device: the data lives in the backing file " +
                  (backing_file.empty() ? std::string("(unknown)") : backing_file) +
                  ", and overwriting it is only as thorough as overwriting that file in "
                  "place on its own filesystem and medium");
  }
  if (rotational != Tristate::kYes && transport != "memory") {
    out.push_back(
        "the medium is " +
        std::string(rotational == Tristate::kNo ? "non-rotational"
                                                : "not known to be rotational") +
        ": on flash (SSD, NVMe, USB stick, SD card) the controller remaps writes, so "
        "an overwrite reaches the logical blocks but not spare, remapped or retired "
        "cells. That is a NIST SP 800-88 Clear, not a Purge; for Purge use "
        "cryptographic erase or the device's own sanitize command (ATA SANITIZE or "
        "SECURITY ERASE UNIT, NVMe Sanitize or Format with secure erase)");
  }
  if (hpa == "unknown" || dco == "unknown") {
    out.push_back(
        "HPA/DCO state unknown: sectors hidden by a host-protected area or a device "
        "configuration overlay are not reachable through the block device and were "
        "not overwritten if they exist (check with hdparm -N and --dco-identify)");
  }
  return out;
}

Result<DeviceFacts> ProbeBlockDevice(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode))
    return Fail(Code::kUsage, path + " is not a block device");
  DeviceFacts f;
  f.path = path;
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) != 0)
    return Fail(Code::kIo, "cannot read the size of " + path + " (BLKGETSIZE64)");
  f.size_bytes = size;
  int logical = 0;
  if (ioctl(fd, BLKSSZGET, &logical) == 0 && logical > 0)
    f.logical_sector_size = static_cast<uint32_t>(logical);
  unsigned int physical = 0;
  if (ioctl(fd, BLKPBSZGET, &physical) == 0 && physical > 0) f.physical_sector_size = physical;
  unsigned short rotational = 0;  // NOLINT: the ioctl's own type
  bool have_rotational = ioctl(fd, BLKROTATIONAL, &rotational) == 0;
  FillFromSysfs(NameOfDeviceNumber(st.st_rdev), f);
  if (have_rotational) f.rotational = rotational ? Tristate::kYes : Tristate::kNo;
  return f;
}

DeviceFacts ProbeDeviceNumber(dev_t dev) {
  DeviceFacts f;
  FillFromSysfs(NameOfDeviceNumber(dev), f);
  return f;
}

namespace {
struct FsMagic {
  int64_t magic;
  const char* name;
  bool copy_on_write;
};
constexpr FsMagic kFilesystems[] = {
    {0xEF53, "ext4", false},          {0x58465342, "xfs", false},
    {0x9123683E, "btrfs", true},      {0x2FC12FC1, "zfs", true},
    {0xCA451A4E, "bcachefs", true},   {0xF2F52010, "f2fs", true},
    {0x3434, "nilfs2", true},         {0x01021994, "tmpfs", false},
    {0x4d44, "vfat", false},          {0x5346544e, "ntfs", false},
    {0x65735546, "fuse", false},      {0x2011BAB0, "exfat", false},
    {0x794c7630, "overlayfs", false}, {0x6969, "nfs", false},
    {0xFF534D42, "cifs", false},      {0x52654973, "reiserfs", false},
    {0x3153464a, "jfs", false},
};
}  // namespace

std::string FilesystemName(int64_t f_type) {
  for (const auto& e : kFilesystems)
    if (e.magic == f_type) return e.name;
  std::ostringstream s;
  s << "0x" << std::hex << f_type;
  return s.str();
}

bool IsOverlay(int64_t f_type) { return f_type == 0x794c7630; }

bool IsCopyOnWrite(int64_t f_type) {
  for (const auto& e : kFilesystems)
    if (e.magic == f_type) return e.copy_on_write;
  return false;
}

}  // namespace custody::vault::disposal
