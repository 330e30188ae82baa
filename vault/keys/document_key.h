// A document's data key and its secret metadata (title, file name, size),
// wrapped under the key of the document's level and epoch.
// See format/FORMAT.md §3.7 "Documents" and §4.3 "Associated data":
// XChaCha20-Poly1305 with associated data binding the vault id, document
// id, level and epoch, so a key record cannot be moved to another document,
// level or epoch.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "crypto/secret_bytes.h"
#include "format/custody.pb.h"

namespace custody::vault {

// Which document a key record belongs to; part of the associated data.
struct KeyRecordContext {
  std::string vault_id;  // 16 bytes
  std::string doc_id;    // 16 bytes
  uint32_t level = 0;
  uint32_t epoch = 0;
};

// Wraps `data_key` and `metadata` under `level_key` for `ctx`.
format::WrappedDocumentKey WrapDocumentKey(std::span<const uint8_t> level_key,
                                           const KeyRecordContext& ctx,
                                           std::span<const uint8_t> data_key,
                                           const format::DocumentMetadata& metadata);

// The context a stored key record claims (its doc id, level and epoch).
KeyRecordContext ContextOf(const std::string& vault_id, const format::WrappedDocumentKey& wrap);

// Unwraps the data key. kCorrupt if it does not authenticate.
Result<crypto::SecretBytes> UnwrapDataKey(std::span<const uint8_t> level_key,
                                          const std::string& vault_id,
                                          const format::WrappedDocumentKey& wrap);

// Opens and parses the metadata. kCorrupt if it does not authenticate or parse.
Result<format::DocumentMetadata> OpenMetadata(std::span<const uint8_t> level_key,
                                              const std::string& vault_id,
                                              const format::WrappedDocumentKey& wrap);

}  // namespace custody::vault
