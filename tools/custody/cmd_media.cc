// custody media | host | backup: approved media and hosts, and backups of
// the vault file (format v7; REQUIREMENTS.md 2.2, 2.6, 3.2, 3.3, 3.8;
// FORMAT.md R182-R188).
#include <iostream>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "vault/place/place.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {

// The officer commands share one shape: open for writing, unlock the
// officer, act, say what was done.
struct OfficerOpts {
  std::string vault, as, passphrase_file;
};

void AddOfficerOptions(CLI::App* cmd, OfficerOpts& o) {
  cmd->add_option("VAULT", o.vault)->required();
  cmd->add_option("-i,--as", o.as, "Officer's identity file")->required();
  cmd->add_option("--passphrase-file", o.passphrase_file, "Read the passphrase from FILE");
}

int AsOfficer(const OfficerOpts& o, const std::function<Result<std::string>(vault::Vault&, const vault::Identity&)>& act) {
  auto v = OpenVault(o.vault, vault::Vault::Access::kWrite);
  if (!v) return Report(v.error());
  auto id = UnlockIdentity(o.as, o.passphrase_file, "officer");
  if (!id) return Report(id.error());
  auto said = act(**v, **id);
  for (const auto& w : (*v)->warnings()) std::cerr << "custody: warning: " << w << "\n";
  if (!said) return Report(said.error());
  std::cout << *said << "\n";
  return 0;
}

void RegisterMedia(CLI::App& app) {
  auto* media = app.add_subcommand(
      "media",
      "Approved media (clauses 2.2, 3.2): the drive a vault lives on, registered with a number and "
      "a label. Once a vault has a registered medium, writing from any other medium (a copy of the "
      "vault file) is refused with exit 3 and reading is warned; either open is recorded by this "
      "client's next write.");
  media->require_subcommand(1);

  struct RegOpts : OfficerOpts { std::string number, label, at; };
  auto r = std::make_shared<RegOpts>();
  auto* reg = media->add_subcommand(
      "register", "Register the medium the vault file is on now, or the one holding --at PATH (officers)");
  AddOfficerOptions(reg, *r);
  reg->add_option("--number", r->number, "The office's register number of the medium, e.g. M-0042")->required();
  reg->add_option("--label", r->label, "The classification label written on the medium")->required();
  reg->add_option("--at", r->at, "Register the medium holding PATH instead (a backup drive, a drive the vault moves to)");
  SetBody(reg, [r] {
    return AsOfficer(*r, [&](vault::Vault& v, const vault::Identity& id) -> Result<std::string> {
      CUSTODY_TRY(v.RegisterMedium(id, r->number, r->label, r->at));
      for (const auto& m : v.Media())
        if (m.number == r->number)
          return "registered medium " + EscapeForTerminal(m.number) + " \"" + EscapeForTerminal(m.label) + "\": " +
                 EscapeForTerminal(m.description);
      return std::string("registered medium ") + EscapeForTerminal(r->number);
    });
  });

  struct OutOpts : OfficerOpts { std::string number, holder, purpose, by; };
  auto out = std::make_shared<OutOpts>();
  auto* checkout = media->add_subcommand(
      "checkout", "Approve a registered medium leaving the premises (clause 3.2; officers): who takes it and why");
  AddOfficerOptions(checkout, *out);
  checkout->add_option("--number", out->number, "The medium's number")->required();
  checkout->add_option("--holder", out->holder, "Who takes it (recorded in clear)")->required();
  checkout->add_option("--purpose", out->purpose, "Why (recorded in clear)")->required();
  checkout->add_option("--return-by", out->by, "When it is due back (YYYY-MM-DD, UTC)");
  SetBody(checkout, [out] {
    int64_t by = 0;
    if (!out->by.empty()) {
      auto d = ParseDate(out->by, "--return-by");
      if (!d) return Report(d.error());
      by = *d;
    }
    return AsOfficer(*out, [&](vault::Vault& v, const vault::Identity& id) -> Result<std::string> {
      CUSTODY_TRY(v.CheckOutMedium(id, out->number, out->holder, out->purpose, by));
      return "checked out medium " + EscapeForTerminal(out->number) + " to " + EscapeForTerminal(out->holder) +
             (by ? ", due back " + UtcDateTime(by) : "");
    });
  });

  struct InOpts : OfficerOpts { std::string number, note; };
  auto in = std::make_shared<InOpts>();
  auto* checkin = media->add_subcommand("checkin", "Record a checked-out medium back (officers)");
  AddOfficerOptions(checkin, *in);
  checkin->add_option("--number", in->number, "The medium's number")->required();
  checkin->add_option("--note", in->note, "Its condition on return (recorded in clear)");
  SetBody(checkin, [in] {
    return AsOfficer(*in, [&](vault::Vault& v, const vault::Identity& id) -> Result<std::string> {
      CUSTODY_TRY(v.CheckInMedium(id, in->number, in->note));
      return "checked in medium " + EscapeForTerminal(in->number);
    });
  });

  struct ListOpts { std::string vault; bool json = false; };
  auto l = std::make_shared<ListOpts>();
  auto* list = media->add_subcommand("list", "The vault's registered media and where each is (needs no identity)");
  list->add_option("VAULT", l->vault)->required();
  list->add_flag("--json", l->json, "One JSON array on stdout");
  SetBody(list, [l] {
    auto v = OpenVault(l->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    Json all = Json::array();
    for (const auto& m : (*v)->Media()) {
      if (l->json) {
        Json j = Json::object();
        j["number"] = m.number;
        j["label"] = m.label;
        j["medium"] = m.description;
        j["here"] = m.here;
        j["checked_out"] = m.out;
        if (m.out) {
          j["holder"] = m.holder;
          j["purpose"] = m.purpose;
          j["checked_out_by"] = m.checked_out_by;
          j["checked_out_at"] = IsoTime(m.checked_out_unix);
          if (m.return_by_unix) j["return_by"] = IsoTime(m.return_by_unix);
        }
        all.push_back(std::move(j));
        continue;
      }
      std::cout << EscapeForTerminal(m.number) << "  \"" << EscapeForTerminal(m.label) << "\"  "
                << EscapeForTerminal(m.description) << (m.here ? "  [the vault is here]" : "");
      if (m.out)
        std::cout << "  CHECKED OUT to " << EscapeForTerminal(m.holder) << " by "
                  << EscapeForTerminal(m.checked_out_by) << " on " << UtcDateTime(m.checked_out_unix)
                  << " (" << EscapeForTerminal(m.purpose) << ")"
                  << (m.return_by_unix ? ", due back " + UtcDateTime(m.return_by_unix) : "");
      std::cout << "\n";
    }
    if (l->json) std::cout << WriteJson(all) << "\n";
    return 0;
  });
}

void RegisterHost(CLI::App& app) {
  auto* host = app.add_subcommand(
      "host",
      "Approved hosts (clauses 2.6, 3.8): once a vault is bound to hosts, every act that needs an "
      "identity on any other machine is refused with exit 3, and recorded. Keyless audit works anywhere.");
  host->require_subcommand(1);

  auto* id = host->add_subcommand("id", "Print this machine's host id (derived from /etc/machine-id, which stays secret)");
  SetBody(id, [] {
    auto h = vault::ThisHost();
    if (!h) return Report(h.error());
    std::cout << ToHex(h->id()) << "  " << EscapeForTerminal(h->name()) << "\n";
    return 0;
  });

  struct RegOpts : OfficerOpts { std::string id, name; };
  auto r = std::make_shared<RegOpts>();
  auto* reg = host->add_subcommand(
      "register", "Approve a host for the vault (officers): this machine, or the one --id names (from 'custody host id' on it)");
  AddOfficerOptions(reg, *r);
  reg->add_option("--id", r->id, "Another machine's host id (32 hex digits)");
  reg->add_option("--name", r->name, "Its name (default: this machine's host name)");
  SetBody(reg, [r] {
    std::string raw;
    if (!r->id.empty()) {
      auto decoded = FromHex(r->id, HexCase::kEither);
      if (!decoded || decoded->size() != 16)
        return Report(Error{Code::kUsage, "--id takes 32 hex digits, as 'custody host id' prints them"});
      raw = *decoded;
      if (r->name.empty()) return Report(Error{Code::kUsage, "--id needs --name (the machine's name)"});
    }
    return AsOfficer(*r, [&](vault::Vault& v, const vault::Identity& who) -> Result<std::string> {
      CUSTODY_TRY(v.BindHost(who, raw, r->name));
      const auto hosts = v.Hosts();
      return "approved host " + EscapeForTerminal(r->name.empty() ? hosts.back().name : r->name) + " for " +
             EscapeForTerminal(r->vault) + " (" + std::to_string(hosts.size()) + " approved)";
    });
  });

  auto lv = std::make_shared<std::string>();
  auto* list = host->add_subcommand("list", "The vault's approved hosts (needs no identity)");
  list->add_option("VAULT", *lv)->required();
  SetBody(list, [lv] {
    auto v = OpenVault(*lv, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    for (const auto& h : (*v)->Hosts())
      std::cout << h.id_hex << "  " << EscapeForTerminal(h.name) << (h.here ? "  [this machine]" : "") << "\n";
    return 0;
  });
}

void RegisterBackup(CLI::App& app) {
  struct Opts : OfficerOpts { std::string dest, purpose; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "backup",
      "Back up the vault file itself (clause 3.3; officers): the backup is recorded in the ledger "
      "first, so the copy ends with that record and audits as a backup of its origin, and it "
      "carries the vault's outer marking. Once the vault has registered media, DEST must be on one.");
  AddOfficerOptions(cmd, *o);
  cmd->add_option("DEST", o->dest, "The backup file to write (must not exist)")->required();
  cmd->add_option("--purpose", o->purpose, "Why (recorded in clear)")->required();
  SetBody(cmd, [o] {
    return AsOfficer(*o, [&](vault::Vault& v, const vault::Identity& id) -> Result<std::string> {
      CUSTODY_ASSIGN(auto b, v.Backup(id, o->dest, o->purpose));
      return "backed up " + EscapeForTerminal(o->vault) + " to " + EscapeForTerminal(b.destination) + " (" +
             std::to_string(b.bytes) + " bytes, marked " + EscapeForTerminal(b.marking) + ", event " +
             std::to_string(b.sequence) + ")";
    });
  });
}

}  // namespace

void RegisterBindingCommands(CLI::App& app) {
  RegisterMedia(app);
  RegisterHost(app);
  RegisterBackup(app);
}

}  // namespace custody::cli
