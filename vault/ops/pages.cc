// Catalog pages in the container (FORMAT.md §3.16).
#include "format/constants.h"
#include "vault/ops/internal.h"

namespace custody::vault {

Result<std::string> ContainerPageReader::ReadPage(uint64_t offset) const {
  auto ref = c_.ReadHeader(offset);
  if (!ref || ref->header.type != format::RecordType::kCatalogPage)
    return Fail(Code::kCorrupt, "catalog page reference at " + std::to_string(offset) +
                                    " does not point at a catalog page");
  // The record checksum covers the payload; the caller checks its hash too.
  return c_.ReadPayload(*ref);
}

}  // namespace custody::vault
