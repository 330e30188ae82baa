// custody init | grant | revoke
#include <algorithm>
#include <iostream>
#include <sstream>

#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {
std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

vault::Role ParseRole(const std::string& r) {
  if (r == "officer") return vault::Role::kOfficer;
  if (r == "auditor") return vault::Role::kAuditor;
  return vault::Role::kStaff;
}

void RegisterInit(CLI::App& app) {
  struct InitOpts {
    std::string vault, as, levels, label, years, cosign_from, passphrase_file;
    uint32_t due_days = vault::VaultProfile{}.due_days;
  };
  auto io = std::make_shared<InitOpts>();
  auto* init = app.add_subcommand("init", "Create a vault; the creator becomes its first secrecy "
                                          "officer, cleared for every level.");
  init->add_option("VAULT", io->vault, "Vault file to create")->required();
  init->add_option("-i,--as", io->as, "Creator's identity file")->required();
  init->add_option("--levels", io->levels,
                   "Ordered level list, lowest first (default internal,confidential,secret,top-secret)");
  init->add_option("--label", io->label, "Outer marking label, readable without keys");
  init->add_option("--due-days", io->due_days, "Days within which an ordinary document must be handled (default 5)");
  init->add_option("--classification-years", io->years,
                   "Classification period per level, lowest first, e.g. 0,10,20,30 (the default)");
  init->add_option("--cosign-copies-from", io->cosign_from,
                   "Copies at this level or above need a second officer's co-signature (copy --cosigner)");
  init->add_option("--passphrase-file", io->passphrase_file, "Read the passphrase from FILE");
  SetBody(init, [io] {
    auto levels = io->levels.empty() ? vault::kDefaultLevels : SplitComma(io->levels);
    vault::VaultProfile profile;
    profile.due_days = io->due_days;
    for (const auto& y : SplitComma(io->years)) {
      if (y.empty() || y.size() > 4 || y.find_first_not_of("0123456789") != std::string::npos)
        return Report(Error{Code::kUsage, "--classification-years takes numbers of years, e.g. 0,10,20,30"});
      profile.classification_years.push_back(static_cast<uint32_t>(std::stoul(y)));
    }
    if (!io->cosign_from.empty()) {
      auto at = std::find(levels.begin(), levels.end(), io->cosign_from);
      if (at == levels.end())
        return Report(Error{Code::kUsage, "--cosign-copies-from names no level of this vault: '" + io->cosign_from + "'"});
      profile.cosign_copies_from = static_cast<uint32_t>(at - levels.begin());
    }
    auto id = UnlockIdentity(io->as, io->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = vault::Vault::Create(io->vault, **id, levels, io->label, DefaultEnv(),
                                               SystemClock(), profile); !s)
      return Report(s.error());
    std::cout << "created vault " << io->vault << " with levels";
    for (const auto& l : levels) std::cout << " " << l;
    std::cout << "; officer " << EscapeForTerminal((*id)->public_identity().name) << "\n";
    return 0;
  });
}

void RegisterGrant(CLI::App& app) {
  struct GrantOpts { std::string vault, as, to, clearance, role = "staff", passphrase_file, until; };
  auto go = std::make_shared<GrantOpts>();
  auto* grant = app.add_subcommand("grant", "Grant an identity a clearance (a level and every "
                                            "level below it), or change a member's: a lower "
                                            "clearance rotates the keys of the levels they held, "
                                            "as a revoke does. Officers only.");
  grant->add_option("VAULT", go->vault)->required();
  grant->add_option("-i,--as", go->as, "Officer's identity file")->required();
  grant->add_option("--to", go->to,
                    "Public identity line or a file holding it; a member's roster name or fingerprint")
      ->required();
  grant->add_option("--clearance", go->clearance, "Highest level the identity may read");
  grant->add_option("--role", go->role, "staff (default), officer, or auditor (no keys)")
      ->check(CLI::IsMember({"staff", "officer", "auditor"}));
  grant->add_option("--until", go->until,
                    "Time-limited grant: valid through DATE (YYYY-MM-DD, to the end of that UTC day, or "
                    "YYYY-MM-DDTHH:MM:SSZ); then the member is refused and an officer's next write "
                    "rotates the keys they held");
  grant->add_option("--passphrase-file", go->passphrase_file, "Read the passphrase from FILE");
  SetBody(grant, [go] {
    if (go->role != "auditor" && go->clearance.empty())
      return Report(Error{Code::kUsage, "--clearance LEVEL is required"});
    int64_t until = 0;
    if (!go->until.empty()) {
      auto t = ParseDateOrTime(go->until, "--until");
      if (!t) return Report(t.error());
      until = *t;
    }
    auto v = OpenVault(go->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto to = ResolveMember(**v, go->to);
    if (!to) return Report(to.error());
    std::optional<vault::Level> level;
    if (go->role != "auditor") {
      auto l = (*v)->LevelIndex(go->clearance);
      if (!l) return Report(l.error());
      level = *l;
    }
    auto id = UnlockIdentity(go->as, go->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = (*v)->Grant(**id, *to, ParseRole(go->role), level, until); !s)
      return Report(s.error());
    std::cout << "granted " << EscapeForTerminal(to->name) << " (" << to->Fingerprint() << ") "
              << (level ? (*v)->LevelName(*level) : std::string("no levels")) << " as " << go->role
              << (until ? " until " + IsoTime(until) : std::string()) << "\n";
    return 0;
  });
}

void RegisterRevoke(CLI::App& app) {
  struct RevokeOpts { std::string vault, as, to, passphrase_file; };
  auto ro = std::make_shared<RevokeOpts>();
  auto* revoke = app.add_subcommand(
      "revoke", "Revoke an identity: rotates the key of every level it held and re-wraps every "
                "document key (document data is not rewritten). Officers only.");
  revoke->add_option("VAULT", ro->vault)->required();
  revoke->add_option("-i,--as", ro->as, "Officer's identity file")->required();
  revoke->add_option("--to", ro->to,
                     "The member: roster name, fingerprint, public identity line or a file holding it")
      ->required();
  revoke->add_option("--passphrase-file", ro->passphrase_file, "Read the passphrase from FILE");
  SetBody(revoke, [ro] {
    auto v = OpenVault(ro->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto to = ResolveMember(**v, ro->to);
    if (!to) return Report(to.error());
    auto id = UnlockIdentity(ro->as, ro->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = (*v)->Revoke(**id, *to); !s) return Report(s.error());
    std::cout << "revoked " << EscapeForTerminal(to->name) << " (" << to->Fingerprint() << ")\n";
    return 0;
  });
}

void RegisterRoster(CLI::App& app) {
  struct RosterOpts { std::string vault; bool json = false; };
  auto o = std::make_shared<RosterOpts>();
  auto* cmd = app.add_subcommand(
      "roster", "List the vault's members (needs no identity): name, fingerprint, role, clearance and "
                "the public identity line that grant, revoke and copy --to take (as do the name and "
                "the fingerprint). Revoked members are listed last.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_flag("--json", o->json, "One JSON array on stdout");
  SetBody(cmd, [o] {
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    const auto clearance = [&](const vault::MemberSummary& m) {
      return m.clearance < 0 ? std::string("-") : (*v)->level_names()[static_cast<size_t>(m.clearance)];
    };
    if (o->json) {
      Json all = Json::array();
      for (const auto& m : (*v)->Roster()) {
        Json j = Json::object();
        j["name"] = m.name;
        j["fingerprint"] = m.fingerprint;
        j["role"] = m.role;
        j["clearance"] = m.clearance < 0 ? Json() : Json(clearance(m));
        j["revoked"] = Json(m.revoked);
        j["until"] = TimeOrNull(m.until_unix);
        j["public"] = m.public_line;
        all.push_back(std::move(j));
      }
      std::cout << WriteJson(all) << "\n";
      return 0;
    }
    for (const auto& m : (*v)->Roster())
      std::cout << EscapeForTerminal(m.name) << "  " << m.fingerprint << "  " << m.role << "  "
                << EscapeForTerminal(clearance(m)) << (m.until_unix ? "  until " + IsoTime(m.until_unix) : "")
                << (m.revoked ? "  REVOKED" : "") << "\n    "
                << EscapeForTerminal(m.public_line) << "\n";
    return 0;
  });
}

}  // namespace

void RegisterVaultCommands(CLI::App& app) {
  RegisterInit(app);
  RegisterGrant(app);
  RegisterRevoke(app);
  RegisterRoster(app);
}

}  // namespace custody::cli
