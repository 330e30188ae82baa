// Keyless audit: replays the whole log from the first record, ignoring every
// shortcut the normal open takes (checkpoints are verified, not trusted).
#include <google/protobuf/util/message_differencer.h>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "vault/storage/extent_stream.h"
#include "vault/vault.h"

namespace custody::vault {


Result<AuditReport> Vault::Audit(const std::string& path, Env* env, const AuditAnchor* anchor) {
  auto opened = Container::Open(env, path, Container::Mode::kRead);
  if (!opened) {
    if (opened.error().code == Code::kNotFound)
      return Fail(Code::kNotFound, "vault " + path + " not found");
    return std::unexpected(opened.error());
  }
  const Container& c = **opened;
  const auto& sb = c.superblock();
  AuditReport rep;
  rep.vault_id_hex = custody::ToHex(sb.vault_id());
  rep.label = sb.label();
  rep.level_names.assign(sb.level_names().begin(), sb.level_names().end());
  rep.highest_level_held = sb.highest_level_held();
  rep.sequence = sb.sequence();
  rep.committed_end = sb.committed_end();
  rep.file_size = c.file_size();
  auto problem = [&](const std::string& where, const std::string& msg) {
    rep.problems.push_back({where, msg});
  };
  if (!c.other_slot_problem().empty())
    problem(std::string("superblock ") + (c.active_slot() ? "A" : "B"), c.other_slot_problem());
  if (c.file_size() > sb.committed_end())
    rep.uncommitted_tail = c.file_size() - sb.committed_end();

  VaultState state;
  std::string anchor_head;  // the ledger head after anchor->event_count events
  std::map<uint64_t, std::string> key_records;  // offset -> "" (seen)
  std::map<uint64_t, uint64_t> extents;         // payload offset -> length
  uint64_t at = format::kLogStart;
  bool chain_broken = false;
  while (at < sb.committed_end()) {
    auto ref = c.ReadHeader(at);
    if (!ref) {
      problem("record at " + std::to_string(at), ref.error().message +
                                                     " (the rest of the log cannot be read)");
      chain_broken = true;
      break;
    }
    ++rep.records;
    const std::string where = "record at " + std::to_string(at);
    switch (ref->header.type) {
      case format::RecordType::kExtent:
        extents[ref->payload_offset()] = ref->header.length;
        break;
      case format::RecordType::kKey:
        key_records[at] = "";
        break;
      case format::RecordType::kEvent: {
        if (chain_broken) break;
        auto payload = c.ReadPayload(*ref);
        if (!payload) {
          problem(where, payload.error().message + "; ledger verification stops here");
          chain_broken = true;
          break;
        }
        auto parsed = VerifySignedEvent(*payload, state);
        if (!parsed) {
          problem(where, parsed.error().message + "; ledger verification stops here");
          chain_broken = true;
          break;
        }
        rep.signatures_verified += parsed->signers.size();
        if (auto s = state.Apply(parsed->event, parsed->signers); !s) {
          problem(where, s.error().message + "; ledger verification stops here");
          chain_broken = true;
          break;
        }
        state.ledger_head = crypto::HashToString(crypto::Blake2b256(*payload));
        ++rep.events;
        if (anchor && state.event_count == anchor->event_count) anchor_head = state.ledger_head;
        break;
      }
      case format::RecordType::kCheckpoint: {
        if (chain_broken) break;
        auto payload = c.ReadPayload(*ref);
        format::SignedCheckpoint scp;
        format::Checkpoint cp;
        if (!payload || !scp.ParseFromString(*payload) || !cp.ParseFromString(scp.body())) {
          problem(where, "checkpoint is damaged");
          break;
        }
        const std::string& key = scp.signature().signer_ed25519();
        crypto::Ed25519Public pub{};
        if (state.FindMember(key) == nullptr || state.FindMember(key)->revoked() || key.size() != 32) {
          problem(where, "checkpoint signed by an identity not in the roster");
          break;
        }
        std::copy(key.begin(), key.end(), pub.begin());
        if (!crypto::Verify(pub, scp.body(), scp.signature().signature())) {
          problem(where, "checkpoint signature is invalid");
          break;
        }
        ++rep.signatures_verified;
        if (!google::protobuf::util::MessageDifferencer::Equals(cp, state.ToCheckpoint()))
          problem(where, "checkpoint does not match the state replayed from the ledger");
        else
          ++rep.checkpoints_verified;
        break;
      }
      default:
        break;
    }
    at = ref->payload_offset() + ref->header.length;
  }
  if (!chain_broken) {
    if (state.ledger_head != sb.ledger_head() || state.event_count != sb.event_count())
      problem("superblock", "the ledger does not end where the superblock says (" +
                                std::to_string(state.event_count) + " events replayed, " +
                                std::to_string(sb.event_count()) + " committed)");
    if (sb.checkpoint_offset() != 0) {
      auto cref = c.ReadHeader(sb.checkpoint_offset());
      if (!cref || cref->header.type != format::RecordType::kCheckpoint)
        problem("superblock", "points at a checkpoint that is not there");
    }
    if (auto s = CheckOuterMarking(sb, state); !s) problem("superblock", s.error().message);
  }

  rep.ledger_head_hex = custody::ToHex(state.ledger_head);
  if (anchor && !chain_broken) {
    if (state.event_count < anchor->event_count)
      problem("ledger", "holds " + std::to_string(state.event_count) +
                            " events, but an earlier audit recorded " +
                            std::to_string(anchor->event_count) +
                            ": the vault was rolled back or truncated");
    else if (custody::ToHex(anchor_head) != anchor->ledger_head_hex)
      problem("ledger", "event " + std::to_string(anchor->event_count) +
                            " does not have the head an earlier audit recorded: the history was "
                            "rewritten");
  }
  for (const auto& [key, m] : state.members)
    rep.members.push_back(m.keys().name() + " " +
                          custody::ToHex(crypto::HashToString(crypto::Blake2b256(key)).substr(0, 8)) +
                          " " + RoleName(m.role()) + " " +
                          (m.clearance() >= 0 && m.clearance() < static_cast<int>(state.level_names.size())
                               ? state.level_names[m.clearance()] : "none") +
                          (m.revoked() ? " revoked" : ""));

  // Documents: live ones must hash to what their signed event says; destroyed
  // ones must really be overwritten.
  for (const auto& [reg, d] : state.documents) {
    const std::string where = "document " + reg;
    const auto& e = d.added().extent();
    if (d.destroyed() && d.compacted_away()) {
      ++rep.documents_destroyed;  // its space no longer exists in this file
      continue;
    }
    auto ext = extents.find(e.offset());
    if (ext == extents.end() || ext->second != e.length()) {
      problem(where, "its extent is missing or has the wrong size");
      rep.damaged_documents.push_back(reg);
      continue;
    }
    std::vector<format::KeyRef> refs(d.old_keys().begin(), d.old_keys().end());
    refs.push_back(d.key());
    if (d.destroyed()) {
      ++rep.documents_destroyed;
      auto zero = ExtentIsZeroed(c, e);
      if (!zero || !*zero)
        problem(where, "destroyed, but its ciphertext was not overwritten (if a destroy was "
                       "interrupted, the next write access to the vault completes it)");
      for (const auto& ref : refs) {
        auto kr = c.ReadHeader(ref.offset());
        if (!kr) {
          problem(where, "destroyed, but a key record header is unreadable");
          continue;
        }
        std::string payload(kr->header.length, '\0');
        if (!c.ReadAt(kr->payload_offset(), {reinterpret_cast<uint8_t*>(payload.data()), payload.size()}) ||
            payload.find_first_not_of('\0') != std::string::npos)
          problem(where, "destroyed, but a wrapped key was not overwritten");
      }
      continue;
    }
    ++rep.documents_live;
    bool damaged = false;
    for (const auto& ref : refs) {
      if (!key_records.count(ref.offset())) {
        problem(where, "key record missing");
        damaged = true;
        continue;
      }
      auto kr = c.ReadHeader(ref.offset());
      std::string payload(kr ? kr->header.length : 0, '\0');
      format::WrappedDocumentKey wrap;
      if (!kr || !c.ReadAt(kr->payload_offset(), {reinterpret_cast<uint8_t*>(payload.data()), payload.size()}) ||
          crypto::HashToString(crypto::Blake2b256(payload)) != ref.hash()) {
        problem(where, "its wrapped key record is damaged");
        damaged = true;
      } else if (!wrap.ParseFromString(payload) || wrap.doc_id() != d.added().doc_id() ||
                 wrap.level() != d.added().level()) {
        problem(where, "its key record belongs to another document or level");
        damaged = true;
      }
    }
    auto root = HashExtent(c, e);
    rep.bytes_hashed += e.length();
    if (!root || crypto::HashToString(*root) != e.root_hash()) {
      problem(where, "its ciphertext does not match the hash in its signed ledger event");
      damaged = true;
    }
    if (damaged) rep.damaged_documents.push_back(reg);
  }
  return rep;
}

}  // namespace custody::vault
