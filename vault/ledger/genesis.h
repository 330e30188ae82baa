// The v2 genesis binds a vault's id to its creator (FORMAT.md §3.14, R100):
// vault_id = first 16 bytes of BLAKE2b-256("custody/v2/vault-id" ||
// creator's Ed25519 key || nonce). Whoever holds only the 32-hex id (on a
// label, in a register) can check a genesis against it, and nobody without
// the creator's signing key can write another genesis for the same id.
#pragma once

#include <string>

namespace custody::vault {

inline constexpr size_t kGenesisNonceSize = 32;

std::string DeriveVaultId(const std::string& creator_ed25519, const std::string& nonce);

}  // namespace custody::vault
