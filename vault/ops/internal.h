// Shared by the files that implement Vault (vault/ops/*.cc); not API.
#pragma once

#include "format/custody.pb.h"
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

}  // namespace custody::vault
