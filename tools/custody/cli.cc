#include "tools/custody/cli.h"
#include "tools/custody/progress.h"

#include "base/encoding.h"
#include "base/json.h"
#include "base/utf8.h"

#include "vault/client_memory.h"

#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace custody::cli {

Result<int64_t> ParseDate(const std::string& date, const std::string& option) {
  std::tm tm{};
  std::istringstream in(date);
  in >> std::get_time(&tm, "%Y-%m-%d");
  if (in.fail() || !in.eof() || date.size() != 10)
    return Fail(Code::kUsage, option + " takes a date as YYYY-MM-DD, not '" + EscapeForTerminal(date) + "'");
  return static_cast<int64_t>(timegm(&tm)) + 86400 - 1;
}

Result<int64_t> ParseDateOrTime(const std::string& text, const std::string& option) {
  if (text.size() != 20) return ParseDate(text, option);
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail() || in.peek() != std::char_traits<char>::eof())
    return Fail(Code::kUsage, option + " takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), not '" + text + "'");
  return static_cast<int64_t>(timegm(&tm));
}

int RefusePlaintextToTerminal(const std::string& out) {
  if (out != "-" || !isatty(1)) return 0;
  return Report(Error{Code::kUsage, "refusing to write a document to a terminal"},
                "redirect stdout to a file or use --out FILE");
}

namespace {
bool g_json_errors = false;

const char* ErrorKind(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kIo: return "io";
    case Code::kUsage: return "usage";
    case Code::kAuth: return "auth";
    case Code::kNotCleared: return "not_cleared";
    case Code::kCorrupt: return "corrupt";
    case Code::kNotFound: return "not_found";
  }
  return "io";
}
}  // namespace

void SetJsonErrors(bool on) { g_json_errors = on; }

int ReportInResult(const Error& error, const std::string& hint) {
  // Messages quote names, titles and paths from users: escaped.
  std::cerr << "custody: error: " << EscapeForTerminal(error.message) << "\n";
  if (!hint.empty()) std::cerr << "custody: hint: " << hint << "\n";
  return static_cast<int>(error.code);
}

int Report(const Error& error, const std::string& hint) {
  if (g_json_errors) {
    // docs/JSON.md, "Errors". The library escapes what the terminal
    // escaping above would: control characters.
    Json e = Json::object();
    e["code"] = static_cast<int>(error.code);
    e["kind"] = ErrorKind(error.code);
    e["message"] = error.message;
    if (!hint.empty()) e["hint"] = hint;
    Json out = Json::object();
    out["error"] = std::move(e);
    std::cout << WriteJson(out) << "\n" << std::flush;
  }
  return ReportInResult(error, hint);
}

Json TimeOrNull(int64_t unix_seconds) {
  return unix_seconds == 0 ? Json() : Json(IsoTime(unix_seconds));
}

namespace {
// Restores the terminal's echo even if reading throws or returns early.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) == 0) {
      termios t = saved_;
      t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(fd_, TCSAFLUSH, &t) == 0;
    }
  }
  ~EchoOff() {
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// Reads one line from fd into secret memory, without the newline. At a
// terminal, input that ends before anything was typed (Ctrl-D) means no
// passphrase was given: an authentication failure, like a wrong one.
Result<crypto::SecretBytes> ReadSecretLine(int fd, const std::string& what, bool terminal = false) {
  crypto::SecretBytes buf(1024);
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = ::read(fd, &c, 1);
    if (r < 0) return Fail(Code::kIo, "cannot read " + what);
    if (r == 0 && n == 0 && terminal) return Fail(Code::kAuth, "no " + what + " given (input ended at the prompt)");
    if (r == 0 || c == '\n') break;
    if (n == buf.size()) return Fail(Code::kUsage, what + " is longer than 1023 bytes");
    buf.data()[n++] = static_cast<uint8_t>(c);
  }
  if (n > 0 && buf.data()[n - 1] == '\r') --n;
  if (n == 0) return Fail(Code::kUsage, what + " is empty");
  return crypto::SecretBytes::CopyOf(buf.slice(0, n));
}

// As ssh does for private keys: a passphrase in a regular file that its
// group or others may read is refused, since anyone who can read it can
// unlock the identity. Pipes, descriptors and terminals (`-`, <(...),
// /dev/fd/N) have no such mode to check.
Status CheckPassphraseFileMode(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(Code::kIo, "cannot stat passphrase file " + path);
  if (!S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return Fail(Code::kUsage, "passphrase file " + path + " has mode " + mode +
                                ": its group or others can read or change it; run chmod 600 " + path);
}
}  // namespace

// "0.42 s": how long since `start`, for -v.
std::string SecondsSince(std::chrono::steady_clock::time_point start) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return buf;
}

Result<crypto::SecretBytes> ReadPassphrase(const std::string& passphrase_file,
                                           const std::string& prompt, bool confirm) {
  if (passphrase_file == "-") return ReadSecretLine(STDIN_FILENO, "passphrase on stdin");
  if (!passphrase_file.empty()) {
    int fd = ::open(passphrase_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail(Code::kNotFound, "passphrase file " + passphrase_file + " not found");
    Result<crypto::SecretBytes> r;
    if (auto s = CheckPassphraseFileMode(fd, passphrase_file); !s)
      r = std::unexpected(s.error());
    else
      r = ReadSecretLine(fd, "passphrase file " + passphrase_file);
    ::close(fd);
    return r;
  }
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0)
    return Fail(Code::kUsage, "no terminal to ask for the passphrase; use --passphrase-file FILE");
  auto ask = [&](const std::string& p) -> Result<crypto::SecretBytes> {
    (void)!::write(tty, p.data(), p.size());
    Result<crypto::SecretBytes> r;
    {
      EchoOff off(tty);
      r = ReadSecretLine(tty, "passphrase", /*terminal=*/true);
    }
    (void)!::write(tty, "\n", 1);
    return r;
  };
  auto first = ask(prompt + ": ");
  if (first && confirm) {
    auto second = ask("Repeat " + prompt + ": ");
    if (!second) first = std::unexpected(second.error());
    else if (!first->Equals(*second)) first = Fail(Code::kUsage, "the passphrases do not match");
  }
  ::close(tty);
  return first;
}

Result<std::unique_ptr<vault::Vault>> OpenVault(const std::string& path, vault::Vault::Access access) {
  // One per process; a client without a state directory still works, but
  // says that it cannot detect a rolled-back vault.
  static const auto memory = [] {
    auto m = vault::ClientMemory::ForThisUser();
    if (!m) std::cerr << "custody: warning: " << m.error().message
                      << "; rollback of a vault cannot be detected\n";
    return m ? std::move(*m) : nullptr;
  }();
  const auto started = std::chrono::steady_clock::now();
  auto v = vault::Vault::Open(path, access, DefaultEnv(), ToolClock(), memory.get());
  if (v) {
    for (const auto& w : (*v)->warnings()) std::cerr << "custody: warning: " << w << "\n";
    Explain("opened vault " + path + (access == vault::Vault::Access::kWrite ? " for writing" : "") + ": id " +
            (*v)->id_hex() + ", " + std::to_string((*v)->event_count()) + " events, ledger verified in " +
            SecondsSince(started));
  }
  return v;
}

Result<std::unique_ptr<vault::Identity>> UnlockIdentity(const std::string& path,
                                                        const std::string& passphrase_file,
                                                        const std::string& role) {
  if (::access(path.c_str(), F_OK) != 0)
    return Fail(Code::kNotFound, role + " identity file " + path + " not found");
  CUSTODY_ASSIGN(auto pass, ReadPassphrase(passphrase_file, "Passphrase for " + role + " " + path));
  // Argon2id takes seconds at the sensitive profile: say what is happening.
  const auto started = std::chrono::steady_clock::now();
  Result<std::unique_ptr<vault::Identity>> id;
  {
    StatusLine status("custody: unlocking " + role + " " + path + "…");
    id = vault::Identity::Load(path, pass);
  }
  if (id)
    Explain("unlocked " + role + " '" + (*id)->public_identity().name + "' (" + (*id)->public_identity().Fingerprint() +
            ") from " + path + " in " + SecondsSince(started));
  return id;
}

namespace {
int g_exit = 0;
}

void SetBody(CLI::App* sub, Body body) {
  sub->callback([body] { g_exit = body(); });
}

int LastExit() { return g_exit; }

}  // namespace custody::cli

namespace custody::cli {
std::string Absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json AuditProblemsJson(const std::vector<vault::AuditProblem>& problems) {
  Json out = Json::array();
  for (const auto& p : problems) {
    Json pj = Json::object();
    pj["where"] = p.where;
    pj["problem"] = p.message;
    out.push_back(std::move(pj));
  }
  return out;
}

// Parses --expect EVENTS:HEAD; kUsage with the message scripts rely on.
Result<vault::AuditAnchor> ParseAnchor(const std::string& expect) {
  vault::AuditAnchor anchor;
  auto colon = expect.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    anchor.event_count = std::stoull(expect.substr(0, colon));
    anchor.ledger_head_hex = expect.substr(colon + 1);
  } catch (const std::exception&) {
    return Fail(Code::kUsage, "--expect takes EVENTS:HEAD as printed on the "
                              "'anchor' line of an earlier audit");
  }
  // FORMAT.md §5.7 "Anchor": hex in either case (people copy it by hand).
  auto head = FromHex(anchor.ledger_head_hex, HexCase::kEither);
  if (!head || head->size() != 32)
    return Fail(Code::kUsage, "--expect HEAD must be 64 hex digits");
  anchor.ledger_head_hex = ToHex(*head);
  return anchor;
}

void AddExpectOption(CLI::App* cmd, std::string& expect, const std::string& refused) {
  cmd->add_option("--expect", expect,
                  "EVENTS:HEAD from an earlier audit's 'anchor' line: " + refused +
                      " a ledger rolled back, truncated or rewritten since");
}

Result<std::optional<vault::AuditAnchor>> ParseExpect(const std::string& expect) {
  if (expect.empty()) return std::optional<vault::AuditAnchor>();
  CUSTODY_ASSIGN(vault::AuditAnchor anchor, ParseAnchor(expect));
  return std::optional<vault::AuditAnchor>(std::move(anchor));
}

Status ConfirmByTyping(const std::string& what, const std::string& expected, bool yes) {
  if (yes) return {};
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0)
    return Fail(Code::kUsage, "no terminal to confirm on; nothing was done (pass --yes to " + what + " " +
                                  expected + " without asking)");
  const std::string prompt = "Type " + expected + " to " + what + " it: ";
  (void)!::write(tty, prompt.data(), prompt.size());
  std::string typed;
  char c;
  ssize_t r;
  while ((r = ::read(tty, &c, 1)) == 1 && c != '\n')
    if (typed.size() < 256) typed += c;
  ::close(tty);
  if (!typed.empty() && typed.back() == '\r') typed.pop_back();
  if (r <= 0 && typed.empty()) return Fail(Code::kUsage, "not confirmed (end of input); nothing was done");
  if (typed != expected)
    return Fail(Code::kUsage, "not confirmed: typed '" + EscapeForTerminal(typed) + "', not " + expected +
                                  "; nothing was done");
  return {};
}

Result<vault::PublicIdentity> ResolveMember(const vault::Vault& v, const std::string& who) {
  if (who.starts_with("age1") || ::access(who.c_str(), F_OK) == 0)
    return vault::PublicIdentity::ParseLineOrFile(who);
  return v.MemberNamed(who);
}

}  // namespace custody::cli
