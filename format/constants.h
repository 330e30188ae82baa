// On-disk constants of format version 2 (and what v1 readers need). These are written to disk and must
// never change; see FORMAT.md for each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace custody::format {

// Writers write only kFormatVersion; readers accept every version from
// kOldestReadableFormatVersion (v1 files open read-only, FORMAT.md "Upgrade").
inline constexpr uint32_t kFormatVersion = 8;
inline constexpr uint32_t kOldestReadableFormatVersion = 1;
// v2 brought the authority chain (FORMAT.md §3.14); v3 the paged catalog
// (§3.16); v4 the register's event kinds #20-#24 (§3.8); v5 the copy tree
// (§3.16 "The copy tree", Checkpoint.copy_catalog). None changed anything a
// v2 file holds, so a v2, v3 or v4 file is written as v5 by its next commit
// (§6). Files before kFirstLinkedFormatVersion are read-only (R110).
inline constexpr uint32_t kFirstLinkedFormatVersion = 2;
// The superblock slot's own framing (FORMAT.md "Superblock", bytes 8-11):
// unchanged since v1, so a v2 reader decodes v1 slots and then looks at
// Superblock.format_version.
inline constexpr uint32_t kSuperblockLayoutVersion = 1;

// FORMAT.md "File layout".
inline constexpr uint64_t kSuperblockSize = 4096;
inline constexpr uint64_t kSuperblockOffsets[2] = {0, 4096};
inline constexpr uint64_t kLogStart = 8192;
inline constexpr std::string_view kSuperblockMagic{"CUSTODY\x01", 8};

// FORMAT.md "Records".
inline constexpr uint32_t kRecordMagic = 0x31434552;  // "REC1" little-endian
inline constexpr size_t kRecordHeaderSize = 48;
enum class RecordType : uint32_t {
  kUnknown = 0,
  kEvent = 1,
  kExtent = 2,
  kCheckpoint = 3,
  kKey = 4,  // a WrappedDocumentKey; payload integrity via KeyRef.hash
  kCatalogPage = 5,  // v2: a CatalogPage; also covered by its parent's hash
};
// EXTENT and KEY payloads are covered by a hash held elsewhere (so that they
// can be overwritten on destruction); their record checksum covers the
// header only.
inline constexpr bool PayloadCoveredElsewhere(RecordType t) {
  return t == RecordType::kExtent || t == RecordType::kKey;
}
// Largest payload of a non-extent record a reader accepts (bounded before
// allocation).
inline constexpr uint64_t kMaxRecordPayload = 256ull << 20;

// FORMAT.md "Extents".
inline constexpr uint32_t kChunkSize = 1u << 20;        // plaintext bytes per chunk
inline constexpr uint32_t kMaxChunkSize = 16u << 20;    // reader bound
inline constexpr size_t kChunkOverhead = 40;            // nonce 24 + tag 16

// FORMAT.md "Identity file".
inline constexpr std::string_view kIdentityMagic{"CUSTODY-IDENTITY\x01", 17};
inline constexpr uint64_t kMaxIdentityFileSize = 64 * 1024;

// Associated-data and hash domain strings (FORMAT.md "Crypto").
inline constexpr std::string_view kAdChunk = "custody/v1/chunk";
inline constexpr std::string_view kAdWrap = "custody/v1/wrap";
inline constexpr std::string_view kAdMetadata = "custody/v1/metadata";
inline constexpr std::string_view kAdIdentity = "custody/v1/identity";
// v2: a level key's lineage link (FORMAT.md §3.14 "Revocation").
inline constexpr std::string_view kAdLineage = "custody/v2/lineage";
inline constexpr std::string_view kHashExtentRoot = "custody/v1/extent-root";

}  // namespace custody::format
