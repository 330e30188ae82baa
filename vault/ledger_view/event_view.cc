// The one table of the ledger's readable form: for each kind of event, its
// act, what it names, and what the yearly report counts. One `case` per
// field of format::Event's `kind` oneof; a kind added to the proto and not
// here prints as "event <field name>" and counts nothing (the default).
// To add a kind: one case below (and, if it counts, a Tally in
// ledger_view.h that report.cc sums).
#include "base/encoding.h"
#include "crypto/hash.h"
#include "vault/ledger/state.h"
#include "vault/ledger_view/ledger_view.h"
#include "vault/place/place.h"

namespace custody::vault {

namespace {

std::string FingerprintOf(const std::string& ed25519) {
  return ToHex(crypto::HashToString(crypto::Blake2b256(ed25519)).substr(0, 8));
}

// A roster member by key; `recorded_name` (from the event itself) for
// someone the roster never held (a sealed copy's outside recipient).
LogParty LookUpParty(const Vault& vault, const std::string& ed25519, const std::string& recorded_name) {
  auto m = vault.MemberByKey(ed25519);
  LogParty p;
  p.fingerprint = FingerprintOf(ed25519);
  if (m) p.name = m->name;
  else p.name = recorded_name.empty() ? "(not in roster)" : recorded_name + " (not in roster)";
  return p;
}

// The same, remembered for the rest of the walk (a ledger names the same
// few people many times).
const LogParty& PartyOf(const Vault& vault, LedgerMemory& memory, const std::string& ed25519,
                        const std::string& recorded_name = "") {
  std::string key = ed25519;
  key.push_back('\0');
  key += recorded_name;
  auto it = memory.parties.find(key);
  if (it == memory.parties.end())
    it = memory.parties.emplace(std::move(key), LookUpParty(vault, ed25519, recorded_name)).first;
  return it->second;
}

std::string LevelNameAt(const Vault& vault, uint32_t level) {
  const auto& names = vault.level_names();
  return level < names.size() ? names[level] : "level " + std::to_string(level);
}

std::string Clearance(const Vault& vault, const format::Member& m) {
  if (m.role() == format::ROLE_AUDITOR || m.clearance() < 0) return "none";
  return LevelNameAt(vault, static_cast<uint32_t>(m.clearance()));
}

std::string DateOf(int64_t unix_seconds) {
  std::string t = UtcDateTime(unix_seconds);  // "2026-11-27 08:00:00 UTC"
  return t.substr(0, 10);
}

void Detail(LogEntry& e, const std::string& key, const std::string& value) {
  if (!value.empty()) e.details.emplace_back(key, value);
}

std::string KnownLevel(const std::map<std::string, std::string>& docs, const std::string& key) {
  auto it = docs.find(key);
  return it == docs.end() ? "" : it->second;
}

}  // namespace

LogEntry DescribeEvent(const Vault& vault, const format::Event& ev, const std::vector<std::string>& signers,
                       LedgerMemory& memory) {
  auto& docs = memory.levels;
  LogEntry e;
  e.sequence = ev.sequence();
  e.time_unix = ev.time_unix();
  e.actor = PartyOf(vault, memory, ev.actor_ed25519());
  if (const auto* field = format::Event::descriptor()->FindFieldByNumber(ev.kind_case()))
    e.kind = field->name();
  auto about = [&](const std::string& reg_no) {
    e.reg_no = reg_no;
    e.number = reg_no;
    e.level = KnownLevel(docs, reg_no);
  };
  switch (ev.kind_case()) {
    case format::Event::kVaultCreated: {
      const auto& x = ev.vault_created();
      e.act = "created";
      Detail(e, "label", x.label());
      std::string levels;
      for (const auto& l : x.level_names()) levels += (levels.empty() ? "" : ",") + l;
      Detail(e, "levels", levels);
      break;
    }
    case format::Event::kGranted: {
      const auto& m = ev.granted().member();
      e.act = "granted";
      e.others.emplace_back("to", PartyOf(vault, memory, m.keys().ed25519(), m.keys().name()));
      Detail(e, "role", RoleName(m.role()));
      Detail(e, "clearance", Clearance(vault, m));
      if (m.until_unix() != 0) Detail(e, "until", UtcDateTime(m.until_unix()));
      break;
    }
    case format::Event::kRevoked: {
      const auto& x = ev.revoked();
      e.act = "revoked";
      if (x.reason() == format::REVOKE_EXPIRED) Detail(e, "reason", "grant expired");
      e.others.emplace_back("member", PartyOf(vault, memory, x.member_ed25519()));
      std::string rotated;
      for (uint32_t l : x.rotated_levels()) rotated += (rotated.empty() ? "" : ",") + LevelNameAt(vault, l);
      Detail(e, "keys rotated", rotated);
      break;
    }
    case format::Event::kDocumentAdded: {
      const auto& x = ev.document_added();
      docs[x.reg_no()] = LevelNameAt(vault, x.level());
      e.act = "added";
      about(x.reg_no());
      if (!x.custodian_ed25519().empty())
        e.others.emplace_back("custodian", PartyOf(vault, memory, x.custodian_ed25519()));
      Detail(e, "originator", x.originator());
      if (x.urgent()) Detail(e, "urgency", "urgent");
      if (x.due_unix() != 0) Detail(e, "due", DateOf(x.due_unix()));
      if (x.classified_until_unix() != 0) Detail(e, "classified until", DateOf(x.classified_until_unix()));
      e.tallies.push_back({Tally::kRegistered, e.level, "", x.due_unix()});
      break;
    }
    case format::Event::kDocumentExtracted: {
      const auto& x = ev.document_extracted();
      e.act = "extracted";
      about(x.reg_no());
      Detail(e, "purpose", x.purpose());
      if (x.to_stdout()) Detail(e, "to", "standard output");
      break;
    }
    case format::Event::kDocumentDestroyed: {
      const auto& x = ev.document_destroyed();
      e.act = "destroyed";
      about(x.reg_no());
      e.others.emplace_back("witness", PartyOf(vault, memory, x.witness_ed25519()));
      Detail(e, "reason", x.reason());
      e.tallies.push_back({Tally::kDocumentDestroyed, e.level, "", 0});
      break;
    }
    case format::Event::kCompacted:
      e.act = "compacted";
      Detail(e, "documents kept", std::to_string(ev.compacted().relocated_size()));
      break;
    case format::Event::kUpgraded:
      e.act = "upgraded";
      Detail(e, "v1 events", std::to_string(ev.upgraded().previous_event_count()));
      break;
    case format::Event::kCopyIssued: {
      const auto& x = ev.copy_issued();
      const std::string number = x.reg_no() + "/" + std::to_string(x.copy_no());
      const std::string level = LevelNameAt(vault, x.level());
      docs[number] = level;
      e.act = "copy issued";
      e.reg_no = x.reg_no();
      e.number = number;
      e.level = level;
      e.others.emplace_back("to", PartyOf(vault, memory, x.recipient().ed25519(), x.recipient().name()));
      Detail(e, "copy", std::to_string(x.copy_no()) + " of " + std::to_string(x.of()));
      Detail(e, "form", x.sealed() ? "sealed" : "plaintext");
      Detail(e, "scope", x.scope());
      Detail(e, "purpose", x.purpose());
      if (x.return_by_unix() != 0) Detail(e, "return by", DateOf(x.return_by_unix()));
      if (!x.cosigner_ed25519().empty())
        e.others.emplace_back("co-signer", PartyOf(vault, memory, x.cosigner_ed25519()));
      e.tallies.push_back({Tally::kCopyIssued, level, "", x.return_by_unix()});
      break;
    }
    case format::Event::kCopyReturned: {
      const auto& x = ev.copy_returned();
      e.act = "copy returned";
      e.reg_no = x.reg_no();
      e.number = x.reg_no() + "/" + std::to_string(x.copy_no());
      e.level = KnownLevel(docs, e.number);
      if (!x.returned_hash().empty()) Detail(e, "file", "matched the sealed copy issued");
      e.tallies.push_back({Tally::kCopyReturned, e.level, "", 0});
      break;
    }
    case format::Event::kCopyDisposed: {
      const auto& x = ev.copy_disposed();
      e.act = x.lost() ? "copy lost" : "copy destroyed";
      e.reg_no = x.reg_no();
      e.number = x.reg_no() + "/" + std::to_string(x.copy_no());
      e.level = KnownLevel(docs, e.number);
      if (!x.lost()) e.others.emplace_back("witness", PartyOf(vault, memory, x.witness_ed25519()));
      Detail(e, "reason", x.reason());
      e.tallies.push_back({x.lost() ? Tally::kCopyLost : Tally::kCopyDestroyed, e.level, "", 0});
      break;
    }
    case format::Event::kDeclassificationReviewed: {
      const auto& x = ev.declassification_reviewed();
      e.act = "declassification reviewed";
      about(x.reg_no());
      const std::string to = x.to_public() ? "public" : LevelNameAt(vault, x.to_level());
      memory.reviews[x.reg_no()] = to;
      Detail(e, "to", to);
      Detail(e, "reason", x.reason());
      break;
    }
    case format::Event::kDeclassificationWithdrawn: {
      const auto& x = ev.declassification_withdrawn();
      e.act = "declassification withdrawn";
      about(x.reg_no());
      memory.reviews.erase(x.reg_no());
      Detail(e, "reason", x.reason());
      break;
    }
    case format::Event::kDeclassificationApproved: {
      const auto& x = ev.declassification_approved();
      e.act = "declassified";
      about(x.reg_no());
      const std::string to = memory.reviews.count(x.reg_no()) ? memory.reviews[x.reg_no()] : "?";
      memory.reviews.erase(x.reg_no());
      Detail(e, "from", e.level);
      Detail(e, "to", to);
      e.tallies.push_back({Tally::kDeclassified, e.level, to, 0});
      docs[x.reg_no()] = to;  // later events name it at its new level
      break;
    }
    case format::Event::kDocumentHandled: {
      const auto& x = ev.document_handled();
      e.act = "handled";
      about(x.reg_no());
      Detail(e, "note", x.note());
      e.tallies.push_back({Tally::kHandled, e.level, "", 0});
      break;
    }
    case format::Event::kDocumentRenamed:
      e.act = "renamed";  // the new name is sealed: only its readers see it (ls)
      about(ev.document_renamed().reg_no());
      break;
    case format::Event::kDocumentWithdrawn:
      e.act = "withdrawn";
      about(ev.document_withdrawn().reg_no());
      break;
    case format::Event::kDocumentRestored:
      e.act = "restored";
      about(ev.document_restored().reg_no());
      break;
    case format::Event::kDocumentRevised: {
      const auto& x = ev.document_revised();
      e.act = "revised";
      about(x.reg_no());
      Detail(e, "version", std::to_string(x.version()));
      break;
    }
    case format::Event::kVaultMounted: {
      const auto& x = ev.vault_mounted();
      e.act = "mounted";
      Detail(e, "host", x.host());
      Detail(e, "access", x.read_only() ? "read-only" : "read-write");
      break;
    }
    case format::Event::kVaultUnmounted: {
      const auto& x = ev.vault_unmounted();
      e.act = "unmounted";
      Detail(e, "mount", "event " + std::to_string(x.mounted_at()));
      Detail(e, "reason", x.reason());
      Detail(e, "documents opened", std::to_string(x.documents_opened()));
      break;
    }
    case format::Event::kDocumentOpened: {
      const auto& x = ev.document_opened();
      e.act = "opened";
      about(x.reg_no());
      Detail(e, "mount", "event " + std::to_string(x.mounted_at()));
      break;
    }
    case format::Event::kMediumRegistered: {
      const auto& x = ev.medium_registered();
      e.act = "medium registered";
      about(x.number());
      Detail(e, "label", x.label());
      Detail(e, "medium", DescribeMedium(x.medium()));
      break;
    }
    case format::Event::kMediumCheckedOut: {
      const auto& x = ev.medium_checked_out();
      e.act = "medium out";
      about(x.number());
      Detail(e, "holder", x.holder());
      Detail(e, "purpose", x.purpose());
      if (x.return_by_unix() != 0) Detail(e, "return by", DateOf(x.return_by_unix()));
      break;
    }
    case format::Event::kMediumCheckedIn: {
      const auto& x = ev.medium_checked_in();
      e.act = "medium in";
      about(x.number());
      Detail(e, "note", x.note());
      break;
    }
    case format::Event::kHostBound: {
      const auto& x = ev.host_bound();
      format::HostRef h;
      h.set_id(x.host_id());
      h.set_name(x.name());
      e.act = "host approved";
      Detail(e, "host", DescribeHost(h));
      break;
    }
    case format::Event::kOpenOutsideBindings: {
      const auto& x = ev.open_outside_bindings();
      e.act = "open outside bindings";
      Detail(e, "when", UtcDateTime(x.attempt_unix()));
      if (!x.member_ed25519().empty()) Detail(e, "by", PartyOf(vault, memory, x.member_ed25519()).name);
      Detail(e, "access", x.write() ? "write" : "read");
      if (x.host_unapproved()) Detail(e, "unapproved host", DescribeHost(x.host()));
      if (x.medium_unregistered())
        Detail(e, "unregistered medium", x.has_medium() ? DescribeMedium(x.medium()) : "unknown");
      break;
    }
    case format::Event::kBackupMade: {
      const auto& x = ev.backup_made();
      e.act = "backup made";
      Detail(e, "to", x.destination());
      Detail(e, "marking", x.highest_level() < 0 ? "none" : LevelNameAt(vault, static_cast<uint32_t>(x.highest_level())));
      Detail(e, "purpose", x.purpose());
      break;
    }
    default:
      e.act = "event " + (e.kind.empty() ? std::to_string(ev.kind_case()) : e.kind);
      if (signers.size() > 1) e.others.emplace_back("cosigner", PartyOf(vault, memory, signers[1]));
      break;
  }
  return e;
}

}  // namespace custody::vault
