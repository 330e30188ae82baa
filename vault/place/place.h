// Where a vault is: the medium under a path and the machine this process
// runs on, as format v7 records them (format::Medium, format::HostRef;
// FORMAT.md §3.8 "Media and hosts"). Used to enforce the vault's bindings
// (approved media and hosts, REQUIREMENTS.md 2.2, 2.6, 3.8) and to stamp
// every event with the host it was made on.
//
// Only what the kernel reports to any user: statfs(2) for the filesystem's
// id, sysfs for the block device (the wipe engine's probe), /etc/machine-id
// for the machine. Nothing here needs root or udev.
#pragma once

#include <string>

#include "base/status.h"
#include "format/custody.pb.h"

namespace custody::vault {

// The medium holding `path` (a file or directory). kIo naming the path if
// statfs fails; kUsage if its filesystem reports no id (f_fsid all zero),
// so that media on it cannot be told apart.
Result<format::Medium> MediumOf(const std::string& path);

// This machine: the app-specific id derived from /etc/machine-id (HMAC-
// SHA-256 keyed with the 16 machine-id bytes over "custody/v7/host", first
// 16 bytes, as systemd's sd_id128_get_machine_app_specific does, so the
// machine id itself never reaches a vault) and the host name. Read once per
// process. kIo if /etc/machine-id is missing or malformed.
Result<format::HostRef> ThisHost();

// "M-0001" style one-line descriptions for messages and listings:
// "ext4 on loop3 (model, serial S, 96.0 MiB, loop), filesystem id 1234...".
std::string DescribeMedium(const format::Medium& m);
// "name (id 0123456789abcdef...)": the first 8 bytes of the id in hex.
std::string DescribeHost(const format::HostRef& h);

}  // namespace custody::vault
