// Events built in memory for the ledger tests (state_rules_test.cc,
// signer_rules_test.cc): no file, no container. LedgerBuilder holds a
// VaultState and makes the next event to apply to it (sequence, chain,
// vault id, time and actor filled in); each test file derives its own
// Ledger from it, with its members and the history its constructor replays.
// Namespace custody::vault::ledger_test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>

#include "format/constants.h"
#include "format/custody.pb.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"

namespace custody::vault::ledger_test {

inline std::string Raw(const Identity& id) {
  const auto& k = id.public_identity().ed25519;
  return std::string(k.begin(), k.end());
}

inline format::Member MemberEntry(const Identity& id, format::Role role, int32_t clearance) {
  format::Member m;
  m.mutable_keys()->set_name(id.public_identity().name);
  const auto& x = id.public_identity().x25519;
  m.mutable_keys()->set_x25519(std::string(x.begin(), x.end()));
  m.mutable_keys()->set_ed25519(Raw(id));
  m.set_role(role);
  m.set_clearance(clearance);
  return m;
}

// The ledger does not open sealed keys: any 80 bytes will do.
inline void AddSlot(google::protobuf::RepeatedPtrField<format::KeySlot>* slots, const Identity& id,
                    uint32_t level, uint32_t epoch) {
  auto* s = slots->Add();
  s->set_member_ed25519(Raw(id));
  s->set_level(level);
  s->set_epoch(epoch);
  s->set_sealed_key(std::string(80, 'k'));
}

inline bool SameState(const format::Checkpoint& before, const VaultState& s) {
  return google::protobuf::util::MessageDifferencer::Equals(before, s.ToCheckpoint());
}

struct LedgerBuilder {
  std::string vault_id = std::string(16, 'v');
  // The reason a Destroy event records; empty: none.
  std::string destroy_reason;
  VaultState state;

  format::Event Next(const Identity& actor) const {
    format::Event e;
    e.set_sequence(state.event_count);
    e.set_prev_hash(state.ledger_head);
    e.set_vault_id(vault_id);
    e.set_time_unix(1700000000);
    e.set_actor_ed25519(Raw(actor));
    return e;
  }

  static format::SignedEvent SignedBy(const format::Event& e,
                                      const std::vector<const Identity*>& signers) {
    format::SignedEvent se;
    se.set_body(e.SerializeAsString());
    for (const Identity* id : signers) {
      auto* sig = se.add_signatures();
      sig->set_signer_ed25519(Raw(*id));
      sig->set_signature(id->Sign(se.body()));
    }
    return se;
  }
  static std::string Sign(const format::Event& e, const std::vector<const Identity*>& signers) {
    return SignedBy(e, signers).SerializeAsString();
  }

  // A two-level vault ("public", "secret") created by `creator`, an officer
  // cleared for both.
  format::Event Created(const Identity& creator) const {
    format::Event e = Next(creator);
    auto* vc = e.mutable_vault_created();
    vc->set_vault_id(vault_id);
    vc->set_label("Example");
    vc->add_level_names("public");
    vc->add_level_names("secret");
    *vc->mutable_creator() = MemberEntry(creator, format::ROLE_OFFICER, 1);
    AddSlot(vc->mutable_slots(), creator, 0, 0);
    AddSlot(vc->mutable_slots(), creator, 1, 0);
    return e;
  }

  format::Event Grant(const Identity& actor, const Identity& who, format::Role role,
                      int32_t clearance) const {
    format::Event e = Next(actor);
    *e.mutable_granted()->mutable_member() = MemberEntry(who, role, clearance);
    for (int32_t level = 0; level <= clearance; ++level)
      AddSlot(e.mutable_granted()->mutable_slots(), who, static_cast<uint32_t>(level), 0);
    return e;
  }

  format::Event Add(const Identity& actor, const std::string& reg_no, char id, uint32_t level) const {
    format::Event e = Next(actor);
    auto* a = e.mutable_document_added();
    a->set_doc_id(std::string(16, id));
    a->set_reg_no(reg_no);
    a->set_level(level);
    a->set_version(1);
    auto* x = a->mutable_extent();
    x->set_offset(format::kLogStart);
    x->set_length(4096);
    x->set_chunk_size(4096);
    x->set_chunk_count(1);
    x->set_root_hash(std::string(32, 'r'));
    auto* k = a->mutable_key();
    k->set_doc_id(a->doc_id());
    k->set_offset(format::kLogStart);
    k->set_hash(std::string(32, 'h'));
    return e;
  }

  format::Event Extract(const Identity& actor, const std::string& reg_no, char id) const {
    format::Event e = Next(actor);
    e.mutable_document_extracted()->set_reg_no(reg_no);
    e.mutable_document_extracted()->set_doc_id(std::string(16, id));
    return e;
  }

  // Copy `copy_no` (of as many) of `reg_no` to `to`; sealed copies carry a
  // 32-byte file hash of `hash_byte`.
  format::Event CopyIssue(const Identity& actor, const Identity& to, const std::string& reg_no, char id,
                          uint32_t level, uint32_t copy_no, bool sealed = false,
                          char hash_byte = 'a') const {
    format::Event e = Next(actor);
    auto* c = e.mutable_copy_issued();
    c->set_doc_id(std::string(16, id));
    c->set_reg_no(reg_no);
    c->set_copy_no(copy_no);
    c->set_of(copy_no);
    *c->mutable_recipient() = MemberEntry(to, format::ROLE_STAFF, 0).keys();
    c->set_level(level);
    c->set_scope("Ministry liaison");
    c->set_sealed(sealed);
    if (sealed) c->set_sealed_hash(std::string(32, hash_byte));
    return e;
  }

  format::Event CopyReturn(const Identity& actor, const std::string& reg_no, char id, uint32_t copy_no,
                           const std::string& returned_hash = "") const {
    format::Event e = Next(actor);
    auto* r = e.mutable_copy_returned();
    r->set_doc_id(std::string(16, id));
    r->set_reg_no(reg_no);
    r->set_copy_no(copy_no);
    r->set_returned_hash(returned_hash);
    return e;
  }

  format::Event Destroy(const Identity& actor, const Identity& with, const std::string& reg_no,
                        char id) const {
    format::Event e = Next(actor);
    auto* d = e.mutable_document_destroyed();
    d->set_reg_no(reg_no);
    d->set_doc_id(std::string(16, id));
    if (!destroy_reason.empty()) d->set_reason(destroy_reason);
    d->set_witness_ed25519(Raw(with));
    return e;
  }
};

// Applies `e` as signed by `signers` (actor first) and checks that it is
// refused with exactly "ledger event N breaks the rules: <why>", leaving the
// state as it was (compared through ToCheckpoint, copies included).
inline void CheckRefused(LedgerBuilder& l, const format::Event& e,
                         const std::vector<const Identity*>& signers, const std::string& why) {
  const format::Checkpoint before = l.state.ToCheckpoint();
  std::vector<std::string> keys;
  for (const Identity* id : signers) keys.push_back(Raw(*id));
  auto s = l.state.Apply(e, keys);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  CHECK(s.error().message == "ledger event " + std::to_string(e.sequence()) + " breaks the rules: " + why);
  CHECK(SameState(before, l.state));
}
inline void CheckRefused(LedgerBuilder& l, const format::Event& e, const Identity& signer,
                         const std::string& why) {
  CheckRefused(l, e, std::vector<const Identity*>{&signer}, why);
}

}  // namespace custody::vault::ledger_test
