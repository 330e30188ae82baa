// Shared plumbing for the `custody` subcommands: exit codes, error printing,
// passphrase input and identity unlocking. Every subcommand group lives in its
// own cmd_*.cc file and registers itself through a Register*Commands function.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "crypto/secret_bytes.h"
#include "base/json.h"
#include "base/status.h"
#include "vault/identity/identity.h"
#include "vault/vault.h"

namespace custody::cli {

// The release, as certificates and --version state it; CMakeLists.txt reads
// the project (and Debian package) version from this line.
inline constexpr const char* kToolVersion = "0.8.0";

// The documented exit codes (README "Exit codes"); equal to custody::Code.
inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success; 1 other failure (I/O, disk full, lock held); 2 usage "
    "(unknown flag, unknown level); 3 authentication (wrong or no passphrase, identity not "
    "in the roster); 4 not cleared for that level; 5 integrity (corrupt, tampered, "
    "truncated, not a vault); 6 not found (document, copy, file, vault).";

// Prints "custody: error: <message>" (and "hint: ..." lines if given) to
// stderr and returns the exit code for the error.
int Report(const Error& error, const std::string& hint = "");
// With --json on the command line (main sets it), Report also prints the
// error object of docs/JSON.md on stdout: {"error":{"code","kind","message"[,"hint"]}}.
void SetJsonErrors(bool on);
// Report without the error object: for a command whose --json result, already
// printed, itself records the failure (audit's "ok", wipe's verification,
// cert verify's verdict and device check).
int ReportInResult(const Error& error, const std::string& hint = "");
// Plaintext never goes to a terminal: with `--out -` and stdout a terminal,
// the exit code of that usage error (reported); 0 otherwise.
int RefusePlaintextToTerminal(const std::string& out);

// Reads a passphrase: from `passphrase_file` if non-empty (first line, without
// the trailing newline), else prompted for on the terminal (/dev/tty) without
// echo. Never from argv or the environment. kUsage if there is no terminal and
// no file. `confirm` asks twice (for new identities).
Result<crypto::SecretBytes> ReadPassphrase(const std::string& passphrase_file,
                                           const std::string& prompt, bool confirm = false);

// Opens a vault as every subcommand does: compared with what this user's
// client remembers of it (vault/client_memory.h; refused for writing after
// a rollback or fork, warned for reading), warnings printed to stderr.
Result<std::unique_ptr<vault::Vault>> OpenVault(const std::string& path, vault::Vault::Access access);

// Loads the identity file at `path`, reading its passphrase as above.
Result<std::unique_ptr<vault::Identity>> UnlockIdentity(const std::string& path,
                                                        const std::string& passphrase_file,
                                                        const std::string& role = "identity");

// A subcommand's body returns an exit code; the dispatcher stores it.
using Body = std::function<int()>;
// Attaches `body` to `sub` so that, when it runs, its exit code lands in the
// process exit status.
void SetBody(CLI::App* sub, Body body);

void RegisterIdentityCommands(CLI::App& app);
void RegisterVaultCommands(CLI::App& app);     // init, grant, revoke
void RegisterDocumentCommands(CLI::App& app);  // add, ls, extract, destroy
void RegisterCompactCommand(CLI::App& app);    // compact
void RegisterUpgradeCommand(CLI::App& app);    // upgrade
void RegisterAuditCommands(CLI::App& app);     // audit
void RegisterWipeCommands(CLI::App& app);      // wipe, cert verify
void RegisterCopyCommands(CLI::App& app);      // copy, return, destroy-copy, lost, copies, open
void RegisterRegisterCommands(CLI::App& app);  // declassify, handled, due
void RegisterOfficeRegisterCommands(CLI::App& app);  // register import, register report
void RegisterExportAge(CLI::App& id);          // id export-age (under `id`)
void RegisterLogCommand(CLI::App& app);        // log
void RegisterReportCommand(CLI::App& app);     // report
void RegisterMountCommands(CLI::App& app);     // mount, unmount
void RegisterCheckpointCommands(CLI::App& app);  // checkpoint [cosign, key, leaves, verify]
void RegisterBindingCommands(CLI::App& app);   // media, host, backup

}  // namespace custody::cli

namespace custody::cli {
// "2026-11-27T08:00:00Z"
std::string IsoTime(int64_t unix_seconds);
// IsoTime, or JSON null for 0 (no such time): the --json spelling of an
// absent timestamp.
Json TimeOrNull(int64_t unix_seconds);
// "2026-12-31" -> the last second of that UTC day (a date something is due
// by); kUsage naming `option` otherwise.
Result<int64_t> ParseDate(const std::string& date, const std::string& option);
// ParseDate, or "2026-12-31T17:00:00Z" -> that second (UTC).
Result<int64_t> ParseDateOrTime(const std::string& text, const std::string& option);
// An audit's problems as `audit --json` (and `report --json`) print them:
// [{"where": …, "problem": …}, …].
Json AuditProblemsJson(const std::vector<vault::AuditProblem>& problems);
// `path` made absolute and normal (as the in-flight register names files);
// `path` itself if that fails.
std::string Absolute(const std::string& path);
// For an irreversible act: asks on the terminal for `expected` (a
// registration number) to be typed back, as "Type S-2026-00001 to destroy
// it: "; kUsage if something else is typed, at end of input, or with no
// terminal. `yes` (--yes) skips the question.
Status ConfirmByTyping(const std::string& what, const std::string& expected, bool yes);
// A member named on the command line (--to): a public identity line, a
// file holding one, a roster name or a fingerprint (custody roster).
Result<vault::PublicIdentity> ResolveMember(const vault::Vault& v, const std::string& who);
// Parses --expect EVENTS:HEAD (an audit's 'anchor' line); kUsage otherwise.
Result<vault::AuditAnchor> ParseAnchor(const std::string& expect);
// The --expect option of audit, log and report: `refused` says what the
// command does with a ledger that does not extend the anchor.
void AddExpectOption(CLI::App* cmd, std::string& expect, const std::string& refused);
// A checkpoint note or proof file (cmd_checkpoint.cc), whole and bounded;
// kNotFound or kUsage naming `what` and the path.
Result<std::string> ReadNoteFile(const std::string& path, const std::string& what);
// --key values: C2SP verifier keys; kUsage naming a bad one.
Result<std::vector<transparency::VerifierKey>> ParseVerifierKeys(const std::vector<std::string>& keys);
// ParseAnchor for an --expect that may be absent (empty: nullopt).
Result<std::optional<vault::AuditAnchor>> ParseExpect(const std::string& expect);
}  // namespace custody::cli
