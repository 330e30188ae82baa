// Whether something mounted depends on a wipe target. O_EXCL on a block
// device catches a device that is itself mounted or claimed, but not the
// indirect cases: a device or file that is the backing store of a loop
// device (which may itself be mounted), a disk whose partition or holder
// (device-mapper, md) is in use, a file bind-mounted somewhere. Overwriting
// any of those corrupts a live filesystem underneath it, so the engine asks
// here first and refuses with the reason.
//
// Sources: /proc/self/mountinfo (what is mounted, by device number and
// mount point), /sys/dev/block/MAJ:MIN/{holders,<partition>} and
// /sys/block/loop*/loop/backing_file. Best effort like device.h: a source
// that cannot be read finds nothing.
#pragma once

#include <sys/stat.h>

#include <string>

namespace custody::vault::disposal {

// Why the block device with number `rdev` must not be overwritten ("is
// mounted at /mnt", "backs /dev/loop3, which is mounted at /mnt", "is held by
// dm-0", "has partition sda1 mounted at /boot"); "" if nothing depends on it.
std::string BlockDeviceUser(dev_t rdev);

// Why the regular file `st` (named `path`) must not be overwritten ("backs
// /dev/loop3, which is mounted at /mnt", "backs /dev/loop3 (attached)", "is
// mounted on at /x"); "" if nothing depends on it.
std::string FileUser(const std::string& path, const struct stat& st);

}  // namespace custody::vault::disposal
