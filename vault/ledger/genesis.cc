#include "vault/ledger/genesis.h"

#include "crypto/hash.h"

namespace custody::vault {

std::string DeriveVaultId(const std::string& creator_ed25519, const std::string& nonce) {
  return crypto::HashToString(crypto::Blake2b256("custody/v2/vault-id" + creator_ed25519 + nonce))
      .substr(0, 16);
}

}  // namespace custody::vault
