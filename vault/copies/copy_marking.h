// The marking of a sealed copy (FORMAT.md §3.17): the classification, copy
// number, scope and recipient a person must see before decrypting it. It
// travels beside the age file as `COPY.age.marking`, so the age file itself
// stays standard (stock `age -d` opens it), and is signed by the issuer over
// every line, the BLAKE2b-256 of the whole age file included: a marking
// cannot be moved to another copy or edited without its signature failing.
//
// What the signature proves is that the holder of the issuer's key wrote
// it; whether that key belongs to an officer of the vault is the vault's
// ledger to say (the copy's CopyIssued event records the same hash).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "crypto/hash.h"
#include "vault/identity/identity.h"

namespace custody::vault {

struct CopyMarking {
  std::string vault_id_hex;
  std::string reg_no;
  uint32_t copy_no = 0;
  uint32_t of = 0;
  std::string level;           // level name
  std::string scope;
  std::string recipient_line;  // PublicIdentity::ToLine()
  std::string issuer_line;
  int64_t issued_unix = 0;
  crypto::Hash256 file_hash{};  // BLAKE2b-256 of the whole age file

  // "S-2026-00001/3"
  std::string Number() const { return reg_no + "/" + std::to_string(copy_no); }
  // The lines a person reads (no signature), ending in a newline.
  std::string Banner() const;
  // The whole companion file, signed by `issuer` (whose line must be
  // issuer_line). kUsage if a field holds a line break.
  Result<std::string> Sign(const Identity& issuer) const;
  // Parses a companion file and verifies its signature against the issuer
  // line it names. kCorrupt naming the problem otherwise.
  static Result<CopyMarking> ParseVerified(const std::string& text);
};

}  // namespace custody::vault
