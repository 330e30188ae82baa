// custody copy | return | copies | open | id export-age: tracked copies
// (FORMAT.md §3.8 CopyIssued / CopyReturned, §3.17 sealed copies).
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/utf8.h"
#include "crypto/age.h"
#include "tools/custody/cli.h"
#include "tools/custody/inflight.h"
#include "tools/custody/sealed_open.h"
#include "vault/copies/copy_marking.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {

// "S-2026-00001/3" -> ("S-2026-00001", 3). Registration numbers may hold
// '/', so the copy number is what follows the last one.
Result<std::pair<std::string, uint32_t>> ParseCopyNumber(const std::string& text) {
  const size_t at = text.rfind('/');
  const std::string n = at == std::string::npos ? "" : text.substr(at + 1);
  if (at == 0 || n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(n) == 0)
    return Fail(Code::kUsage, "a copy is named REG/N (e.g. S-2026-00001/3), not '" + text + "'");
  return std::pair{text.substr(0, at), static_cast<uint32_t>(std::stoul(n))};
}

std::string Date(int64_t unix_seconds) { return unix_seconds == 0 ? "-" : IsoTime(unix_seconds); }

bool Overdue(const vault::CopyInfo& c, int64_t now) {
  return c.state == "issued" && c.return_by_unix != 0 && now > c.return_by_unix;
}

void RegisterCopy(CLI::App& app) {
  struct Opts {
    std::string vault, reg, as, scope, purpose, return_by, out, passphrase_file, cosigner,
        cosigner_passphrase_file;
    std::vector<std::string> to;
    uint32_t copies = 1;
    bool sealed = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "copy",
      "Issue tracked copies of a document: each has its own number (REG/N), recipient, scope and "
      "state, recorded in the ledger once it exists. A plaintext copy goes only to a member cleared "
      "for the level; a sealed copy (--sealed) is an age file that only the recipient's key opens, "
      "with a signed marking beside it (PATH.marking), and may go to anyone named by a public "
      "identity line.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("REG", o->reg, "Registration number")->required();
  cmd->add_option("-i,--as", o->as, "Identity file of the issuer")->required();
  cmd->add_option("--to", o->to,
                  "Recipient: public identity line, a file holding one, a member's name or fingerprint; "
                  "repeat it for a hand-out (one prompt, one commit, --copies each)")
      ->required();
  cmd->add_option("--copies", o->copies,
                  "How many copies per recipient (default 1); with several copies, files get -N "
                  "(the copy number) before .age");
  cmd->add_option("--scope", o->scope, "Distribution scope (recorded, and on the marking)")->required();
  cmd->add_option("--purpose", o->purpose, "Why (recorded)");
  cmd->add_option("--return-by", o->return_by, "Date the copy is due back, YYYY-MM-DD (UTC)");
  cmd->add_option("--cosigner", o->cosigner,
                  "Identity file of a second officer approving the copy (where the vault requires it)");
  cmd->add_option("--cosigner-passphrase-file", o->cosigner_passphrase_file, "Co-signer's passphrase file");
  cmd->add_flag("--sealed", o->sealed, "Write an age file to the recipient's age1 key");
  cmd->add_option("-o,--out", o->out, "Destination file, or - for stdout (one plaintext copy)")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    if (int refused = RefusePlaintextToTerminal(o->out)) return refused;
    int64_t return_by = 0;
    if (!o->return_by.empty()) {
      auto t = ParseDate(o->return_by, "--return-by");
      if (!t) return Report(t.error());
      return_by = *t;
    }
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    // Every recipient is resolved before the passphrase is asked.
    std::vector<vault::PublicIdentity> to;
    for (const auto& who : o->to) {
      auto p = ResolveMember(**v, who);
      if (!p) return Report(p.error());
      to.push_back(std::move(*p));
    }
    auto id = UnlockIdentity(o->as, o->passphrase_file);
    if (!id) return Report(id.error());
    std::unique_ptr<vault::Identity> cosigner;
    if (!o->cosigner.empty()) {
      auto c = UnlockIdentity(o->cosigner, o->cosigner_passphrase_file, "co-signer");
      if (!c) return Report(c.error());
      cosigner = std::move(*c);
    }
    vault::CopyRequest req;
    req.cosigner = cosigner.get();
    req.reg_no = o->reg;
    req.recipient = to.front();
    req.also_to.assign(to.begin() + 1, to.end());
    req.copies = o->copies;
    req.scope = o->scope;
    req.purpose = o->purpose;
    req.return_by_unix = return_by;
    req.sealed = o->sealed;
    req.out_path = o->out;
    // Temporaries, plaintext or sealed, are registered like an
    // extraction's (tools/custody/inflight.h): a kill leaves nothing the
    // next run does not report and sweep; a signal removes the latest one
    // (the guard holds one).
    ExtractSignalGuard guard;
    std::vector<std::unique_ptr<InflightEntry>> entries;
    auto on_temp_file = [&](const std::string& temp_path) -> Status {
      const std::string temp = Absolute(temp_path);
      const std::string vault_abs = Absolute(o->vault);
      auto e = InflightEntry::Register(temp, o->reg, vault_abs,
                                       o->sealed ? InflightKind::kSealedCopy : InflightKind::kExtraction);
      if (!e) return std::unexpected(e.error().With("copy refused"));
      guard.Arm(temp, (*e)->path());
      entries.push_back(std::move(*e));
      return {};
    };
    auto issued = (*v)->IssueCopies(**id, req, on_temp_file);
    guard.Disarm();
    entries.clear();
    if (!issued) return Report(issued.error());
    for (const auto& c : *issued)
      std::cerr << "copy " << c.number << " (copy " << c.copy_no << " of " << c.of << ", "
                << c.level_name << ", " << (c.sealed ? "sealed" : "plaintext") << ") to "
                << c.recipient_name << (c.path == "-" ? "" : ": " + c.path) << "\n";
    return 0;
  });
}

void RegisterReturn(CLI::App& app) {
  struct Opts { std::string vault, copy, as, file, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "return",
      "Record that a copy came back, signed by an officer. A sealed copy must be handed back as "
      "the file issued (--file): its BLAKE2b-256 must match the one recorded.");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("COPY", o->copy, "The copy, REG/N")->required();
  cmd->add_option("-i,--as", o->as, "Officer's identity file")->required();
  cmd->add_option("--file", o->file, "The sealed copy's file as handed back");
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    auto which = ParseCopyNumber(o->copy);
    if (!which) return Report(which.error());
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(o->as, o->passphrase_file, "officer");
    if (!id) return Report(id.error());
    if (auto s = (*v)->ReturnCopy(**id, which->first, which->second, o->file); !s)
      return Report(s.error());
    std::cout << "returned " << o->copy << "\n";
    return 0;
  });
}

// destroy-copy (officer + witness) and lost (officer): R173.
void RegisterDisposeCopy(CLI::App& app, bool lost) {
  struct Opts { std::string vault, copy, as, witness, reason, passphrase_file, witness_passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      lost ? "lost" : "destroy-copy",
      std::string(lost ? "Record that an issued copy is lost, signed by an officer, with the reason."
                       : "Record that a copy (issued, or returned) was destroyed, signed by an "
                         "officer and a witness, with the reason. The copy's bytes are outside "
                         "the vault: destroy them first.") +
          "");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("COPY", o->copy, "The copy, REG/N")->required();
  cmd->add_option("-i,--as", o->as, "Officer's identity file")->required();
  if (!lost) {
    cmd->add_option("--witness", o->witness, "Witness's identity file (a different member)")->required();
    cmd->add_option("--witness-passphrase-file", o->witness_passphrase_file, "Witness's passphrase file");
  }
  cmd->add_option("--reason", o->reason, "Why (recorded)")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Officer's passphrase file");
  SetBody(cmd, [o, lost] {
    auto which = ParseCopyNumber(o->copy);
    if (!which) return Report(which.error());
    auto v = OpenVault(o->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(o->as, o->passphrase_file, "officer");
    if (!id) return Report(id.error());
    std::unique_ptr<vault::Identity> witness;
    if (!lost) {
      auto w = UnlockIdentity(o->witness, o->witness_passphrase_file, "witness");
      if (!w) return Report(w.error());
      witness = std::move(*w);
    }
    if (auto s = (*v)->DisposeCopy(**id, witness.get(), which->first, which->second, o->reason); !s)
      return Report(s.error());
    std::cout << (lost ? "lost " + o->copy
                       : "destroyed copy " + o->copy + " (witness " + witness->public_identity().name + ")")
              << "\n";
    return 0;
  });
}

void RegisterCopies(CLI::App& app) {
  struct Opts { std::string vault; bool outstanding = false, overdue = false, json = false; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "copies",
      "List tracked copies (needs no identity): numbers, recipients, scopes, states.");
  cmd->add_option("VAULT", o->vault)->required();
  auto* out = cmd->add_flag("--outstanding", o->outstanding, "Only copies still out (issued)");
  cmd->add_flag("--overdue", o->overdue, "Only copies past their return-by date")->excludes(out);
  cmd->add_flag("--json", o->json, "One JSON array on stdout");
  SetBody(cmd, [o] {
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    const int64_t now = SystemClock()->NowUnix();
    const std::string vault_id = (*v)->id_hex();
    Json all = Json::array();
    if (!o->json)
      std::cout << "COPY                 OF  STATE     LEVEL         KIND       RECIPIENT              "
                   "ISSUED                RETURN-BY             SCOPE\n";
    auto listed = (*v)->ForEachCopy([&](const vault::CopyInfo& c) -> Status {
      if (o->outstanding && c.state != "issued") return {};
      if (o->overdue && !Overdue(c, now)) return {};
      const std::string state = Overdue(c, now) ? "overdue" : c.state;
      if (o->json) {
        Json j = Json::object();
        j["vault_id"] = vault_id;  // the office register files the copy under its vault
        j["copy"] = c.number;
        j["reg_no"] = c.reg_no;
        j["copy_no"] = c.copy_no;
        j["of"] = c.of;
        j["state"] = state;
        j["level"] = c.level_name;
        j["sealed"] = Json(c.sealed);
        j["recipient"] = c.recipient_name;
        j["recipient_fingerprint"] = c.recipient_fingerprint;
        j["recipient_in_roster"] = Json(c.recipient_in_roster);
        j["scope"] = c.scope;
        j["purpose"] = c.purpose;
        j["issued_by"] = c.issued_by;
        j["issued"] = IsoTime(c.issued_unix);
        j["return_by"] = TimeOrNull(c.return_by_unix);
        j["returned"] = TimeOrNull(c.returned_unix);
        j["returned_by"] = c.returned_by;
        j["disposed"] = TimeOrNull(c.disposed_unix);
        j["disposed_by"] = c.disposed_by;
        j["witness"] = c.witness;
        j["reason"] = c.reason;
        j["sealed_blake2b256"] = c.sealed_hash_hex;
        j["cosigned_by"] = c.cosigned_by;
        all.push_back(std::move(j));
        return {};
      }
      // Level and recipient names may be in any script: padded by the
      // columns they take on the terminal, not their bytes.
      char head[64];
      std::snprintf(head, sizeof head, "%-20s %3u  %-9s ", c.number.c_str(), c.of, state.c_str());
      char tail[64];
      std::snprintf(tail, sizeof tail, " %-21s %-21s ", IsoTime(c.issued_unix).c_str(), Date(c.return_by_unix).c_str());
      std::cout << head << PadToWidth(EscapeForTerminal(c.level_name), 13) << " "
                << (c.sealed ? "sealed    " : "plaintext ") << PadToWidth(EscapeForTerminal(c.recipient_name), 22)
                << tail << EscapeForTerminal(c.scope) << "\n";
      return {};
    });
    if (!listed) return Report(listed.error());
    if (o->json) std::cout << WriteJson(all) << "\n";
    return 0;
  });
}

void RegisterOpen(CLI::App& app) {
  struct Opts { std::string copy, as, out, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "open",
      "Decrypt a sealed copy with your identity (nothing exported): its signed marking "
      "(COPY.marking) is verified against the file and printed on stderr first.");
  cmd->add_option("COPY", o->copy, "The sealed copy (age file)")->required();
  cmd->add_option("-i,--as", o->as, "Identity file of the recipient")->required();
  cmd->add_option("-o,--out", o->out, "Destination file, or - for stdout")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    if (int refused = RefusePlaintextToTerminal(o->out)) return refused;
    auto id = UnlockIdentity(o->as, o->passphrase_file);
    if (!id) return Report(id.error());
    if (auto s = OpenSealedCopy(o->copy, **id, o->out); !s) return Report(s.error());
    return 0;
  });
}

}  // namespace

void RegisterExportAge(CLI::App& id) {
  struct Opts { std::string file, out, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = id.add_subcommand(
      "export-age",
      "Write the identity's X25519 key as an age identity file (AGE-SECRET-KEY-1..., mode 0600) "
      "for `age -d -i FILE`. Anyone holding that file can open every sealed copy and key slot "
      "addressed to you: prefer `custody open`.");
  cmd->add_option("FILE", o->file, "Identity file")->required();
  cmd->add_option("-o,--out", o->out, "The age identity file to create (refuses to overwrite)")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o] {
    auto ident = UnlockIdentity(o->file, o->passphrase_file);
    if (!ident) return Report(ident.error());
    crypto::AgeX25519Identity key(crypto::SecretBytes::CopyOf((*ident)->x25519().secret_key.span()));
    crypto::SecretBytes line = key.ToSecretString();
    const std::string head = "# exported by custody from " + o->file + "\n# public key: " +
                             (*ident)->public_identity().AgeRecipient() + "\n";
    crypto::SecretBytes text(head.size() + line.size() + 1);
    std::copy(head.begin(), head.end(), text.data());
    std::copy(line.span().begin(), line.span().end(), text.data() + head.size());
    text.data()[text.size() - 1] = '\n';
    Status s = WriteFileAtomically(DefaultEnv(), o->out,
                                   {reinterpret_cast<const char*>(text.data()), text.size()}, false);
    if (!s) return Report(s.error());
    std::cerr << "custody: warning: " << o->out << " holds your secret X25519 key unencrypted "
              << "(mode 0600); whoever reads it opens everything sealed to you. Delete it when done.\n";
    return 0;
  });
}

void RegisterCopyCommands(CLI::App& app) {
  RegisterCopy(app);
  RegisterReturn(app);
  RegisterDisposeCopy(app, false);
  RegisterDisposeCopy(app, true);
  RegisterCopies(app);
  RegisterOpen(app);
}

}  // namespace custody::cli
