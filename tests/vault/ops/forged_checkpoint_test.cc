// The attacks of issue 8 on a v2 vault's checkpoint, built as whoever holds
// the file would build them (tests/vectors/generate/craft.h): a checkpoint
// re-signed by a revoked member, by an outsider, by a lower-cleared member
// who installs a key slot, and one by a lower-cleared member whose catalog
// claims a live document destroyed so that the next writer would erase it.
// Each is refused, or cannot make anyone use a key or erase data. (The
// hidden-in-an-extent and index forgeries are vectors: R109, R120.)
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "tests/vectors/generate/craft.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"

namespace {

namespace craft = custody::craft;

// A vault with a checkpoint (compaction always writes one): the officer,
// staff `low` cleared for level 0, `gone` revoked, one document per level
// 0 and 3. Leaves the file at f.path.
struct CheckpointedVault {
  // `copies`: also 3 tracked copies of the low document, to `low`, before
  // the compaction (so its checkpoint names a copy tree of 3).
  explicit CheckpointedVault(bool copies = false) {
    auto v = OpenWrite(f.path);
    REQUIRE(v->Grant(*f.officer, low->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
    REQUIRE(v->Grant(*f.officer, gone->public_identity(), vault::Role::kOfficer, ClearanceAt(*v, 3)));
    auto a = v->Add(*f.officer, {File(f.Input("low.txt", "low document"))}, LevelAt(*v, 0));
    auto b = v->Add(*f.officer, {File(f.Input("top.txt", "top secret document"))}, LevelAt(*v, 3));
    REQUIRE((a && b));
    low_reg = a->at(0);
    top_reg = b->at(0);
    if (copies) {
      vault::CopyRequest r;
      r.reg_no = low_reg;
      r.recipient = low->public_identity();
      r.copies = 3;
      r.scope = "Ops room";
      r.out_path = f.dir / "copy.txt";
      REQUIRE(v->IssueCopies(*f.officer, r));
    }
    REQUIRE(v->Revoke(*f.officer, gone->public_identity()));
    REQUIRE(v->Compact(*f.officer));
    v.reset();
    const std::string bytes = ReadFileBytes(f.path);
    const auto sb = craft::Sb(bytes, craft::Active(bytes));
    auto header = format::DecodeRecordHeader(std::string_view(bytes).substr(sb.checkpoint_offset(), 48),
                                             sb.checkpoint_offset(), sb.committed_end());
    REQUIRE(header);
    honest = bytes.substr(sb.checkpoint_offset() + 48, header->length);
  }
  // Re-signs the honest checkpoint, edited by `edit`, as `signer`, commits
  // it as a new CHECKPOINT record and points the superblock at it. With
  // `edit_documents`, the catalog is rewritten too: its documents, edited,
  // as a new tree of pages in the same commit.
  // `edit_copies` likewise rewrites the copy tree.
  void Forge(const Identity& signer, const std::function<void(format::Checkpoint&)>& edit,
             const std::function<void(std::vector<format::DocumentState>&)>& edit_documents = {},
             const std::function<void(std::vector<format::CopyState>&)>& edit_copies = {}) {
    std::string b = ReadFileBytes(f.path);
    format::SignedCheckpoint scp;
    format::Checkpoint cp;
    REQUIRE(scp.ParseFromString(honest));
    REQUIRE(cp.ParseFromString(scp.body()));
    std::vector<std::pair<format::RecordType, std::string>> records;
    if (edit_documents) {
      REQUIRE(cp.has_catalog());
      auto docs = craft::CatalogDocuments(b, cp.catalog());
      edit_documents(docs);
      auto [pages, root] = craft::CatalogTree(docs, craft::Sb(b, craft::Active(b)).committed_end());
      records = pages;
      *cp.mutable_catalog() = root;
    }
    if (edit_copies) {
      REQUIRE(cp.has_copy_catalog());
      auto copies = craft::CatalogDocuments<vault::CopyCatalog>(b, cp.copy_catalog());
      edit_copies(copies);
      uint64_t at = craft::Sb(b, craft::Active(b)).committed_end();
      for (const auto& [type, payload] : records) at += format::kRecordHeaderSize + payload.size();
      auto [pages, root] = craft::CatalogTree(copies, at);
      records.insert(records.end(), pages.begin(), pages.end());
      *cp.mutable_copy_catalog() = root;
    }
    edit(cp);
    scp.set_body(cp.SerializeAsString());
    scp.mutable_signature()->set_signer_ed25519(craft::Raw(signer.public_identity().ed25519));
    scp.mutable_signature()->set_signature(signer.Sign(scp.body()));
    records.emplace_back(format::RecordType::kCheckpoint, scp.SerializeAsString());
    auto offs = craft::Commit(b, records);
    const int a = craft::Active(b);
    auto nsb = craft::Sb(b, a);
    nsb.set_checkpoint_offset(offs.back());
    craft::PutSb(b, a, nsb);
    WriteFileBytes(f.path, b);
  }
  Fixture f;
  std::unique_ptr<Identity> low = Identity::Generate("Lowly Staff");
  std::unique_ptr<Identity> gone = Identity::Generate("Revoked Officer");
  std::unique_ptr<Identity> outsider = Identity::Generate("Outsider");
  std::string low_reg, top_reg;
  std::string honest;  // the compaction's checkpoint payload
};

std::string OpenError(const std::string& path, Vault::Access access) {
  auto v = Vault::Open(path, access);
  return v ? std::string() : v.error().message;
}

}  // namespace

TEST_CASE("vault/ACheckpointReSignedByARevokedOrUnknownIdentityIsRefused", "[vault][v2][checkpoint]") {
  for (int who = 0; who < 2; ++who) {
    CheckpointedVault x;
    const Identity& signer = who == 0 ? *x.gone : *x.outsider;
    INFO((who == 0 ? "revoked officer" : "outsider"));
    // The revoked officer re-installs the slots of their old grant.
    x.Forge(signer, [&](format::Checkpoint& cp) {
      auto* slot = cp.add_slots();
      slot->set_member_ed25519(craft::Raw(x.gone->public_identity().ed25519));
      slot->set_level(3);
      slot->set_sealed_key(std::string(80, '\x01'));
    });
    CHECK_THAT(OpenError(x.f.path, Vault::Access::kRead), Catch::Contains("roster") || Catch::Contains("authority"));
    x.Forge(signer, [](format::Checkpoint&) {});  // even an honest copy of the content
    CHECK_THAT(OpenError(x.f.path, Vault::Access::kRead),
               Catch::Contains("checkpoint signed by an identity not in the roster"));
  }
}

TEST_CASE("vault/ALowerClearedMembersCheckpointCannotInstallAKeySlot", "[vault][v2][checkpoint]") {
  CheckpointedVault x;
  x.Forge(*x.low, [&](format::Checkpoint& cp) {
    auto* slot = cp.add_slots();
    slot->set_member_ed25519(craft::Raw(x.f.officer->public_identity().ed25519));
    slot->set_level(3);
    slot->set_sealed_key(std::string(80, '\x02'));
  });
  CHECK_THAT(OpenError(x.f.path, Vault::Access::kWrite),
             Catch::Contains("carries roster, key slots or levels"));
  // Without the slot the same member's checkpoint opens: authority is the
  // chain's, so the officer's key slot is the one their grant sealed.
  x.Forge(*x.low, [](format::Checkpoint&) {});
  auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
  INFO((v ? std::string() : v.error().message));
  REQUIRE(v);
  ExpectExtracts(**v, *x.f.officer, x.top_reg, "top secret document", x.f.dir);
}

// A member's catalog lists another document's key record (the top secret
// one) among the superseded wraps of their own; a destroy by the officer
// then makes the entry "changed" on the next write open, where superseded
// wraps are overwritten. Only the document's own wraps ever are.
TEST_CASE("vault/ACatalogThatListsAnotherDocumentsKeyAsSupersededErasesNothingOfIt", "[vault][v2][checkpoint][declassify]") {
  CheckpointedVault x;
  x.Forge(*x.low, [](format::Checkpoint&) {}, [&](std::vector<format::DocumentState>& docs) {
    format::KeyRef top_key, low_key;
    for (const auto& d : docs) {
      if (d.added().reg_no() == x.top_reg) top_key = d.key();
      if (d.added().reg_no() == x.low_reg) low_key = d.key();
    }
    for (auto& d : docs)
      if (d.added().reg_no() == x.low_reg) {
        *d.add_erased_keys() = top_key;
        *d.add_erased_keys() = low_key;  // and its own current one
      }
  });
  {
    auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
    INFO((v ? std::string() : v.error().message));
    REQUIRE(v);
    auto witness = Identity::Generate("Witness");
    REQUIRE((*v)->Grant(*x.f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(**v, 0)));
    REQUIRE((*v)->Destroy(*x.f.officer, *witness, x.low_reg, "forged catalog test"));
  }
  {
    auto v = Vault::Open(x.f.path, Vault::Access::kWrite);  // replays the destroy
    INFO((v ? std::string() : v.error().message));
    REQUIRE(v);
  }
  // The top secret document still opens: its key record was not touched.
  auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
  REQUIRE(v);
  auto s = (*v)->Extract(*x.f.officer, To(x.top_reg, x.f.dir / "top.out"));
  INFO((s ? std::string() : s.error().message));
  CHECK(s);
}

// The same lie in `old_keys` (the wraps a destroy overwrites): destroying
// the member's document must not overwrite the top secret one's key.
TEST_CASE("vault/ACatalogThatListsAnotherDocumentsKeyAsAnOldWrapErasesNothingOfIt", "[vault][v2][checkpoint][destroy]") {
  CheckpointedVault x;
  x.Forge(*x.low, [](format::Checkpoint&) {}, [&](std::vector<format::DocumentState>& docs) {
    format::KeyRef top_key;
    for (const auto& d : docs)
      if (d.added().reg_no() == x.top_reg) top_key = d.key();
    for (auto& d : docs)
      if (d.added().reg_no() == x.low_reg) *d.add_old_keys() = top_key;
  });
  {
    auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
    REQUIRE(v);
    auto witness = Identity::Generate("Witness");
    REQUIRE((*v)->Grant(*x.f.officer, witness->public_identity(), vault::Role::kStaff, ClearanceAt(**v, 0)));
    REQUIRE((*v)->Destroy(*x.f.officer, *witness, x.low_reg, "forged catalog test"));
  }
  // The next write open replays the destroy and completes it: still only
  // the document's own records.
  auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
  INFO((v ? std::string() : v.error().message));
  REQUIRE(v);
  auto s = (*v)->Extract(*x.f.officer, To(x.top_reg, x.f.dir / "top.out"));
  INFO((s ? std::string() : s.error().message));
  CHECK(s);
}

TEST_CASE("vault/ACatalogThatClaimsADestructionErasesNothing", "[vault][v2][checkpoint][destroy]") {
  CheckpointedVault x;
  x.Forge(*x.low, [](format::Checkpoint&) {}, [&](std::vector<format::DocumentState>& docs) {
    for (auto& d : docs)
      if (d.added().reg_no() == x.low_reg) d.set_destroyed(true);  // the marking stays right
  });
  const std::string before = ReadFileBytes(x.f.path);
  {
    // A writer opens: the forged "pending erasure" is not carried out.
    auto v = Vault::Open(x.f.path, Vault::Access::kWrite);
    INFO((v ? std::string() : v.error().message));
    REQUIRE(v);
  }
  CHECK(ReadFileBytes(x.f.path) == before);
  auto rep = Vault::Audit(x.f.path);
  REQUIRE(rep);
  bool reported = false;
  for (const auto& p : rep->problems)
    reported |= p.message.find("differs from the state replayed from the ledger") != std::string::npos;
  CHECK(reported);
}

namespace {
bool AuditReports(const std::string& path, const std::string& what) {
  auto rep = Vault::Audit(path);
  REQUIRE(rep);
  bool reported = false;
  for (const auto& p : rep->problems) {
    UNSCOPED_INFO(p.where << ": " << p.message);
    reported |= p.message.find(what) != std::string::npos;
  }
  return reported;
}
}  // namespace

// Format v5: the copies are a tree of pages the checkpoint names. Whoever
// can rewrite the file, and any live member who re-signs, can present a
// tree that lies; audit reports each lie, and a forged page is refused on
// open.
TEST_CASE("vault/TheHonestCopyTreeAuditsCleanAndOpens", "[vault][v5][checkpoint][copies]") {
  CheckpointedVault x(/*copies=*/true);
  auto v = Vault::Open(x.f.path, Vault::Access::kRead);
  REQUIRE(v);
  CHECK((*v)->TEST_state().ToCheckpoint().has_copy_catalog());
  CHECK((*v)->TEST_state().ToCheckpoint().copies_size() == 0);
  int n = 0;
  REQUIRE((*v)->ForEachCopy([&](const vault::CopyInfo&) -> custody::Status { ++n; return {}; }));
  CHECK(n == 3);
  auto rep = Vault::Audit(x.f.path);
  REQUIRE(rep);
  for (const auto& p : rep->problems) UNSCOPED_INFO(p.where << ": " << p.message);
  CHECK(rep->problems.empty());
}

TEST_CASE("vault/ACopyTreeThatOmitsACopyIsReported", "[vault][v5][checkpoint][copies][attack]") {
  CheckpointedVault x(true);
  x.Forge(*x.f.officer, [](format::Checkpoint&) {}, {}, [](std::vector<format::CopyState>& copies) {
    copies.erase(copies.begin() + 1);  // copy 2, still outstanding, hidden
  });
  {
    auto v = Vault::Open(x.f.path, Vault::Access::kRead);
    REQUIRE(v);  // a signed cache: readers take it, audit judges it
  }
  CHECK(AuditReports(x.f.path, "copies, the ledger issued 3"));
}

TEST_CASE("vault/ACopyTreeThatChangesACopysStateIsReported", "[vault][v5][checkpoint][copies][attack]") {
  CheckpointedVault x(true);
  x.Forge(*x.f.officer, [](format::Checkpoint&) {}, {}, [](std::vector<format::CopyState>& copies) {
    copies[0].set_status(format::COPY_RETURNED);
  });
  CHECK(AuditReports(x.f.path, "/1 differs from the state replayed from the ledger"));
}

TEST_CASE("vault/ACopyTreeWithAWrongCountIsReported", "[vault][v5][checkpoint][copies][attack]") {
  CheckpointedVault x(true);
  x.Forge(*x.f.officer, [](format::Checkpoint& cp) {
    cp.mutable_copy_catalog()->set_count(cp.copy_catalog().count() + 1);
  });
  CHECK(AuditReports(x.f.path, "copy tree"));
  // The root page itself no longer matches its reference: opening refuses.
  CHECK_THAT(OpenError(x.f.path, Vault::Access::kRead), Catch::Contains("count"));
}

TEST_CASE("vault/AForgedCopyPageIsRefused", "[vault][v5][checkpoint][copies][attack]") {
  CheckpointedVault x(true);
  x.Forge(*x.f.officer, [](format::Checkpoint& cp) {
    std::string h = cp.copy_catalog().hash();
    h[0] ^= 1;  // the page is not the one signed for
    cp.mutable_copy_catalog()->set_hash(h);
  });
  CHECK_THAT(OpenError(x.f.path, Vault::Access::kWrite), Catch::Contains("does not hash to its reference"));
  CHECK(AuditReports(x.f.path, "does not hash to its reference"));
}

TEST_CASE("vault/ACheckpointWithACopyTreeAndInlineCopiesIsRefused", "[vault][v5][checkpoint][copies][attack]") {
  CheckpointedVault x(true);
  x.Forge(*x.f.officer, [](format::Checkpoint& cp) {
    format::CopyState c;
    c.mutable_issued()->set_reg_no("S-1");
    c.mutable_issued()->set_copy_no(1);
    c.set_status(format::COPY_ISSUED);
    *cp.add_copies() = c;
  });
  CHECK_THAT(OpenError(x.f.path, Vault::Access::kRead), Catch::Contains("copy tree root out of range"));
  CHECK(AuditReports(x.f.path, "does not match the state replayed"));
}
