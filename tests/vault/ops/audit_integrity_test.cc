// What the keyless audit alone vouches for: a KEY record carries no payload
// checksum (its integrity is the hash in its signed reference), and a
// document's ciphertext is bound to the root hash in its signed event. An
// audit that skipped either comparison would pass a tampered vault; so
// would a reader that skipped the key-record hash.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

namespace {

bool Reported(const vault::AuditReport& audit, const std::string& where, const std::string& what) {
  for (const auto& p : audit.problems) UNSCOPED_INFO(p.where << ": " << p.message);
  return std::any_of(audit.problems.begin(), audit.problems.end(), [&](const vault::AuditProblem& p) {
    return p.where == where && Contains(p.message, what);
  });
}

}  // namespace

TEST_CASE("vault/AuditAndExtractReportAKeyRecordThatNoLongerMatchesItsHash", "[vault][integrity][audit]") {
  Fixture f;
  std::vector<std::string> regs;
  uint64_t key_payload_end = 0;
  {
    auto v = OpenWrite(f.path);
    auto r = v->Add(*f.officer, {File(f.Input("a", "first")), File(f.Input("b", "second"))}, LevelAt(*v, 1));
    REQUIRE(r);
    regs = *r;
    const auto& key = v->TEST_state().FindDocument(regs[0]).value()->key();
    auto rec = v->TEST_container().ReadHeader(key.offset());
    REQUIRE(rec);
    key_payload_end = rec->payload_offset() + rec->header.length;
  }
  auto clean = Vault::Audit(f.path);
  REQUIRE(clean);
  REQUIRE(clean->ok());
  // The last byte of the payload lies in the sealed metadata: the record
  // still parses and still names its document and level.
  FlipByte(f.path, key_payload_end - 1);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
  CHECK(Reported(*audit, "document " + regs[0], "its wrapped key record is damaged"));
  CHECK(audit->damaged_documents == std::vector<std::string>{regs[0]});
  // A reader refuses it, naming the cause, and still reads the other.
  auto v = OpenWrite(f.path);
  std::string msg = ExpectExtractFails(*v, *f.officer, regs[0], Code::kCorrupt, f.dir);
  CHECK(Contains(msg, "does not match its hash"));
  ExpectExtracts(*v, *f.officer, regs[1], "second", f.dir);
}

TEST_CASE("vault/AuditReportsCiphertextThatNoLongerMatchesItsSignedRootHash", "[vault][integrity][audit]") {
  Fixture f;
  std::vector<std::string> regs;
  uint64_t flip_at = 0;
  {
    auto v = OpenWrite(f.path);
    auto r = v->Add(*f.officer, {File(f.Input("a", PseudoRandom(9000, 5))), File(f.Input("b", "other"))},
                    LevelAt(*v, 0));
    REQUIRE(r);
    regs = *r;
    const auto& e = v->TEST_state().FindDocument(regs[0]).value()->added().extent();
    flip_at = e.offset() + e.length() - 1;  // the last byte: the final chunk's tag
  }
  FlipByte(f.path, flip_at);
  auto audit = Vault::Audit(f.path);
  REQUIRE(audit);
  CHECK_FALSE(audit->ok());
  CHECK(Reported(*audit, "document " + regs[0], "its ciphertext does not match the hash in its signed ledger event"));
  CHECK(audit->damaged_documents == std::vector<std::string>{regs[0]});
  CHECK(audit->documents_live == 2);
}
