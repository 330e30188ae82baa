// custody audit — needs no identity and no key.
#include <iostream>

#include "base/json.h"
#include "tools/custody/cli.h"
#include "vault/vault.h"

namespace custody::cli {

void RegisterAuditCommands(CLI::App& app) {
  struct Opts { std::string vault, expect; bool json = false; };
  auto o = std::make_shared<Opts>();
  auto* audit = app.add_subcommand(
      "audit", "Verify a vault without any key: superblocks, every record checksum, the signed "
               "ledger chain, checkpoints, every document's ciphertext hash, and that destroyed "
               "documents were overwritten. Exit 5 if anything is wrong.\n" +
                   std::string(kExitCodesHelp));
  audit->add_option("VAULT", o->vault)->required();
  audit->add_flag("--json", o->json, "Report as JSON on stdout");
  audit->add_option("--expect", o->expect,
                    "EVENTS:HEAD from an earlier audit's 'anchor' line: fail if the vault was "
                    "rolled back, truncated or its history rewritten since");
  SetBody(audit, [o] {
    vault::AuditAnchor anchor;
    if (!o->expect.empty()) {
      auto colon = o->expect.find(':');
      try {
        if (colon == std::string::npos) throw std::invalid_argument("no colon");
        anchor.event_count = std::stoull(o->expect.substr(0, colon));
        anchor.ledger_head_hex = o->expect.substr(colon + 1);
      } catch (const std::exception&) {
        return Report(Error{Code::kUsage, "--expect takes EVENTS:HEAD as printed on the "
                                          "'anchor' line of an earlier audit"});
      }
      if (anchor.ledger_head_hex.size() != 64)
        return Report(Error{Code::kUsage, "--expect HEAD must be 64 hex digits"});
    }
    auto rep = vault::Vault::Audit(o->vault, custody::DefaultEnv(), o->expect.empty() ? nullptr : &anchor);
    if (!rep) return Report(rep.error());
    const auto& r = *rep;
    std::string highest = r.highest_level_held >= 0 &&
                                  r.highest_level_held < static_cast<int>(r.level_names.size())
                              ? r.level_names[r.highest_level_held] : "none";
    if (o->json) {
      // Members in the order scripts have always seen them (kOrdered).
      auto strings = [](const std::vector<std::string>& v) {
        Json a = Json::Array();
        for (const auto& s : v) a.Push(s);
        return a;
      };
      Json out = Json::Object();
      out.Set("vault", o->vault);
      out.Set("vault_id", r.vault_id_hex);
      out.Set("label", r.label);
      out.Set("levels", strings(r.level_names));
      out.Set("highest_level_held", highest);
      out.Set("sequence", r.sequence);
      out.Set("records", r.records);
      out.Set("events", r.events);
      out.Set("ledger_head", r.ledger_head_hex);
      out.Set("anchor", std::to_string(r.events) + ":" + r.ledger_head_hex);
      out.Set("uncommitted_tail_bytes", r.uncommitted_tail);
      out.Set("signatures_verified", r.signatures_verified);
      out.Set("checkpoints_verified", r.checkpoints_verified);
      out.Set("documents_live", r.documents_live);
      out.Set("documents_destroyed", r.documents_destroyed);
      out.Set("bytes_hashed", r.bytes_hashed);
      out.Set("members", strings(r.members));
      out.Set("damaged_documents", strings(r.damaged_documents));
      Json problems = Json::Array();
      for (const auto& p : r.problems) {
        Json pj = Json::Object();
        pj.Set("where", p.where);
        pj.Set("problem", p.message);
        problems.Push(std::move(pj));
      }
      out.Set("problems", std::move(problems));
      out.Set("ok", Json::Bool(r.ok()));
      std::cout << out.Write(JsonStyle::kOrdered) << "\n";
    } else {
      std::cout << "vault      " << o->vault << " (id " << r.vault_id_hex << ")\n"
                << "label      " << r.label << "\n"
                << "marking    highest level held: " << highest << "\n"
                << "commit     sequence " << r.sequence << ", " << r.committed_end << " of "
                << r.file_size << " bytes committed\n"
                << "ledger     " << r.events << " events, " << r.signatures_verified
                << " signatures, " << r.checkpoints_verified << " checkpoints verified\n"
                << "anchor     " << r.events << ":" << r.ledger_head_hex
                << "  (keep it; 'audit --expect' with it later detects a rollback)\n"
                << "documents  " << r.documents_live << " held, " << r.documents_destroyed
                << " destroyed; " << r.bytes_hashed << " bytes of ciphertext hashed\n";
      if (r.uncommitted_tail)
        std::cout << "tail       " << r.uncommitted_tail
                  << " bytes past the last commit (left by an interrupted write; ignored)\n";
      for (const auto& m : r.members) std::cout << "member     " << m << "\n";
      for (const auto& p : r.problems) std::cout << "PROBLEM    " << p.where << ": " << p.message << "\n";
      std::cout << (r.ok() ? "audit: OK\n" : "audit: FAILED (" + std::to_string(r.problems.size()) + " problems)\n");
    }
    return r.ok() ? 0 : static_cast<int>(Code::kCorrupt);
  });
}

}  // namespace custody::cli
