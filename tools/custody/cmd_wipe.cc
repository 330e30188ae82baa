// `custody wipe` and `custody cert verify`: the CLI over vault/disposal.
// docs/WIPE.md is the user documentation; the engine's contract is in
// vault/disposal/engine.h and the certificate format in certificate.h.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crypto/hash.h"
#include "tools/custody/cli.h"
#include "vault/disposal/certificate.h"
#include "vault/disposal/certificate_pdf.h"
#include "base/encoding.h"
#include "vault/disposal/engine.h"
#include "vault/disposal/io.h"
#include "vault/ops/policy.h"

namespace custody::cli {
namespace {

namespace d = vault::disposal;

// Written into certificates as the tool version; keep in step with
// project(custody VERSION ...) and main.cc's --version.

std::atomic<bool> g_cancel{false};
extern "C" void OnSignal(int) { g_cancel.store(true); }

// SIGINT/SIGTERM stop the engine between chunks instead of killing the
// process, so a free-space filler is removed and the message is clear.
struct SignalGuard {
  struct sigaction old_int {}, old_term {};
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
  return buf;
}

std::string Duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

// Whether pass `i` of `count` is read back under `mode`.
bool Verified(d::VerifyMode mode, size_t i, size_t count) {
  return mode == d::VerifyMode::kAll || (mode == d::VerifyMode::kLast && i + 1 == count);
}

// Progress on stderr, only when it is a terminal: one line rewritten in
// place, ended once per phase. The ETA is for the whole wipe: what is left
// of this phase plus every write and read-back still to come (each the
// size of the target), at this phase's rate. `mode` is how the passes are
// verified; a lone read-back (cert verify) reports pass_count 0.
d::ProgressFn TerminalProgress(d::VerifyMode mode = d::VerifyMode::kOff) {
  if (!isatty(STDERR_FILENO)) return {};
  return [mode](const d::Progress& p) {
    double rate = p.seconds > 0 ? static_cast<double>(p.bytes_done) / p.seconds : 0;
    std::string line = std::string("\r") + (p.verifying ? "verify" : "write ");
    if (p.pass_count > 0)
      line += " pass " + std::to_string(p.pass_index + 1) + "/" + std::to_string(p.pass_count);
    line += "  " + HumanBytes(static_cast<double>(p.bytes_done));
    if (p.bytes_total) line += " / " + HumanBytes(static_cast<double>(p.bytes_total));
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %.0f MB/s", rate / 1e6);
    line += buf;
    if (p.bytes_total && rate > 0) {
      uint64_t phases_left = 0;
      if (!p.verifying && p.pass_count > 0 && Verified(mode, p.pass_index, p.pass_count)) ++phases_left;
      for (size_t j = p.pass_index + 1; j < p.pass_count; ++j)
        phases_left += 1 + (Verified(mode, j, p.pass_count) ? 1 : 0);
      double left = static_cast<double>(p.bytes_total - p.bytes_done) +
                    static_cast<double>(phases_left) * static_cast<double>(p.bytes_total);
      line += "  ETA " + Duration(left / rate);
    }
    line += "\033[K";
    if (p.bytes_total && p.bytes_done >= p.bytes_total) line += "\n";
    std::cerr << line << std::flush;
  };
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// Asks for the device path to be typed back, unless --yes was given.
Status ConfirmDestroy(const std::string& path, bool yes) {
  if (yes) return {};
  if (!isatty(STDIN_FILENO))
    return Fail(Code::kUsage, "wiping " + path + " destroys everything on it; confirm with --yes");
  std::cerr << "This destroys ALL data on " << path << ". Type the device path to confirm: ";
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != path) return Fail(Code::kUsage, "not confirmed; nothing was written");
  return {};
}

d::Signatory SignatoryOf(const vault::Identity& id) {
  return d::Signatory{id.public_identity().name, id.public_identity().ed25519};
}

struct WipeArgs {
  std::string target;
  std::string free_space;
  std::string method = "zero";
  uint32_t rounds = 1;
  std::string verify = "last";
  bool json = false;
  bool yes = false;
  std::string cert;
  std::string reason;
  std::string operator_id, operator_pass;
  std::string witness_id, witness_pass;
  d::RepairRecord repair;
  std::string organisation, location;
};

// Everything a person typed that ends up in the certificate must be UTF-8.
Status CheckText(const WipeArgs& a) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"--technician", &a.repair.technician}, {"--work", &a.repair.work},
      {"--state-before", &a.repair.state_before}, {"--state-after", &a.repair.state_after},
      {"--organisation", &a.organisation}, {"--location", &a.location},
      {"TARGET", &a.target}, {"--free-space", &a.free_space}};
  for (const auto& [flag, value] : fields)
    if (!IsValidUtf8(*value)) return Fail(Code::kUsage, std::string(flag) + " is not valid UTF-8");
  return {};
}

// Time spent writing and verifying, over all passes: the JSON and the text
// report both derive their rates from it.
struct PassSeconds {
  double write = 0, verify = 0;
};

PassSeconds SumPassSeconds(const d::WipeReport& r) {
  PassSeconds t;
  for (const auto& p : r.passes) {
    t.write += p.write_seconds;
    t.verify += p.verify_seconds;
  }
  return t;
}

Json ReportJson(const d::WipeReport& r, const std::string& cert, const std::string& pdf) {
  d::CertificateInput input;
  input.tool_version = kToolVersion;
  input.host = HostName();
  Json body = d::BuildCertificateBody(r, input);
  Json out = Json::object();
  for (const char* key : {"media", "sanitization", "verification", "times", "errors", "notes", "host"})
    if (const Json* v = FindMember(body, key)) out[key] = *v;
  const PassSeconds t = SumPassSeconds(r);
  Json timing = Json::object();
  timing["write_ms"] = static_cast<uint64_t>(t.write * 1000);
  timing["verify_ms"] = static_cast<uint64_t>(t.verify * 1000);
  timing["write_bytes_per_second"] = static_cast<uint64_t>(t.write > 0 ? static_cast<double>(r.bytes_written()) / t.write : 0);
  timing["verify_bytes_per_second"] = static_cast<uint64_t>(t.verify > 0 ? static_cast<double>(r.bytes_verified()) / t.verify : 0);
  out["timing"] = std::move(timing);
  out["certificate"] = cert;
  out["pdf"] = pdf;
  return out;
}

void PrintFacts(const d::DeviceFacts& f, d::TargetKind kind) {
  std::cerr << "custody: target " << f.path << " (" << d::TargetKindName(kind) << ")";
  if (!f.kernel_name.empty()) std::cerr << " on " << f.kernel_name;
  std::cerr << "\n";
  auto or_unknown = [](const std::string& s) { return s.empty() ? std::string("unknown") : s; };
  std::cerr << "  model " << or_unknown(f.model) << ", serial " << or_unknown(f.serial)
            << ", transport " << or_unknown(f.transport)
            << (kind == d::TargetKind::kBlockDevice ? ", size " : ", device size ")
            << HumanBytes(static_cast<double>(f.size_bytes)) << ", sectors "
            << f.logical_sector_size << "/" << f.physical_sector_size << ", rotational "
            << d::TristateName(f.rotational) << ", removable " << d::TristateName(f.removable)
            << ", HPA " << f.hpa << ", DCO " << f.dco << "\n";
}

void PrintNotes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) std::cerr << "custody: note: " << n << "\n";
}

// What RunWipe settles before the first byte is overwritten.
struct WipePlan {
  d::WipeOptions options;
  std::optional<d::Reason> reason;
  std::unique_ptr<vault::Identity> op, witness;  // op is set iff --cert was given
  std::string pdf_path;                          // empty without --cert
};

// Steps below return 0 to go on, else the exit code of an error they have
// already reported (Report never returns 0).

int CheckWipeArgs(const WipeArgs& a, WipePlan& plan) {
  if (a.target.empty() == a.free_space.empty())
    return Report(Error{Code::kUsage, "name exactly one of TARGET or --free-space DIR"},
                  "custody wipe /dev/sdX | custody wipe FILE | custody wipe --free-space DIR");
  if (auto s = CheckText(a); !s) return Report(s.error());
  auto method = d::ParseMethod(a.method);
  if (!method) return Report(method.error());
  auto verify = d::ParseVerifyMode(a.verify);
  if (!verify) return Report(verify.error());
  plan.options.method = *method;
  plan.options.rounds = a.rounds;
  plan.options.verify = *verify;
  return 0;
}

// Certificate arguments are checked, and identities unlocked, before
// anything is overwritten: a wrong passphrase must not leave a wiped
// device without its certificate.
int PrepareCertificate(const WipeArgs& a, WipePlan& plan) {
  const bool want_cert = !a.cert.empty();
  if (!a.reason.empty()) {
    auto r = d::ParseReason(a.reason);
    if (!r) return Report(r.error());
    plan.reason = *r;
  }
  if (!want_cert && (!a.operator_id.empty() || !a.witness_id.empty() || plan.reason ||
                     !a.repair.empty() || !a.organisation.empty() || !a.location.empty()))
    return Report(Error{Code::kUsage, "certificate options given without --cert OUT"},
                  "add --cert wipe.json to write a signed certificate");
  if (!want_cert) return 0;
  if (a.operator_id.empty())
    return Report(Error{Code::kUsage, "--cert needs --operator ID: certificates are signed"},
                  "custody id new --out operator.id --name NAME creates an identity");
  if (!plan.reason) return Report(Error{Code::kUsage, "--cert needs --reason repair|scrap|reuse|transfer"});
  if (*plan.reason == d::Reason::kScrap && a.witness_id.empty())
    return Report(Error{Code::kUsage, "--reason scrap needs --witness ID: scrapped media are "
                                      "destroyed under a witness (clause 7.3)"});
  if (*plan.reason == d::Reason::kRepair && (a.repair.technician.empty() || a.repair.work.empty()))
    return Report(Error{Code::kUsage, "--reason repair needs --technician and --work (the "
                                      "repair record of clause 7.1)"});
  plan.pdf_path = d::PdfPathFor(a.cert);
  for (const std::string& p : {a.cert, plan.pdf_path})
    if (access(p.c_str(), F_OK) == 0)
      return Report(Error{Code::kIo, p + " already exists; not overwriting it"});
  auto o = UnlockIdentity(a.operator_id, a.operator_pass, "operator");
  if (!o) return Report(o.error());
  plan.op = std::move(*o);
  if (!a.witness_id.empty()) {
    auto w = UnlockIdentity(a.witness_id, a.witness_pass, "witness");
    if (!w) return Report(w.error());
    plan.witness = std::move(*w);
    // As destroy and copy approval: a usage error, the same message.
    if (auto s = vault::RequireDistinctCosigner(*plan.op, *plan.witness, "witness", "operator"); !s)
      return Report(s.error());
  }
  return 0;
}

// Dispatches on what TARGET is (or --free-space) and runs the engine.
int WipeTarget(const WipeArgs& a, const d::WipeOptions& options,
               std::optional<d::WipeReport>& report) {
  Result<d::WipeReport> result;
  if (!a.free_space.empty()) {
    result = d::WipeFreeSpace(a.free_space, options);
  } else {
    struct stat st {};
    if (lstat(a.target.c_str(), &st) != 0)
      return Report(Error{Code::kNotFound, a.target + " does not exist"});
    if (S_ISBLK(st.st_mode)) {
      // Show what is about to be destroyed, and the flash warning, first.
      UniqueFd probe_fd(open(a.target.c_str(), O_RDONLY | O_CLOEXEC));
      if (probe_fd.valid()) {
        if (auto facts = d::ProbeBlockDevice(probe_fd.get(), a.target)) {
          PrintFacts(*facts, d::TargetKind::kBlockDevice);
          PrintNotes(facts->Warnings());
        }
      }
      probe_fd = UniqueFd();
      if (auto c = ConfirmDestroy(a.target, a.yes); !c) return Report(c.error());
      result = d::WipeBlockDevice(a.target, options);
    } else if (S_ISDIR(st.st_mode)) {
      return Report(Error{Code::kUsage, a.target + " is a directory"},
                    "to wipe the free space of its filesystem use --free-space " + a.target);
    } else {
      result = d::WipeFile(a.target, options);
    }
  }
  if (!result) return Report(result.error().With("wipe"));
  report = std::move(*result);
  return 0;
}

// Signs the certificate (operator, and witness if any), checks it verifies,
// and writes the JSON and its PDF rendering.
int WriteCertificate(const WipeArgs& a, const WipePlan& plan, const d::WipeReport& r) {
  d::CertificateInput input;
  input.reason = *plan.reason;
  input.operator_signatory = SignatoryOf(*plan.op);
  if (plan.witness) input.witness = SignatoryOf(*plan.witness);
  input.organisation = a.organisation;
  input.location = a.location;
  input.repair = a.repair;
  input.tool_version = kToolVersion;
  input.host = HostName();
  Json body = d::BuildCertificateBody(r, input);
  std::string body_bytes = WriteCanonicalJson(body);
  std::vector<d::CertificateSignature> sigs{
      d::SignCertificateBody(body_bytes, "operator", plan.op->signing())};
  // Name and key on separate lines: a key must not break across lines.
  std::vector<std::string> signed_by{"operator: " + input.operator_signatory.name + "\n" +
                                     input.operator_signatory.PublicText()};
  if (plan.witness) {
    sigs.push_back(d::SignCertificateBody(body_bytes, "witness", plan.witness->signing()));
    signed_by.push_back("witness: " + input.witness->name + "\n" + input.witness->PublicText());
  }
  std::string file = d::AssembleCertificate(body_bytes, sigs);
  // Self-check: the file we are about to hand out must verify.
  if (auto v = d::VerifyCertificate(file); !v) return Report(v.error().With("internal"));
  if (auto s = d::WriteNewFileDurably(a.cert, file); !s) return Report(s.error());
  if (auto s = d::WriteCertificatePdf(plan.pdf_path, body, body_bytes, signed_by); !s)
    return Report(s.error());
  return 0;
}

void PrintWipeText(const d::WipeReport& r, const std::string& cert_path,
                   const std::string& pdf_path) {
  const PassSeconds t = SumPassSeconds(r);
  char rate[96];
  std::snprintf(rate, sizeof rate, "%.0f MB/s write, %.0f MB/s verify",
                t.write > 0 ? static_cast<double>(r.bytes_written()) / t.write / 1e6 : 0.0,
                t.verify > 0 ? static_cast<double>(r.bytes_verified()) / t.verify / 1e6 : 0.0);
  std::cout << "wiped " << r.target << ": " << d::MethodName(r.method) << " x" << r.rounds
            << ", " << r.passes.size() << " pass(es) of " << HumanBytes(static_cast<double>(r.target_bytes))
            << " (" << rate << "); verification " << d::VerdictName(r.verdict());
  if (auto m = r.first_mismatch())
    std::cout << ": " << r.mismatched_bytes() << " byte(s) differ, first at offset " << *m;
  std::cout << "\n";
  if (r.kind == d::TargetKind::kFile)
    std::cout << (r.removed ? "removed " + r.target + " (renamed to a random name, then unlinked)"
                            : r.target + " NOT removed (left for examination)")
              << "\n";
  else if (r.kind == d::TargetKind::kFreeSpace)
    std::cout << (r.removed ? "removed the filler file from " : "filler file NOT removed from ")
              << r.target << "\n";
  if (!cert_path.empty()) std::cout << "certificate: " << cert_path << ", " << pdf_path << "\n";
}

// A finished wipe still fails if verification found other bytes or some
// regions could not be written or read.
int WipeOutcome(const d::WipeReport& r) {
  if (r.verdict() == d::WipeReport::Verdict::kFailed) {
    std::ostringstream msg;
    msg << "verification failed: " << r.mismatched_bytes() << " byte(s) differ from the final "
        << "pattern, first at offset " << r.first_mismatch().value_or(0);
    return ReportInResult(Error{Code::kCorrupt, msg.str()});
  }
  if (!r.errors.empty())
    return ReportInResult(Error{Code::kIo, std::to_string(r.errors.size()) +
                                       " region(s) could not be written or read; see the report"});
  return 0;
}

int RunWipe(const WipeArgs& a) {
  WipePlan plan;
  if (int rc = CheckWipeArgs(a, plan)) return rc;
  if (int rc = PrepareCertificate(a, plan)) return rc;

  plan.options.progress = TerminalProgress(plan.options.verify);
  // Block devices had their facts shown before the confirmation prompt;
  // files and free space show theirs before the first pass.
  plan.options.before_passes = [](const d::WipeReport& r) {
    if (r.kind == d::TargetKind::kBlockDevice) return;
    PrintFacts(r.device, r.kind);
    PrintNotes(r.notes);
  };
  plan.options.cancel = &g_cancel;
  SignalGuard signals;
  std::optional<d::WipeReport> report;
  if (int rc = WipeTarget(a, plan.options, report)) return rc;
  const d::WipeReport& r = *report;

  std::string cert_path;
  if (plan.op) {
    if (int rc = WriteCertificate(a, plan, r)) return rc;
    cert_path = a.cert;
  }

  if (a.json)
    std::cout << WriteJson(ReportJson(r, cert_path, plan.pdf_path)) << "\n";
  else
    PrintWipeText(r, cert_path, plan.pdf_path);
  return WipeOutcome(r);
}

struct CertVerifyArgs {
  std::string cert;
  std::string device;
  bool json = false;
};

// Size and serial of what --device names (a block device or an image file).
Result<d::DeviceFacts> ProbeForCheck(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(ErrnoError(errno, "open " + path));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat " + path));
  if (S_ISBLK(st.st_mode)) return d::ProbeBlockDevice(fd.get(), path);
  if (!S_ISREG(st.st_mode)) return Fail(Code::kUsage, path + " is neither a block device nor a file");
  d::DeviceFacts f;
  f.path = path;
  f.size_bytes = static_cast<uint64_t>(st.st_size);
  return f;
}

int RunCertVerify(const CertVerifyArgs& a) {
  auto bytes = ReadSmallFile(a.cert, d::kMaxCertificateSize, "a certificate");
  if (!bytes) return Report(bytes.error());
  auto v = d::VerifyCertificate(*bytes);
  if (!v) return Report(v.error().With(a.cert));
  const Json& body = v->body;
  std::string verdict = d::RecordedVerdict(body);

  Json out = Json::object();
  out["certificate"] = a.cert;
  out["signatures_valid"] = true;  // else VerifyCertificate failed above
  const auto person = [](const d::Signatory& s) {
    Json p = Json::object();
    p["name"] = s.name;
    p["public"] = s.PublicText();
    return p;
  };
  out["operator"] = person(v->operator_signatory);
  out["witness"] = v->witness ? person(*v->witness) : Json();
  out["recorded_verification"] = verdict;
  // The PDF tells its reader to compare this with the one it prints.
  const std::string digest =
      custody::ToHex(std::span<const uint8_t>(crypto::Blake2b256(v->body_bytes)));
  out["body_blake2b_256"] = digest;
  if (!a.json) {
    std::cout << a.cert << ": signatures valid\n  operator " << v->operator_signatory.name << " ("
              << v->operator_signatory.PublicText() << ")\n";
    if (v->witness)
      std::cout << "  witness  " << v->witness->name << " (" << v->witness->PublicText() << ")\n";
    else
      std::cout << "  witness  none\n";
    std::cout << "  recorded verification: " << verdict << "\n"
              << "  BLAKE2b-256 of body: " << digest << "\n";
  }

  int rc = 0;
  if (verdict == "failed") {
    rc = ReportInResult(Error{Code::kCorrupt, "the certificate is authentic but records a FAILED "
                                      "verification of the wipe"});
  }
  if (rc == 0 && !a.device.empty()) {
    auto fp = d::FinalPassOf(body);
    if (!fp) return Report(fp.error());
    auto facts = ProbeForCheck(a.device);
    if (!facts) return Report(facts.error());
    if (facts->size_bytes != fp->size)
      return Report(Error{Code::kCorrupt, a.device + " holds " + std::to_string(facts->size_bytes) +
                                              " bytes; the certificate covers " +
                                              std::to_string(fp->size)});
    if (!fp->serial.empty() && !facts->serial.empty() && fp->serial != facts->serial)
      return Report(Error{Code::kCorrupt, a.device + " has serial " + facts->serial +
                                              ", the certificate names serial " + fp->serial});
    SignalGuard signals;
    auto outcome = d::VerifyPath(a.device, fp->size, fp->pass, fp->seed, TerminalProgress(), &g_cancel);
    if (!outcome) return Report(outcome.error());
    Json dev = Json::object();
    dev["path"] = a.device;
    dev["final_pass"] = fp->pass.Describe();
    dev["bytes_compared"] = outcome->bytes_compared;
    dev["mismatched_bytes"] = outcome->mismatched_bytes;
    if (outcome->first_mismatch) dev["first_mismatch_offset"] = *outcome->first_mismatch;
    dev["result"] = outcome->ok() ? "passed" : "failed";
    dev["holds_final_pass"] = outcome->ok();
    out["device_check"] = std::move(dev);
    if (!a.json)
      std::cout << "  " << a.device << ": " << HumanBytes(static_cast<double>(outcome->bytes_compared))
                << " re-read with O_DIRECT, "
                << (outcome->ok() ? "holds the final pass (" + fp->pass.Describe() + ")"
                                  : "does NOT hold the final pass")
                << "\n";
    if (!outcome->ok())
      rc = ReportInResult(Error{Code::kCorrupt,
                        a.device + " does not hold the final pass: " +
                            std::to_string(outcome->mismatched_bytes) +
                            " byte(s) differ, first at offset " +
                            std::to_string(*outcome->first_mismatch)});
  }
  if (a.json) std::cout << WriteJson(out) << "\n";
  return rc;
}

}  // namespace

void RegisterWipeCommands(CLI::App& app) {
  auto wa = std::make_shared<WipeArgs>();
  CLI::App* wipe = app.add_subcommand(
      "wipe",
      "Overwrite and verify a block device, a file, or a filesystem's free space. Verification "
      "reads back with O_DIRECT; --cert writes a signed certificate (JSON + PDF). See docs/WIPE.md.");
  wipe->add_option("target", wa->target, "block device (/dev/sdX) or regular file");
  wipe->add_option("--free-space", wa->free_space,
                   "fill the free space of the filesystem holding DIR, sync, remove the filler");
  wipe->add_option("--method", wa->method, "zero (default), one, random, dod-3, dod-7, gutmann, bmb");
  wipe->add_option("--rounds", wa->rounds, "repeat the method's passes N times (default 1)")
      ->check(CLI::Range(1, 1000));
  wipe->add_option("--verify", wa->verify, "read back with O_DIRECT: off, last (default), all");
  wipe->add_flag("--json", wa->json, "print the result as JSON on stdout");
  wipe->add_flag("-y,--yes", wa->yes, "do not ask before destroying a block device");
  wipe->add_option("--cert", wa->cert, "write a signed certificate to OUT (and OUT's .pdf)");
  wipe->add_option("--reason", wa->reason, "repair, scrap, reuse or transfer (with --cert)");
  wipe->add_option("--operator", wa->operator_id, "identity file of the operator (signs)");
  wipe->add_option("--operator-passphrase-file", wa->operator_pass, "operator passphrase file");
  wipe->add_option("--witness", wa->witness_id, "identity file of the witness (co-signs)");
  wipe->add_option("--witness-passphrase-file", wa->witness_pass, "witness passphrase file");
  wipe->add_option("--technician", wa->repair.technician, "repair record: who repairs the device");
  wipe->add_option("--work", wa->repair.work, "repair record: what work is done");
  wipe->add_option("--state-before", wa->repair.state_before, "repair record: state before");
  wipe->add_option("--state-after", wa->repair.state_after, "repair record: state after");
  wipe->add_option("--organisation", wa->organisation, "the operator's organisation");
  wipe->add_option("--location", wa->location, "where the wipe took place");
  wipe->footer(kExitCodesHelp);
  SetBody(wipe, [wa] { return RunWipe(*wa); });

  CLI::App* cert = app.add_subcommand("cert", "Certificates of sanitization");
  cert->require_subcommand(1);
  auto ca = std::make_shared<CertVerifyArgs>();
  CLI::App* verify = cert->add_subcommand(
      "verify",
      "Check a certificate's signatures (operator, and witness if named; they must differ) "
      "and, with --device, that the device still holds the final pass");
  verify->add_option("cert", ca->cert, "certificate JSON file")->required();
  verify->add_option("--device", ca->device,
                     "block device (or image file) to re-read with O_DIRECT and compare");
  verify->add_flag("--json", ca->json, "print the result as JSON on stdout");
  verify->footer(kExitCodesHelp);
  SetBody(verify, [ca] { return RunCertVerify(*ca); });
}

}  // namespace custody::cli
