// custody audit — needs no identity and no key.
#include <sys/stat.h>

#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "base/encoding.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "tools/custody/progress.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {

// The marking: the name of the highest level any document is held at.
std::string HighestLevel(const vault::AuditReport& r) {
  return r.highest_level_held >= 0 && r.highest_level_held < static_cast<int>(r.level_names.size())
             ? r.level_names[r.highest_level_held]
             : "none";
}

Json StringArray(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// Members in the order scripts have always seen them (kOrdered).
std::string AuditJson(const std::string& vault_path, const vault::AuditReport& r) {
  Json out = Json::object();
  out["vault"] = vault_path;
  out["vault_id"] = r.vault_id_hex;
  out["label"] = r.label;
  out["levels"] = StringArray(r.level_names);
  out["highest_level_held"] = HighestLevel(r);
  out["sequence"] = r.sequence;
  out["records"] = r.records;
  out["events"] = r.events;
  out["ledger_head"] = r.ledger_head_hex;
  out["anchor"] = std::to_string(r.events) + ":" + r.ledger_head_hex;
  out["uncommitted_tail_bytes"] = r.uncommitted_tail;
  out["uncommitted_tail_events"] = r.tail_events;
  out["signatures_verified"] = r.signatures_verified;
  out["checkpoints_verified"] = r.checkpoints_verified;
  out["documents_live"] = r.documents_live;
  out["documents_destroyed"] = r.documents_destroyed;
  out["bytes_hashed"] = r.bytes_hashed;
  Json members = Json::array();
  for (const auto& m : r.members) {
    Json mj = Json::object();
    mj["name"] = m.name;
    mj["fingerprint"] = m.fingerprint;
    mj["role"] = m.role;
    mj["clearance"] = m.clearance == "none" ? Json() : Json(m.clearance);
    mj["revoked"] = m.revoked;
    members.push_back(std::move(mj));
  }
  out["members"] = std::move(members);
  out["damaged_documents"] = StringArray(r.damaged_documents);
  if (r.checkpoint) {
    const auto& c = *r.checkpoint;
    auto b64 = [](const crypto::Hash256& h) {
      return ToBase64(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
    };
    Json cp = Json::object();
    cp["origin"] = c.note.head.origin;
    cp["size"] = c.note.head.size;
    cp["root"] = b64(c.note.head.root);
    cp["signers"] = StringArray(c.note.signers);
    cp["tree_size"] = c.tree_size;
    cp["tree_root"] = b64(c.tree_root);
    Json proof = Json::array();
    for (const auto& h : c.proof) proof.push_back(b64(h));
    cp["consistency_proof"] = std::move(proof);
    cp["problem"] = c.problem.empty() ? Json() : Json(c.problem);
    out["checkpoint"] = std::move(cp);
  }
  out["problems"] = AuditProblemsJson(r.problems);
  Json media = Json::array();
  std::string here;
  for (const auto& m : r.media) {
    media.push_back(Json{{"number", m.number}, {"label", m.label}, {"here", m.here}});
    if (m.here) here = m.number;
  }
  out["media"] = std::move(media);
  // The registered medium holding the file ("" if none: the office register
  // then names the medium by the path audited).
  out["medium"] = here;
  if (r.backup_of) {
    Json b = Json::object();
    b["event"] = r.backup_of->sequence;
    b["made"] = IsoTime(r.backup_of->time_unix);
    b["made_by"] = r.backup_of->made_by;
    b["destination"] = r.backup_of->destination;
    b["marking"] = r.backup_of->marking;
    out["backup_of"] = std::move(b);
  } else {
    out["backup_of"] = nullptr;
  }
  out["ok"] = Json(r.ok());
  out["audited"] = IsoTime(SystemClock()->NowUnix());  // when (the office register's "last audited")
  return WriteJson(out) + "\n";
}

std::string AuditText(const std::string& vault_path, const vault::AuditReport& r) {
  std::ostringstream out;
  out << "vault      " << vault_path << " (id " << r.vault_id_hex << ")\n"
      << "label      " << EscapeForTerminal(r.label) << "\n"
      << "marking    highest level held: " << HighestLevel(r) << "\n"
      << "commit     sequence " << r.sequence << ", " << r.committed_end << " of "
      << r.file_size << " bytes committed\n"
      << "ledger     " << r.events << " events, " << r.signatures_verified
      << " signatures, " << r.checkpoints_verified << " checkpoints verified\n"
      << "anchor     " << r.events << ":" << r.ledger_head_hex
      << "  (keep it; 'audit --expect' with it later detects a rollback)\n"
      << "documents  " << r.documents_live << " held, " << r.documents_destroyed
      << " destroyed; " << r.bytes_hashed << " bytes of ciphertext hashed\n";
  if (r.uncommitted_tail)
    out << "tail       " << r.uncommitted_tail
        << " bytes past the last commit (left by an interrupted write; ignored)\n";
  if (r.tail_events)
    out << "tail       " << r.tail_events
        << " signed event(s) there continue the ledger: a commit was interrupted after its data "
           "reached the disk, or the newest superblock was erased (a rollback); compare with "
           "your anchor\n";
  if (r.checkpoint) {
    const auto& c = *r.checkpoint;
    out << "checkpoint " << c.note.head.size << " events, signed by";
    for (size_t i = 0; i < c.note.signers.size(); ++i)
      out << " " << EscapeForTerminal(c.note.signers[i])
          << (c.note.cosigned_at[i] ? " (cosigned " + IsoTime(int64_t(c.note.cosigned_at[i])) + ")" : "");
    if (!c.problem.empty())
      out << "; " << EscapeForTerminal(c.problem) << "\n";
    else if (c.note.head.size == c.tree_size)
      out << "; the ledger holds exactly it (same size, same root)\n";
    else
      out << "; the ledger (" << c.tree_size << " events) extends it, " << c.proof.size()
          << "-hash consistency proof verified\n";
  }
  for (const auto& m : r.media)
    out << "medium     " << EscapeForTerminal(m.number) << " \"" << EscapeForTerminal(m.label) << "\""
        << (m.here ? " (the file is on it)" : "") << "\n";
  if (r.backup_of)
    out << "backup     this file is the backup made at event " << r.backup_of->sequence << " ("
        << IsoTime(r.backup_of->time_unix) << ", by " << EscapeForTerminal(r.backup_of->made_by) << ", to "
        << EscapeForTerminal(r.backup_of->destination) << ", marked " << EscapeForTerminal(r.backup_of->marking)
        << ") of vault " << r.vault_id_hex << "; its origin continues from there\n";
  for (const auto& m : r.members)
    out << "member     " << EscapeForTerminal(m.name) << " " << m.fingerprint << " " << m.role << " "
        << EscapeForTerminal(m.clearance) << (m.revoked ? " revoked" : "") << "\n";
  for (const auto& p : r.problems) out << "PROBLEM    " << EscapeForTerminal(p.where) << ": " << EscapeForTerminal(p.message) << "\n";
  out << (r.ok() ? "audit: OK\n" : "audit: FAILED (" + std::to_string(r.problems.size()) + " problems)\n");
  return out.str();
}

}  // namespace

void RegisterAuditCommands(CLI::App& app) {
  struct Opts { std::string vault, expect, checkpoint; std::vector<std::string> keys; bool json = false; };
  auto o = std::make_shared<Opts>();
  auto* audit = app.add_subcommand(
      "audit", "Verify a vault without any key: superblocks, every record checksum, the signed "
               "ledger chain, checkpoints, every document's ciphertext hash, and that destroyed "
               "documents were overwritten. Exit 5 if anything is wrong.");
  audit->add_option("VAULT", o->vault)->required();
  audit->add_flag("--json", o->json, "Report as JSON on stdout");
  AddExpectOption(audit, o->expect, "fail (exit 5) on");
  audit->add_option("--checkpoint", o->checkpoint,
                    "A checkpoint note ('custody checkpoint'): fail (exit 5) with 'rollback' or 'fork' unless "
                    "the ledger extends it (RFC 6962 consistency proof)");
  audit->add_option("--key", o->keys,
                    "With --checkpoint: trust only this verifier key ('custody checkpoint key'; repeatable) "
                    "instead of the vault's roster");
  SetBody(audit, [o] {
    auto anchor = ParseExpect(o->expect);
    if (!anchor) return Report(anchor.error());
    if (!o->keys.empty() && o->checkpoint.empty())
      return Report(Error{Code::kUsage, "--key belongs to --checkpoint"});
    std::optional<vault::CheckpointCheck> check;
    if (!o->checkpoint.empty()) {
      auto note = ReadNoteFile(o->checkpoint, "checkpoint note");
      if (!note) return Report(note.error());
      auto keys = ParseVerifierKeys(o->keys);
      if (!keys) return Report(keys.error());
      check = vault::CheckpointCheck{std::move(*note), std::move(*keys)};
    }
    // An audit reads the whole file once, about: that is its progress.
    struct stat st {};
    const uint64_t size = ::stat(o->vault.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    std::optional<ProgressMeter> meter;
    meter.emplace("auditing " + o->vault, size, BytesMovedFromNow(/*writes=*/false, size));
    auto rep = vault::Vault::Audit(o->vault, custody::DefaultEnv(), *anchor ? &**anchor : nullptr,
                                   check ? &*check : nullptr);
    meter.reset();
    if (!rep) return Report(rep.error());
    std::cout << (o->json ? AuditJson(o->vault, *rep) : AuditText(o->vault, *rep));
    return rep->ok() ? 0 : static_cast<int>(Code::kCorrupt);
  });
}

}  // namespace custody::cli
