// A revoke must draw a fresh key for every level the member could read
// (FORMAT.md §4.2): the revoked member's old level key, which they may have
// kept, must not open anything wrapped after the revoke, nor the re-wrapped
// key records of older documents; the members who remain read everything.
// The old key is captured the way the member could have: by opening their
// own key slot before the revoke.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"
#include "format/custody.pb.h"
#include "tests/vault/ops/ops_test_prelude.h"
#include "vault/keys/document_key.h"
#include "vault/keys/key_ring.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"

namespace {

std::string Raw(const Identity& id) {
  const auto& k = id.public_identity().ed25519;
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

// The level keys `id` holds now, as they could copy them out: their roster
// entry's slots opened with their own identity.
std::unique_ptr<vault::KeyRing> KeysOf(const Vault& v, const Identity& id) {
  const format::Member* m = v.TEST_state().FindMember(Raw(id));
  REQUIRE(m != nullptr);
  auto ring = vault::OpenKeySlots(v.TEST_state(), *m, id);
  if (!ring) FAIL("key slots do not open: " << ring.error().message);
  return std::move(*ring);
}

custody::crypto::SecretBytes CopyKey(const vault::KeyRing& ring, uint32_t level) {
  REQUIRE(ring.Has(level));
  return custody::crypto::SecretBytes::CopyOf(ring.Key(level));
}

// The current key record of document `reg`, parsed.
format::WrappedDocumentKey CurrentWrap(const Vault& v, const std::string& reg) {
  const format::DocumentState* d = v.TEST_state().FindDocument(reg).value();
  REQUIRE(d != nullptr);
  auto rec = v.TEST_container().ReadHeader(d->key().offset());
  REQUIRE(rec);
  auto payload = v.TEST_container().ReadPayloadUnchecked(*rec);
  REQUIRE(payload);
  format::WrappedDocumentKey wrap;
  REQUIRE(wrap.ParseFromString(*payload));
  return wrap;
}

bool Unwraps(std::span<const uint8_t> level_key, const Vault& v, const format::WrappedDocumentKey& wrap) {
  return vault::UnwrapDataKey(level_key, v.TEST_state().vault_id, wrap).has_value() ||
         vault::OpenMetadata(level_key, v.TEST_state().vault_id, wrap).has_value();
}

}  // namespace

TEST_CASE("vault/RevokedMembersOldLevelKeyDoesNotOpenDocumentsAddedAfterTheRevoke",
          "[vault][revoke][keys]") {
  Fixture f;
  auto alice = Identity::Generate("Alice (confidential)");
  auto bob = Identity::Generate("Bob (confidential)");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, alice->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  REQUIRE(v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  auto before = v->Add(*f.officer, {File(f.Input("old0.txt", "old internal"))}, LevelAt(*v, 0));
  REQUIRE(before);
  auto before1 = v->Add(*f.officer, {File(f.Input("old1.txt", "old confidential"))}, LevelAt(*v, 1));
  REQUIRE(before1);

  // What alice holds before she is revoked; it opens what exists now.
  auto alice_ring = KeysOf(*v, *alice);
  const auto old0 = CopyKey(*alice_ring, 0);
  const auto old1 = CopyKey(*alice_ring, 1);
  REQUIRE(Unwraps(old1.span(), *v, CurrentWrap(*v, before1->at(0))));
  REQUIRE(Unwraps(old0.span(), *v, CurrentWrap(*v, before->at(0))));

  REQUIRE(v->Revoke(*f.officer, alice->public_identity()));
  auto after = v->Add(*bob, {File(f.Input("new0.txt", "new internal"))}, LevelAt(*v, 0));
  REQUIRE(after);
  auto after1 = v->Add(*f.officer, {File(f.Input("new1.txt", "new confidential"))}, LevelAt(*v, 1));
  REQUIRE(after1);

  // The remaining members hold new keys, different from alice's old ones...
  auto bob_ring = KeysOf(*v, *bob);
  auto officer_ring = KeysOf(*v, *f.officer);
  for (uint32_t level : {0u, 1u}) {
    const auto old = level == 0 ? old0.span() : old1.span();
    CHECK_FALSE(std::equal(old.begin(), old.end(), bob_ring->Key(level).begin()));
    CHECK_FALSE(std::equal(old.begin(), old.end(), officer_ring->Key(level).begin()));
  }
  // ...alice's old keys open neither the documents added after the revoke...
  CHECK_FALSE(Unwraps(old0.span(), *v, CurrentWrap(*v, after->at(0))));
  CHECK_FALSE(Unwraps(old1.span(), *v, CurrentWrap(*v, after1->at(0))));
  // ...while the older documents keep their key records (v2 links keys
  // instead of re-wrapping, FORMAT.md §3.14: what alice could read before,
  // she already could)...
  CHECK(CurrentWrap(*v, before->at(0)).epoch() == 0);
  CHECK(CurrentWrap(*v, after->at(0)).epoch() == 1);
  // ...and the remaining members reach every epoch along the lineage, from
  // the new key only, and read them all.
  for (const auto& reg : {before->at(0), before1->at(0), after->at(0), after1->at(0)}) {
    const uint32_t level = v->TEST_state().FindDocument(reg).value()->added().level();
    const auto wrap = CurrentWrap(*v, reg);
    auto key = vault::LevelKeyAt(*bob_ring, v->TEST_state(), level, wrap.epoch());
    REQUIRE(key);
    CHECK(Unwraps(key->span(), *v, wrap));
  }
  // The revoked member's old key, given the lineage, cannot walk forwards.
  CHECK_FALSE(Unwraps(old0.span(), *v, CurrentWrap(*v, after->at(0))));
  ExpectExtracts(*v, *bob, after->at(0), "new internal", f.dir);
  ExpectExtracts(*v, *bob, after1->at(0), "new confidential", f.dir);
  ExpectExtracts(*v, *f.officer, after1->at(0), "new confidential", f.dir);
  ExpectExtracts(*v, *bob, before1->at(0), "old confidential", f.dir);
  // Levels alice never held keep their key: nothing to rotate.
  CHECK(v->TEST_state().epochs == std::vector<uint32_t>{1, 1, 0, 0});
}

TEST_CASE("vault/EachRevokeDrawsANewKeyAgain", "[vault][revoke][keys]") {
  Fixture f;
  auto alice = Identity::Generate("Alice");
  auto bob = Identity::Generate("Bob");
  auto carol = Identity::Generate("Carol");
  auto v = OpenWrite(f.path);
  for (const auto* id : {alice.get(), bob.get(), carol.get()})
    REQUIRE(v->Grant(*f.officer, id->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 0)));
  // Keys of the epochs 0, 1 and 2 of level 0, as a member held each.
  const auto epoch0 = CopyKey(*KeysOf(*v, *alice), 0);
  REQUIRE(v->Revoke(*f.officer, alice->public_identity()));
  const auto epoch1 = CopyKey(*KeysOf(*v, *bob), 0);
  REQUIRE(v->Revoke(*f.officer, bob->public_identity()));
  const auto epoch2 = CopyKey(*KeysOf(*v, *carol), 0);
  auto doc = v->Add(*carol, {File(f.Input("late.txt", "late"))}, LevelAt(*v, 0));
  REQUIRE(doc);
  const auto wrap = CurrentWrap(*v, doc->at(0));
  CHECK(wrap.epoch() == 2);
  CHECK_FALSE(Unwraps(epoch0.span(), *v, wrap));
  CHECK_FALSE(Unwraps(epoch1.span(), *v, wrap));
  CHECK(Unwraps(epoch2.span(), *v, wrap));
  CHECK_FALSE(std::equal(epoch0.span().begin(), epoch0.span().end(), epoch1.span().begin()));
  CHECK_FALSE(std::equal(epoch1.span().begin(), epoch1.span().end(), epoch2.span().begin()));
  ExpectExtracts(*v, *carol, doc->at(0), "late", f.dir);
}

namespace {
// A clock that says `first` once, then `then`: how a member's own client
// could stamp an act after their grant ended though the check before it
// passed (the client's check is a convenience; audit is the guarantee).
class LyingClock final : public custody::Clock {
 public:
  LyingClock(int64_t first, int64_t then) : first_(first), then_(then) {}
  int64_t NowUnix() const override { return calls_++ == 0 ? first_ : then_; }

 private:
  int64_t first_, then_;
  mutable std::atomic<int> calls_{0};
};
}  // namespace

// REQUIREMENTS.md 4.7: after a time-limited grant ends the member is
// refused, and the officer's next write rotates the levels they held
// exactly as a revoke does (a Revoked event, reason REVOKE_EXPIRED).
TEST_CASE("vault/AnExpiredGrantIsRefusedAndTheNextOfficerWriteRotatesItsKeys", "[vault][revoke][until]") {
  Fixture f;
  auto bob = Identity::Generate("Bob");
  const int64_t until = kFixedNow + 3600;
  auto v = OpenWrite(f.path, &f.clock);
  auto past = v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1), kFixedNow - 1);
  REQUIRE_FALSE(past);
  CHECK(past.error().code == Code::kUsage);
  CHECK(v->TEST_state().FindMember(Raw(*bob)) == nullptr);
  REQUIRE(v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1), until));
  CHECK(v->TEST_state().FindMember(Raw(*bob))->until_unix() == until);
  REQUIRE(v->List(*bob, false));
  const auto old1 = CopyKey(*KeysOf(*v, *bob), 1);

  f.clock.Set(until + 1);
  auto refused = v->List(*bob, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::kAuth);
  CHECK(refused.error().message.find("Bob") != std::string::npos);
  CHECK(v->TEST_state().epochs == std::vector<uint32_t>{0, 0, 0, 0});  // nothing rotated yet

  auto after = v->Add(*f.officer, {File(f.Input("new1.txt", "new confidential"))}, LevelAt(*v, 1));
  REQUIRE(after);
  CHECK(v->TEST_state().FindMember(Raw(*bob))->revoked());
  CHECK(v->TEST_state().epochs == std::vector<uint32_t>{1, 1, 0, 0});
  CHECK_FALSE(Unwraps(old1.span(), *v, CurrentWrap(*v, after->at(0))));
  ExpectExtracts(*v, *f.officer, after->at(0), "new confidential", f.dir);
  v.reset();
  auto rep = Vault::Audit(f.path);
  REQUIRE(rep);
  CHECK(rep->ok());
}

TEST_CASE("vault/AuditFlagsAnActSignedAfterTheGrantExpired", "[vault][audit][until]") {
  Fixture f;
  auto bob = Identity::Generate("Bob");
  const int64_t until = kFixedNow + 3600;
  {
    auto v = OpenWrite(f.path, &f.clock);
    REQUIRE(v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1), until));
  }
  auto clean = Vault::Audit(f.path);
  REQUIRE(clean);
  CHECK(clean->ok());
  {
    LyingClock lying(until - 1, until + 60);
    auto v = OpenWrite(f.path, &lying);
    REQUIRE(v->Add(*bob, {File(f.Input("late.txt", "late"))}, LevelAt(*v, 0)));
  }
  auto rep = Vault::Audit(f.path);
  REQUIRE(rep);
  REQUIRE(rep->problems.size() == 1);
  CHECK(rep->problems[0].message.find("signed by 'Bob'") != std::string::npos);
  CHECK(rep->problems[0].message.find("after their grant expired") != std::string::npos);
}

// The Vault keeps the level keys it opened from key slots (SlotCache): a
// hit must be exactly what opening the slot again gives, and a slot that
// changed (a rotation after a revoke) must be opened afresh, never served
// from what was kept.
TEST_CASE("vault/SlotCacheServesOnlyWhatTheSlotItselfOpensTo", "[vault][revoke][keys]") {
  Fixture f;
  auto alice = Identity::Generate("Alice");
  auto bob = Identity::Generate("Bob");
  auto v = OpenWrite(f.path);
  REQUIRE(v->Grant(*f.officer, alice->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  REQUIRE(v->Grant(*f.officer, bob->public_identity(), vault::Role::kStaff, ClearanceAt(*v, 1)));
  vault::SlotCache cache;
  auto through_cache = [&](const Identity& id) {
    const format::Member* m = v->TEST_state().FindMember(Raw(id));
    REQUIRE(m != nullptr);
    auto ring = vault::OpenKeySlots(v->TEST_state(), *m, id, &cache);
    if (!ring) FAIL("key slots do not open: " << ring.error().message);
    return std::move(*ring);
  };
  auto first = through_cache(*bob);
  auto again = through_cache(*bob);
  auto direct = KeysOf(*v, *bob);
  for (uint32_t level : {0u, 1u}) {
    CHECK(std::equal(first->Key(level).begin(), first->Key(level).end(), direct->Key(level).begin()));
    CHECK(std::equal(again->Key(level).begin(), again->Key(level).end(), direct->Key(level).begin()));
  }
  CHECK_FALSE(again->Has(2));
  // A slot sealed to someone else does not open for bob, cached or not.
  const format::Member* alice_entry = v->TEST_state().FindMember(Raw(*alice));
  const auto* alice_slot = vault::FindSlot(v->TEST_state(), alice_entry->keys().ed25519(), 0);
  REQUIRE(alice_slot != nullptr);
  vault::KeyRing scratch(4);
  CHECK_FALSE(cache.OpenInto(*bob, alice_slot->sealed_key(), 0, scratch));
  CHECK_FALSE(scratch.Has(0));
  // After alice's revoke the levels rotate: bob's new slots open to the new
  // keys through the same cache.
  REQUIRE(v->Revoke(*f.officer, alice->public_identity()));
  auto rotated = through_cache(*bob);
  auto rotated_direct = KeysOf(*v, *bob);
  for (uint32_t level : {0u, 1u}) {
    CHECK(std::equal(rotated->Key(level).begin(), rotated->Key(level).end(), rotated_direct->Key(level).begin()));
    CHECK_FALSE(std::equal(rotated->Key(level).begin(), rotated->Key(level).end(), first->Key(level).begin()));
  }
}
