// Shared by the files that implement Vault (vault/ops/*.cc); not API.
#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "crypto/secret_bytes.h"
#include "format/custody.pb.h"
#include "vault/catalog/catalog.h"
#include "vault/keys/key_ring.h"
#include "vault/ledger/checkpoint.h"
#include "vault/ledger/marking.h"
#include "vault/ledger/state.h"
#include "vault/ledger/verify.h"
#include "vault/ops/policy.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

namespace custody::vault {

// Any mutating operation that fails after it began changing the state leaves
// the Vault unusable: the in-memory state no longer matches the last
// commit, and nothing may publish it. The file itself goes back to its last
// commit (Container::Abandon). Committed() is called by CommitAll.
class Vault::WriteScope {
 public:
  explicit WriteScope(Vault* vault) : vault_(vault) {}
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  void Committed() { committed_ = true; }

 private:
  Vault* vault_;
  bool committed_ = false;
};

// A document whose content may be read: its state as it was checked, its
// data key and plaintext size (Vault::PrepareRead).
struct Vault::Readable {
  format::DocumentState doc;
  crypto::SecretBytes data_key;
  uint64_t size = 0;
};

// The level keys a listing has unwrapped, by (level, epoch): each is a
// locked allocation (several system calls) and a walk down the lineage, so
// one per key serves the whole listing. Entries are never removed while
// it runs, so a found key stays valid (Vault::DescribeDocument).
struct Vault::LevelKeyCache {
  std::mutex mu;
  std::map<std::pair<uint32_t, uint32_t>, crypto::SecretBytes> keys;
};

// True if KEY record `rec` holds bytes that are not a wrap of document
// `doc_id`: an erasure must leave it alone (ops/destroy.cc).
Result<bool> HoldsAnotherDocumentsKey(const Container& c, const RecordRef& rec, const std::string& doc_id);

// The names an add stores (ops/documents.cc): a file name as extract can
// create one, a title as long as a paragraph, both UTF-8; kUsage naming
// the file otherwise. And a folder path (format v8): empty, or components
// that could each be a file name, '/' between them.
Status CheckStoredNames(const AddRequest& f);
Status CheckFolderPath(const std::string& folder);

// The Ed25519 key of every member `state` ever held, revoked included
// (ops/ledger_walk.cc): whom a checkpoint note may be signed by.
std::vector<crypto::Ed25519Public> RosterKeysOf(const VaultState& state);

// The catalog's pages as CATALOG_PAGE records (FORMAT.md §3.16): read from
// a container, appended to one or to a container being built (compaction).
class ContainerPageReader : public PageReader {
 public:
  explicit ContainerPageReader(const Container& c) : c_(c) {}
  Result<std::string> ReadPage(uint64_t offset) const override;

 private:
  const Container& c_;
};

template <typename Sink>  // Container or ContainerBuilder
class ContainerPageWriter : public PageWriter {
 public:
  explicit ContainerPageWriter(Sink& sink) : sink_(sink) {}
  Result<uint64_t> AppendPage(const std::string& payload) override {
    return sink_.Append(format::RecordType::kCatalogPage, payload);
  }

 private:
  Sink& sink_;
};

}  // namespace custody::vault
