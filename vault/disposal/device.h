// What can be learned about the medium under a wipe: from ioctls on an open
// block device, and from sysfs (/sys/class/block, /sys/dev/block).
//
// Everything here is best effort and says so: a fact that cannot be
// determined is left empty (strings) or kUnknown, never guessed. HPA and DCO
// (ATA host-protected area, device configuration overlay: sectors hidden
// from the host, which no overwrite through the block device can reach)
// would need ATA pass-through commands that this module does not issue, so
// they are "unknown" on ATA/SCSI disks and "not applicable" on transports
// that have no such feature (NVMe, virtio, loop, memory, MMC).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace custody::vault::disposal {

enum class Tristate { kUnknown, kNo, kYes };
const char* TristateName(Tristate value);  // "unknown", "no", "yes"

struct DeviceFacts {
  std::string path;         // as the user named it (a device node, or the
                            // file / directory for file and free-space wipes)
  std::string kernel_name;  // "sda", "sda1", "nvme0n1", "loop0"; "" if unknown
  std::string whole_disk;   // the disk holding a partition; == kernel_name for a disk
  std::string vendor;
  std::string model;
  std::string serial;
  std::string transport;    // "ata", "usb", "nvme", "virtio", "scsi", "mmc", "loop", ...
  uint64_t size_bytes = 0;  // of the block device (0 if unknown)
  uint32_t logical_sector_size = 0;
  uint32_t physical_sector_size = 0;
  Tristate rotational = Tristate::kUnknown;
  Tristate removable = Tristate::kUnknown;
  std::string hpa = "unknown";
  std::string dco = "unknown";
  std::string backing_file;  // loop devices: the file that holds the data
  std::string filesystem;    // file and free-space wipes: "ext4", "xfs", ...

  // "magnetic" when rotational, "flash or other non-rotational" when not,
  // "unknown" otherwise.
  std::string MediaType() const;
  // Warnings a person must read before trusting an overwrite of this medium
  // (non-rotational media are not purged by overwriting; loop devices only
  // overwrite their backing file; HPA/DCO unknown). Stable wording.
  std::vector<std::string> Warnings() const;
};

// Facts about the open block device `fd` (named `path`): size and sector
// sizes from ioctls (BLKGETSIZE64, BLKSSZGET, BLKPBSZGET, BLKROTATIONAL), the
// rest from sysfs. kUsage if `fd` is not a block device; kIo if the size
// ioctl fails.
Result<DeviceFacts> ProbeBlockDevice(int fd, const std::string& path);

// Facts about the block device with number `dev` (e.g. st_dev of a file),
// from sysfs only, without opening it. Missing facts stay unknown; never fails.
DeviceFacts ProbeDeviceNumber(dev_t dev);

// Name of the filesystem type for a statfs f_type ("ext4" for all ext2/3/4,
// "btrfs", ...; "0x1234abcd" if not known).
std::string FilesystemName(int64_t f_type);

// True for filesystems that never overwrite a file's blocks in place
// (copy-on-write or log-structured: btrfs, zfs, bcachefs, f2fs, nilfs2), where
// overwriting a file or its free space cannot be relied on.
bool IsCopyOnWrite(int64_t f_type);

// True for overlayfs, where a write to a file from a lower layer copies it up
// and leaves the lower layer's copy in place.
bool IsOverlay(int64_t f_type);

}  // namespace custody::vault::disposal
