// custody declassify | handled | restore | due: the register's life of a document
// (REQUIREMENTS.md 1.4, 1.5, 1.11, 1.12, 4.7; FORMAT.md R174-R176).
#include <cstdio>
#include <iostream>

#include "base/clock.h"
#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {

void RegisterDeclassify(CLI::App& app) {
  struct Opts {
    std::string vault, reg, as, to, reason, passphrase_file;
    bool review = false, approve = false, withdraw = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "declassify",
      "Two-person declassification. An officer cleared for the document's level reviews it "
      "(--review --to LEVEL|public --reason TEXT); a second officer, also cleared for it, "
      "approves (--approve): only then does the document move, its key and metadata wrapped "
      "under the new level and the old wraps overwritten in place. --withdraw cancels a pending "
      "review. 'public' documents are readable by every member holding any clearance.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("REG", o->reg, "Registration number")->required();
  auto* review = cmd->add_flag("--review", o->review, "Propose the declassification (first officer)");
  auto* approve = cmd->add_flag("--approve", o->approve, "Approve the pending review (second officer)");
  auto* withdraw = cmd->add_flag("--withdraw", o->withdraw, "Withdraw the pending review");
  review->excludes(approve)->excludes(withdraw);
  approve->excludes(withdraw);
  cmd->add_option("--to", o->to, "With --review: the new level, or public");
  cmd->add_option("--reason", o->reason, "Why (recorded; required with --review)");
  cmd->add_option("-i,--as", o->as, "Officer's identity file")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    if (o->review + o->approve + o->withdraw != 1)
      return Report(Error{Code::kUsage, "say which step: --review, --approve or --withdraw"});
    if (o->review && o->to.empty())
      return Report(Error{Code::kUsage, "--review needs --to LEVEL or --to public"});
    if (!o->review && !o->to.empty())
      return Report(Error{Code::kUsage, "--to belongs to --review (the approval takes the reviewed level)"});
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    std::optional<vault::Level> to;
    if (o->review && o->to != "public") {
      auto level = (*v)->LevelIndex(o->to);
      if (!level) return Report(level.error());
      to = *level;
    }
    auto id = UnlockIdentity(o->as, o->passphrase_file, "officer");
    if (!id) return Report(id.error());
    Status s = o->review    ? (*v)->ReviewDeclassification(**id, o->reg, to, o->reason)
               : o->approve ? (*v)->ApproveDeclassification(**id, o->reg)
                            : (*v)->WithdrawDeclassification(**id, o->reg, o->reason);
    if (!s) return Report(s.error());
    if (o->review)
      std::cout << "declassification of " << o->reg << " to " << o->to << " reviewed by "
                << (*id)->public_identity().name << "; a second officer approves it with "
                << "'custody declassify " << o->vault << " " << o->reg << " --approve --as OFFICER'\n";
    else if (o->approve)
      std::cout << "declassified " << o->reg << " (approved by " << EscapeForTerminal((*id)->public_identity().name) << ")\n";
    else
      std::cout << "withdrew the declassification of " << o->reg << "\n";
    return 0;
  });
}

void RegisterHandled(CLI::App& app) {
  struct Opts { std::string vault, reg, as, note, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "handled", "Record that a document was dealt with (its due date is met).");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("REG", o->reg, "Registration number")->required();
  cmd->add_option("-i,--as", o->as, "Identity file (cleared for the document)")->required();
  cmd->add_option("--note", o->note, "What was done (recorded in clear: no classified words)");
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(o->as, o->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = (*v)->MarkHandled(**id, o->reg, o->note); !s) return Report(s.error());
    std::cout << "handled " << o->reg << "\n";
    return 0;
  });
}

// Format v8: a document withdrawn from its folder (`rm` in a mount) put
// back. The other answer to a withdrawal is `custody destroy` (with a witness).
void RegisterRestore(CLI::App& app) {
  struct Opts { std::string vault, reg, as, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "restore", "Put a document withdrawn from its folder (removed through a mount) back in it. Officers only; "
                 "`custody due` lists the withdrawn documents, `custody destroy` is the other answer.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("REG", o->reg, "Registration number")->required();
  cmd->add_option("-i,--as", o->as, "Officer's identity file (cleared for the document)")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(o->as, o->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = (*v)->Restore(**id, o->reg); !s) return Report(s.error());
    std::cout << "restored " << o->reg << "\n";
    return 0;
  });
}

void RegisterDue(CLI::App& app) {
  struct Opts { std::string vault, at; bool json = false; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "due",
      "What is overdue (needs no identity): documents not handled by their due date, copies past "
      "their return-by date, documents whose classification period has ended (candidates for "
      "a declassification review), and documents withdrawn from their folders (to destroy or restore). Exit 0 whether or not anything is due.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("--at", o->at, "What will be due by the end of DATE (YYYY-MM-DD, UTC) instead of now");
  cmd->add_flag("--json", o->json, "One JSON array on stdout");
  SetBody(cmd, [o] {
    int64_t now = SystemClock()->NowUnix();
    if (!o->at.empty()) {
      auto at = ParseDate(o->at, "--at");
      if (!at) return Report(at.error());
      now = *at;
    }
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    auto due = (*v)->ListDue(now);
    if (!due) return Report(due.error());
    if (o->json) {
      Json all = Json::array();
      for (const auto& d : *due) {
        Json j = Json::object();
        j["kind"] = d.kind;
        j["number"] = d.number;
        j["level"] = d.level_name;
        j["due"] = IsoTime(d.due_unix);
        j["days_over"] = static_cast<uint64_t>((now - d.due_unix) / 86400);  // due < now
        j["who"] = d.who;
        all.push_back(std::move(j));
      }
      std::cout << WriteJson(all) << "\n";
      return 0;
    }
    if (due->empty()) {
      std::cout << "nothing is due\n";
      return 0;
    }
    std::printf("%-15s %-22s %-13s %-21s %9s  %s\n", "KIND", "NUMBER", "LEVEL", "DUE", "DAYS-OVER", "WHO");
    for (const auto& d : *due) {
      // The level name may be in any script: padded by terminal columns.
      std::printf("%-15s %-22s %s %-21s %9lld  %s\n", d.kind.c_str(), d.number.c_str(),
                  PadToWidth(EscapeForTerminal(d.level_name), 13).c_str(), IsoTime(d.due_unix).c_str(),
                  static_cast<long long>((now - d.due_unix) / 86400), EscapeForTerminal(d.who).c_str());
    }
    return 0;
  });
}

}  // namespace

void RegisterRegisterCommands(CLI::App& app) {
  RegisterDeclassify(app);
  RegisterHandled(app);
  RegisterRestore(app);
  RegisterDue(app);
}

}  // namespace custody::cli
