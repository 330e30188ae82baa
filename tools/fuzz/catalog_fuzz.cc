// libFuzzer harness: catalog pages (FORMAT.md §3.16) as a hostile file
// holds them, read by vault::Catalog and checked by vault::TreeAuditor.
//
// Input: byte 0 = number of levels (1-16), then pages, each a le16 length
// and that many payload bytes, placed at header offsets from 8192 on as a
// writer places them (children before parents). So that the fuzzer reaches
// past the hash checks, every child reference in a page that parses is
// re-pointed at the hash of the page at its offset (when there is one); the
// last page is the root, its reference computed the same way, its count
// and height taken from the page.
//
// Invariants (a violation traps):
//  * a tree that streams (ForEach succeeds) yields strictly ascending keys,
//    exactly root.count of them, each at a level the vault has;
//  * every key it yields is found by Find, with the same entry;
//  * the auditor accepts it against a replay holding exactly those entries;
//  * the writer, adding one document and changing another, turns it into a
//    tree that streams again with one more entry.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include "crypto/hash.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "vault/catalog/catalog.h"
#include "vault/catalog/tree_audit.h"
#include "tests/vectors/generate/craft.h"
#include "tools/fuzz/fuzz_common.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InitOnce();
  static bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in keys is expected here
    return true;
  }();
  (void)quiet;
  if (size < 1) return 0;
  const size_t levels = 1 + data[0] % 16;
  craft::MemoryPages pages;
  format::CatalogRoot root;
  bool have_root = false;
  for (size_t at = 1; at + 2 <= size && pages.pages.size() < 64;) {
    const size_t len = data[at] | (size_t{data[at + 1]} << 8);
    at += 2;
    if (len > size - at) break;
    std::string payload(reinterpret_cast<const char*>(data + at), len);
    at += len;
    format::CatalogPage page;
    if (page.ParseFromString(payload)) {
      for (auto& c : *page.mutable_children())
        if (auto child = pages.pages.find(c.offset()); child != pages.pages.end()) c.set_hash(craft::H(child->second));
      payload = page.SerializeAsString();
      root.set_height(page.height());
      uint64_t count = page.entries_size();
      for (const auto& c : page.children()) count += c.count();
      root.set_count(count);
    }
    root.set_offset(pages.next);
    root.set_hash(craft::H(payload));
    have_root = true;
    (void)pages.AppendPage(payload);
  }
  if (!have_root) return 0;

  vault::Catalog catalog;
  catalog.Attach(&pages, root, levels);
  (void)catalog.CheckRoot();
  std::vector<format::DocumentState> seen;
  auto streamed = catalog.ForEach([&](const format::DocumentState& d) -> Status {
    seen.push_back(d);
    return {};
  });
  if (!streamed) return 0;
  if (seen.size() != root.count()) __builtin_trap();
  vault::Catalog replay;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].added().level() >= levels) __builtin_trap();
    if (i > 0 && !(seen[i - 1].added().reg_no() < seen[i].added().reg_no())) __builtin_trap();
    auto found = catalog.Find(seen[i].added().reg_no());
    if (!found || *found == nullptr ||
        !google::protobuf::util::MessageDifferencer::Equals(**found, seen[i]))
      __builtin_trap();
    replay.Insert(seen[i]);
  }
  vault::TreeAuditor auditor(pages);
  if (!auditor.Check(root, replay, replay.changed(), levels)) __builtin_trap();

  // The writer on top of it: one document added, one changed.
  const std::string added = seen.empty() ? "A" : seen.back().added().reg_no() + "+";
  if (added.size() > vault::kMaxRegNoBytes) return 0;
  auto absent = catalog.Find(added);
  if (!absent || *absent != nullptr) return 0;  // a duplicate of a key the tree holds elsewhere
  catalog.Insert(craft::BoundedDocument(added));
  if (!seen.empty()) catalog.Mutable(seen.front().added().reg_no()).set_extract_count(1);
  auto flushed = catalog.Flush(pages);
  if (!flushed) __builtin_trap();  // every page it reads was read above
  vault::Catalog again;
  again.Attach(&pages, *flushed, levels);
  uint64_t n = 0;
  if (!again.ForEach([&](const format::DocumentState&) -> Status {
        ++n;
        return {};
      }))
    __builtin_trap();
  if (n != seen.size() + 1) __builtin_trap();
  return 0;
}
