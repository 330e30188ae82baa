// custody add | ls | extract | destroy
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <mutex>
#include <set>

#include "base/json.h"
#include "base/posix.h"
#include "base/utf8.h"
#include "format/constants.h"
#include "tools/custody/cli.h"
#include "tools/custody/inflight.h"
#include "tools/custody/progress.h"
#include "vault/vault.h"

namespace custody::cli {

namespace {

// The first line of `path` (- : standard input), without its newline; at
// most 4 KiB are read, whatever the file holds.
Result<std::string> ReadTitleFile(const std::string& path) {
  const int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot read the title from", path));
  std::string text;
  char buf[4097];
  ssize_t n;
  while (text.size() < 4097 && (n = ::read(fd, buf, sizeof buf - text.size())) > 0) {
    text.append(buf, static_cast<size_t>(n));
    if (text.find('\n') != std::string::npos) break;
  }
  if (fd != 0) ::close(fd);
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.size() > 4096) return Fail(Code::kUsage, "the title in " + path + " is longer than 4096 bytes");
  if (text.empty()) return Fail(Code::kUsage, "no title in " + path + " (its first line is empty)");
  return text;
}

// Standard input, whole, in an anonymous memory file (memfd): never a file
// on disk, since it is plaintext. The vault's format needs a document's
// size before its first chunk is written, so a pipe cannot be streamed as
// it comes; the memory file holds it meanwhile and is gone at exit.
Result<int> StdinInMemory() {
  const int fd = ::memfd_create("custody-add-stdin", MFD_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot hold standard input in memory", "add -"));
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(0, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(errno, "cannot read standard input", "add -"));
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(fd, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        const int e = errno;
        ::close(fd);
        return std::unexpected(ErrnoError(e, "cannot hold standard input in memory", "add -"));
      }
      done += w;
    }
  }
  return fd;
}

// One input of `add`: a file named on the command line, or found under a
// directory given with -r (then `title` is its path relative to that
// directory's parent, as tar records it).
struct AddInput {
  std::string path;
  std::string title;
};

// The files `add` is given, with -r's directories expanded: every regular
// file under them in name order; symbolic links and special files are
// skipped with a warning (a vault holds documents, not links).
Result<std::vector<AddInput>> ExpandAddInputs(const std::vector<std::string>& args, bool recursive) {
  namespace fs = std::filesystem;
  std::vector<AddInput> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    const auto st = fs::symlink_status(arg, ec);
    if (!fs::is_directory(st) || arg == "-") {
      out.push_back({arg, ""});
      continue;
    }
    if (!recursive)
      return Fail(Code::kUsage, "cannot add " + arg + ": it is a directory (add -r adds every file under it)");
    std::string top = fs::path(arg).lexically_normal().filename().string();
    if (top.empty() || top == "." || top == "..")
      top = fs::weakly_canonical(fs::path(arg), ec).filename().string();
    std::vector<AddInput> found;
    fs::recursive_directory_iterator it(arg, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto s = it->symlink_status(ec);
      if (ec) break;
      if (fs::is_directory(s)) continue;
      const std::string path = it->path().string();
      if (!fs::is_regular_file(s)) {
        std::cerr << "custody: warning: skipped " << EscapeForTerminal(path) << ": "
                  << (fs::is_symlink(s) ? "a symbolic link" : "not a regular file") << "\n";
        continue;
      }
      const std::string rel = it->path().lexically_relative(arg).string();
      found.push_back({path, top.empty() ? rel : top + "/" + rel});
    }
    if (ec) return std::unexpected(ErrnoError(ec.value(), "cannot read the directory", arg));
    if (found.empty()) return Fail(Code::kUsage, "no files to add under " + arg);
    std::sort(found.begin(), found.end(), [](const AddInput& a, const AddInput& b) { return a.path < b.path; });
    for (auto& f : found) out.push_back(std::move(f));
  }
  return out;
}

void RegisterAdd(CLI::App& app) {
  struct AddOpts {
    std::string vault, as, level, title, title_file, name, reg_no, originator, custodian, passphrase_file;
    std::vector<std::string> files;
    bool urgent = false, recursive = false;
    std::optional<uint32_t> years;
  };
  auto ao = std::make_shared<AddOpts>();
  auto* add = app.add_subcommand("add", "Encrypt files into the vault at a level; prints one "
                                        "registration number per file.");
  add->add_option("VAULT", ao->vault)->required();
  add->add_option("FILE", ao->files,
                  "Files to add (all in one atomic commit); - : standard input (needs --name)")
      ->required();
  add->add_flag("-r,--recursive", ao->recursive,
                "Add every file under the directories given, each its own document titled with its "
                "path relative to the directory's parent (unless --title)");
  add->add_option("-i,--as", ao->as, "Identity file")->required();
  add->add_option("-l,--level", ao->level, "Classification level")->required();
  auto* title = add->add_option("-t,--title", ao->title,
                                "Title (default: the file name); - reads it from standard input. "
                                "Secret like the content: prefer --title-file or -, since other local "
                                "users can read a command line");
  add->add_option("--title-file", ao->title_file, "Read the title from the first line of FILE (- : stdin)")
      ->excludes(title);
  add->add_option("--name", ao->name,
                  "File name to store (default: the file's own; extract restores it), UTF-8");
  add->add_option("--reg-no", ao->reg_no, "Registration number (default: assigned, e.g. S-2026-00001)");
  add->add_option("--originator", ao->originator,
                  "Where it came from (e.g. the meeting or sender); recorded in clear");
  add->add_option("--custodian", ao->custodian, "Member answerable for it (default: you)");
  add->add_flag("--urgent", ao->urgent, "Due the same day (otherwise in the vault's handling time)");
  add->add_option("--classified-years", ao->years,
                  "Classification period in years (default: the vault's for the level; 0: none)");
  add->add_option("--passphrase-file", ao->passphrase_file, "Read the passphrase from FILE");
  SetBody(add, [ao] {
    if (ao->title == "-") ao->title_file = "-";
    if (ao->title_file == "-" && std::find(ao->files.begin(), ao->files.end(), "-") != ao->files.end())
      return Report(Error{Code::kUsage, "standard input cannot hold both the document and its title"});
    if (!ao->title_file.empty()) {
      auto t = ReadTitleFile(ao->title_file);
      if (!t) return Report(t.error());
      ao->title = std::move(*t);
    } else if (!ao->title.empty()) {
      std::cerr << "custody: warning: --title puts the title on the command line, where any local "
                   "user can read it (/proc/PID/cmdline); use --title-file FILE or --title -\n";
    }
    auto inputs = ExpandAddInputs(ao->files, ao->recursive);
    if (!inputs) return Report(inputs.error());
    if (!ao->reg_no.empty() && inputs->size() != 1)
      return Report(Error{Code::kUsage, "--reg-no names one document; add one file at a time"});
    if (!ao->name.empty() && inputs->size() != 1)
      return Report(Error{Code::kUsage, "--name names one document; add one file at a time"});
    const bool from_stdin = std::any_of(inputs->begin(), inputs->end(), [](const AddInput& f) { return f.path == "-"; });
    if (from_stdin && (inputs->size() != 1 || ao->name.empty()))
      return Report(Error{Code::kUsage, "add - reads one document from standard input and needs --name NAME"});
    auto v = OpenVault(ao->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    // The level is checked before the passphrase is asked for, so a typo
    // fails without a prompt.
    auto level = (*v)->LevelIndex(ao->level);
    if (!level) return Report(level.error());
    vault::Registration details{ao->originator, std::nullopt, ao->urgent, ao->years};
    if (!ao->custodian.empty()) {
      auto c = (*v)->MemberNamed(ao->custodian);
      if (!c) return Report(c.error());
      details.custodian = *c;
    }
    auto id = UnlockIdentity(ao->as, ao->passphrase_file);
    if (!id) return Report(id.error());
    // Standard input is read only now, after every check and the unlock.
    std::optional<int> stdin_fd;
    if (from_stdin) {
      auto fd = StdinInMemory();
      if (!fd) return Report(fd.error());
      stdin_fd = *fd;
    }
    struct CloseFd {
      std::optional<int>& fd;
      ~CloseFd() { if (fd) ::close(*fd); }
    } close_stdin{stdin_fd};
    std::vector<vault::AddRequest> reqs;
    for (const auto& f : *inputs)
      reqs.push_back({f.path == "-" ? "standard input" : f.path, ao->title.empty() ? f.title : ao->title,
                      ao->reg_no, ao->name, f.path == "-" ? *stdin_fd : -1});
    // Progress: the vault file grows by about the bytes encrypted so far.
    uint64_t total = 0;
    for (const auto& f : reqs) {
      struct stat st;
      if ((f.fd >= 0 ? ::fstat(f.fd, &st) : ::stat(f.path.c_str(), &st)) == 0)
        total += static_cast<uint64_t>(st.st_size);
    }
    struct stat before;
    const uint64_t start = ::stat(ao->vault.c_str(), &before) == 0 ? static_cast<uint64_t>(before.st_size) : 0;
    std::optional<ProgressMeter> meter;
    meter.emplace("adding " + std::to_string(reqs.size()) + (reqs.size() == 1 ? " file" : " files"),
                  total, [path = ao->vault, start]() -> uint64_t {
                    struct stat st;
                    return ::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) > start
                               ? static_cast<uint64_t>(st.st_size) - start
                               : 0;
                  });
    auto regs = (*v)->Add(**id, reqs, *level, details);
    meter.reset();
    if (!regs) return Report(regs.error());
    for (size_t i = 0; i < regs->size(); ++i) {
      Explain("added " + reqs[i].path + " as " + (*regs)[i] + " at level " + ao->level);
      std::cout << (*regs)[i] << "\n";
    }
    return 0;
  });
}

// `ls` streams: each document is printed as the catalog's pages are read,
// so the first line does not wait for the last and memory stays bounded.
// `--json`: one array, an object per line, members in the documented order
// (docs/JSON.md).
std::string LsJsonLine(const vault::DocumentInfo& d, bool first) {
  Json j = Json::object();
  j["reg_no"] = d.reg_no;
  j["level"] = d.is_public ? "public" : d.level_name;  // public: held under the lowest level's key
  j["title"] = d.title;
  j["file_name"] = d.file_name;
  j["size"] = d.size;
  j["added"] = TimeOrNull(d.destroyed ? 0 : d.added_unix);
  j["added_by"] = d.added_by;
  j["extracts"] = d.extract_count;
  j["state"] = d.destroyed ? "destroyed" : d.withdrawn ? "withdrawn" : "held";
  j["public"] = Json(d.is_public);
  j["originator"] = d.originator;
  j["custodian"] = d.custodian;
  j["urgent"] = Json(d.urgent);
  j["due"] = TimeOrNull(d.due_unix);
  j["handled"] = TimeOrNull(d.handled_unix);
  j["handled_by"] = d.handled_by;
  j["classified_until"] = TimeOrNull(d.classified_until_unix);
  j["declassification_pending"] = d.review_pending;
  j["copies_issued"] = d.copies_issued;
  j["copies_outstanding"] = d.copies_outstanding;
  j["folder"] = d.folder;
  j["version"] = d.version;
  j["earlier_versions"] = d.earlier_versions;
  j["withdrawn"] = TimeOrNull(d.withdrawn_unix);
  j["withdrawn_by"] = d.withdrawn_by;
  return (first ? "\n  " : ",\n  ") + WriteJson(j);
}

// A fixed-width table; destroyed documents show who destroyed them in place
// of the (no longer readable) title.
std::string LsTextHeader() {
  char line[128];
  std::snprintf(line, sizeof line, "%-16s %-14s %12s  %-20s  %s\n", "REG-NO", "LEVEL", "SIZE", "ADDED",
                "TITLE");
  return line;
}

std::string LsTextLine(const vault::DocumentInfo& d) {
  // Level names may be in any script: padded by the columns they take.
  std::string out = PadToWidth(d.reg_no, 16) + " " + PadToWidth(d.is_public ? "public" : EscapeForTerminal(d.level_name), 14);
  char line[64];
  std::snprintf(line, sizeof line, " %12llu  %-20s  ", static_cast<unsigned long long>(d.size),
                d.destroyed || d.added_unix == 0 ? "-" : IsoTime(d.added_unix).c_str());
  out += line;
  // Titles and names come from users: escaped, so that a title cannot move
  // the cursor, overwrite a row or start a new one.
  out += d.destroyed ? "(destroyed " + IsoTime(d.destroyed_unix) + " by " + EscapeForTerminal(d.destroyed_by) + ")"
                     : EscapeForTerminal(d.title);
  if (d.destroyed) return out + "\n";
  // Format v8: where a mount shows it, its version, and a withdrawal.
  if (!d.folder.empty()) out += "  (in " + EscapeForTerminal(d.folder) + "/)";
  if (d.version > 1) out += "  (version " + std::to_string(d.version) + ")";
  if (d.withdrawn) out += "  (withdrawn " + IsoTime(d.withdrawn_unix) + " by " + EscapeForTerminal(d.withdrawn_by) + ")";
  return out + "\n";
}

void RegisterLs(CLI::App& app) {
  struct LsOpts { std::string vault, as, passphrase_file; bool json = false, all = false; };
  auto lo = std::make_shared<LsOpts>();
  auto* ls = app.add_subcommand("ls", "List the documents you are cleared for (others are not "
                                      "shown at all). An auditor sees every document's number, "
                                      "level, state and copies, never a title.");
  ls->add_option("VAULT", lo->vault)->required();
  ls->add_option("-i,--as", lo->as, "Identity file")->required();
  ls->add_flag("--json", lo->json, "One JSON array on stdout");
  ls->add_flag("-a,--all", lo->all, "Include destroyed documents (registration number only)");
  ls->add_option("--passphrase-file", lo->passphrase_file, "Read the passphrase from FILE");
  SetBody(ls, [lo] {
    auto v = OpenVault(lo->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(lo->as, lo->passphrase_file);
    if (!id) return Report(id.error());
    // The header (or the array's opening) only once the listing is under
    // way: a refused listing (not a member, an unapproved host) prints nothing.
    bool started = false;
    auto start = [&] {
      if (!started) std::cout << (lo->json ? "[" : LsTextHeader());
      started = true;
    };
    bool first = true;
    // The text lines are formatted on the listing's worker threads.
    auto listed = lo->json
        ? (*v)->ForEachDocument(**id, lo->all, [&](vault::DocumentInfo&& d) -> Status {
            start();
            std::cout << LsJsonLine(d, first);
            first = false;
            return {};
          })
        : (*v)->ListDocuments(
              **id, lo->all, [](const vault::DocumentInfo& d, std::string& out) { out += LsTextLine(d); },
              [&](std::string_view text) -> Status {
                start();
                std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
                return {};
              });
    if (!listed) {
      if (lo->json && started) std::cout << "\n]\n";  // the listing so far stays a JSON array
      std::cout.flush();
      return Report(listed.error());
    }
    start();
    if (lo->json) std::cout << "\n]\n";
    return 0;
  });
}

// Extract with the partial plaintext accounted for (tools/custody/inflight.h):
// the temporary file is registered and a signal removes it; the entry goes
// when the extraction has finished or failed (the file renamed or removed).
Status ExtractRegistered(vault::Vault& v, const vault::Identity& id,
                         const vault::ExtractRequest& req, const std::string& vault_path,
                         uint64_t size = 0) {
  ExtractSignalGuard guard;
  std::unique_ptr<InflightEntry> entry;
  // Progress: how far the temporary file has grown (set once it exists).
  std::mutex temp_mu;
  std::string temp_seen;
  std::optional<ProgressMeter> meter;
  if (req.out_path != "-")
    meter.emplace("extracting " + req.reg_no, size, [&]() -> uint64_t {
      std::lock_guard<std::mutex> lock(temp_mu);
      struct stat st;
      return !temp_seen.empty() && ::stat(temp_seen.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    });
  auto on_temp_file = [&](const std::string& temp_path) -> Status {
    const std::string temp = Absolute(temp_path);
    {
      std::lock_guard<std::mutex> lock(temp_mu);
      temp_seen = temp;
    }
    auto e = InflightEntry::Register(temp, req.reg_no, Absolute(vault_path));
    if (!e) return std::unexpected(e.error().With("extraction refused"));
    entry = std::move(*e);
    guard.Arm(temp, entry->path());
    return {};
  };
  Status s = v.Extract(id, req, on_temp_file);
  meter.reset();
  guard.Disarm();
  entry.reset();
  return s;
}

void RegisterExtract(CLI::App& app) {
  struct ExOpts {
    std::string vault, as, out, out_dir, purpose, passphrase_file;
    std::vector<std::string> regs;
    bool force = false;
    uint32_t version = 0;
  };
  auto xo = std::make_shared<ExOpts>();
  auto* ex = app.add_subcommand("extract", "Decrypt documents: each under its stored file name into "
                                           "--out-dir (default: the current directory), or one to "
                                           "--out FILE (or - for stdout). Each extraction is recorded "
                                           "in the ledger.");
  ex->add_option("VAULT", xo->vault)->required();
  ex->add_option("REG", xo->regs, "Registration numbers")->required();
  ex->add_option("-i,--as", xo->as, "Identity file")->required();
  auto* out = ex->add_option("-o,--out", xo->out, "Destination file, or - for stdout (one document)");
  ex->add_option("--out-dir", xo->out_dir, "Directory to extract into, under the stored names")->excludes(out);
  ex->add_option("--purpose", xo->purpose, "Why it is extracted (recorded in the ledger)");
  ex->add_flag("--force", xo->force, "Replace an existing destination file");
  ex->add_option("--version", xo->version, "An earlier version (one document, with --out; `ls` shows the current one)");
  ex->add_option("--passphrase-file", xo->passphrase_file, "Read the passphrase from FILE");
  SetBody(ex, [xo] {
    if (!xo->out.empty() && xo->regs.size() != 1)
      return Report(Error{Code::kUsage, "--out names one destination; extract several documents with --out-dir DIR"});
    if (xo->version != 0 && (xo->out.empty() || xo->regs.size() != 1))
      return Report(Error{Code::kUsage, "--version extracts one document to --out FILE"});
    if (int refused = RefusePlaintextToTerminal(xo->out)) return refused;
    auto v = OpenVault(xo->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    auto id = UnlockIdentity(xo->as, xo->passphrase_file);
    if (!id) return Report(id.error());
    if (!xo->out.empty()) {
      vault::ExtractRequest req{xo->regs[0], xo->out, 1, xo->force, xo->purpose, xo->version};
      auto doc = (*v)->Describe(**id, req.reg_no);  // its size, for the progress line
      if (auto s = ExtractRegistered(**v, **id, req, xo->vault, doc ? doc->size : 0); !s) return Report(s.error());
      return 0;
    }
    // Under the stored names: every destination is known and checked
    // before the first extraction, so a clash stops the command before
    // anything is recorded or written.
    const std::filesystem::path dir = xo->out_dir.empty() ? "." : xo->out_dir;
    if (!std::filesystem::is_directory(dir))
      return Report(Error{Code::kNotFound, "--out-dir " + dir.string() + " is not a directory"});
    std::vector<vault::ExtractRequest> reqs;
    std::vector<uint64_t> sizes;
    std::set<std::string> names;
    for (const auto& reg : xo->regs) {
      auto doc = (*v)->Describe(**id, reg);
      if (!doc) return Report(doc.error());
      if (doc->destroyed) return Report(Error{Code::kNotFound, "document " + reg + " was destroyed"});
      // Names were checked at add (one path component, UTF-8); a name
      // stored by an older version that is not is refused here.
      const std::string& name = doc->file_name;
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        return Report(Error{Code::kUsage, "document " + reg + " has no usable file name ('" + name +
                                              "'); extract it with --out FILE"});
      if (!names.insert(name).second)
        return Report(Error{Code::kUsage, "two of the documents are called '" + name +
                                              "'; extract one of them with --out FILE"});
      const std::string dest = (dir / name).string();
      if (!xo->force && std::filesystem::symlink_status(dest).type() != std::filesystem::file_type::not_found)
        return Report(Error{Code::kIo, dest + " already exists (use --force to replace it)"});
      reqs.push_back({reg, dest, 1, xo->force, xo->purpose});
      sizes.push_back(doc->size);
    }
    for (size_t i = 0; i < reqs.size(); ++i) {
      const auto& req = reqs[i];
      if (auto s = ExtractRegistered(**v, **id, req, xo->vault, sizes[i]); !s) return Report(s.error());
      std::cout << req.out_path << "\n";
    }
    return 0;
  });
}

void RegisterDestroy(CLI::App& app) {
  struct DesOpts {
    std::string vault, reg, as, witness, reason, passphrase_file, witness_passphrase_file;
    bool force = false, yes = false;
  };
  auto dso = std::make_shared<DesOpts>();
  auto* des = app.add_subcommand(
      "destroy",
      "Destroy a document irreversibly: overwrite its wrapped keys and ciphertext in place, sync, "
      "and record the destruction signed by the officer and a witness.\n"
      "NOT guaranteed: on flash media (SSD, USB sticks, SD cards) the device may keep old copies "
      "of overwritten blocks; only the destroyed key makes those unreadable. Backups or copies of "
      "the vault file made earlier still hold the document's wrapped key and ciphertext; "
      "they must be destroyed separately.");
  des->add_option("VAULT", dso->vault)->required();
  des->add_option("REG", dso->reg, "Registration number")->required();
  des->add_option("-i,--as", dso->as, "Officer's identity file")->required();
  des->add_option("--witness", dso->witness, "Witness's identity file (a different member)")->required();
  des->add_option("--reason", dso->reason, "Why it is destroyed (recorded)")->required();
  des->add_option("--passphrase-file", dso->passphrase_file, "Officer's passphrase file");
  des->add_option("--witness-passphrase-file", dso->witness_passphrase_file, "Witness's passphrase file");
  des->add_flag("--force", dso->force, "Destroy although copies are outstanding (they stay recorded)");
  des->add_flag("-y,--yes", dso->yes, "Do not ask for the registration number to be typed back");
  SetBody(des, [dso] {
    auto v = OpenVault(dso->vault, vault::Vault::Access::kWrite);
    if (!v) return Report(v.error());
    // Everything that needs no key is checked before any passphrase is
    // asked: a typo in a number or an identity fails at once.
    auto officer = vault::PublicIdentity::ReadFromIdentityFile(dso->as);
    if (!officer) return Report(officer.error().With("officer identity file " + dso->as));
    auto witness = vault::PublicIdentity::ReadFromIdentityFile(dso->witness);
    if (!witness) return Report(witness.error().With("witness identity file " + dso->witness));
    if (auto c = (*v)->CheckDestroy(*officer, *witness, dso->reg, dso->reason, dso->force); !c)
      return Report(c.error());
    auto id = UnlockIdentity(dso->as, dso->passphrase_file, "officer");
    if (!id) return Report(id.error());
    // What is about to go, as the officer sees it, before the witness is
    // asked for anything.
    auto doc = (*v)->Describe(**id, dso->reg);
    if (!doc) return Report(doc.error());
    std::cerr << "custody: about to destroy " << doc->reg_no << " (" << doc->level_name << "): "
              << EscapeForTerminal(doc->title) << "\n";
    if (doc->copies_outstanding > 0)
      std::cerr << "custody: its " << doc->copies_outstanding
                << " outstanding copies stay recorded as outstanding\n";
    if (auto ok = ConfirmByTyping("destroy", doc->reg_no, dso->yes); !ok) return Report(ok.error());
    auto wid = UnlockIdentity(dso->witness, dso->witness_passphrase_file, "witness");
    if (!wid) return Report(wid.error());
    if (auto s = (*v)->Destroy(**id, **wid, dso->reg, dso->reason, dso->force); !s) return Report(s.error());
    std::cout << "destroyed " << dso->reg << " (witness " << EscapeForTerminal((*wid)->public_identity().name)
              << ")\n";
    return 0;
  });
}

}  // namespace

void RegisterDocumentCommands(CLI::App& app) {
  RegisterAdd(app);
  RegisterLs(app);
  RegisterExtract(app);
  RegisterDestroy(app);
}

}  // namespace custody::cli

namespace custody::cli {

namespace {
// An officer's act on a whole vault: VAULT, --as, --passphrase-file, and a
// body given the vault path and a way to unlock the officer, which it calls
// after the checks that need no key (the unlock is the slow part).
using UnlockOfficer = std::function<Result<std::unique_ptr<vault::Identity>>()>;
using OfficerAct = std::function<int(const std::string& vault, const UnlockOfficer& unlock)>;
void RegisterOfficerVaultCommand(CLI::App& app, const std::string& name, const std::string& help,
                                 OfficerAct act) {
  struct Opts { std::string vault, as, passphrase_file; };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(name, help + "");
  cmd->add_option("VAULT", o->vault)->required();
  cmd->add_option("-i,--as", o->as, "Officer's identity file")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  SetBody(cmd, [o, act] {
    return act(o->vault, [o] { return UnlockIdentity(o->as, o->passphrase_file, "officer"); });
  });
}
}  // namespace

void RegisterCompactCommand(CLI::App& app) {
  RegisterOfficerVaultCommand(
      app, "compact",
      "Rewrite the vault without dead space (destroyed documents, superseded key records): the "
      "signed ledger is kept byte for byte and live ciphertext is copied without decrypting. The "
      "new file replaces the old one atomically (a crash leaves one or the other, whole); the old "
      "file's blocks are then overwritten with zeros. Officers only. On flash media and for "
      "earlier copies of the file, the same limits as for destroy apply.",
      [](const std::string& path, const UnlockOfficer& unlock) {
        auto v = OpenVault(path, vault::Vault::Access::kWrite);
        if (!v) return Report(v.error());
        auto officer = unlock();
        if (!officer) return Report(officer.error());
        // Compaction reads what it keeps, writes it, then zeroes the old
        // file: how much is kept is known only at the end, so no ETA.
        std::optional<ProgressMeter> meter;
        meter.emplace("compacting " + path, 0, BytesMovedFromNow(/*writes=*/true, 0));
        auto r = (*v)->Compact(**officer);
        meter.reset();
        if (!r) return Report(r.error());
        std::cout << "compacted " << path << ": " << r->old_size << " -> " << r->new_size
                  << " bytes, " << r->documents_kept << " documents kept; old file overwritten\n";
        return 0;
      });
}

void RegisterUpgradeCommand(CLI::App& app) {
  RegisterOfficerVaultCommand(
      app, "upgrade",
      "Rewrite a format v1 vault as the current format in place. Refused unless a full audit of the v1 "
      "vault passes. The v1 history is kept byte for byte and stays verifiable; one signed "
      "Upgraded event and a v2 checkpoint are appended in one atomic commit (a crash leaves the "
      "v1 vault). Officers only. Format v1 vaults can be read (ls, audit) but not written.",
      [](const std::string& path, const UnlockOfficer& unlock) {
        auto officer = unlock();
        if (!officer) return Report(officer.error());
        if (auto s = vault::Vault::Upgrade(path, **officer); !s) return Report(s.error());
        std::cout << "upgraded " << path << " to format v" << custody::format::kFormatVersion << "\n";
        return 0;
      });
}

}  // namespace custody::cli
