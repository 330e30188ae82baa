// Crash-consistency tests (issue 4, part 1): the real vault operations (init,
// grant, revoke, add of one and of several files, extract, destroy, a commit
// that writes a checkpoint) run through the fault-injecting in-memory Env of
// tests/testutil/fault_env.h. After every mutating call of every operation
// the filesystem is crashed many ways (un-synced writes kept, dropped or torn
// at 512 B / 4 KiB; directory entries not yet synced vanish), and writes and
// syncs are failed with EIO and ENOSPC. Every resulting state must open, hold
// exactly the committed state before the operation or that state plus the
// whole operation (never part of it), give the same state when opened twice,
// extract every visible document bit-exact, and pass Vault::Audit.
//
// CI runs CUSTODY_CRASH_STATES (default 10000) crash states for the main
// scenario (a tenth of that for the destroy scenario, a fiftieth for the
// checkpoint one), plus the states left by every injected write/sync failure.
// The seed is random and printed; CUSTODY_CRASH_SEED replays a run.
//
// Longer run (about 1 ms per state and MB of vault; ~30 min for 1e6):
//   cmake -S . -B build && make -C build -j"$(nproc)" crash_tests
//   CUSTODY_CRASH_STATES=1000000 build/tests/crash/crash_tests '[crash]' -d yes
// Replay a failure: CUSTODY_CRASH_SEED=<seed printed> CUSTODY_CRASH_STATES=<same> ...
#include <catch2/catch.hpp>

#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/hardening.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"
#include "base/env.h"
#include "vault/identity/identity.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"
#include "tests/testutil/vault_levels.h"

namespace fs = std::filesystem;
namespace crypto = custody::crypto;
namespace vault = custody::vault;
namespace format = custody::format;
using custody::Code;
using custody::Status;
using custody::testutil::CrashCopy;
using custody::testutil::CrashSpec;
using custody::testutil::FaultEnv;
using custody::testutil::MemFs;
using vault::Identity;
using vault::Vault;

namespace {

const bool kInitialized = [] {
  // Every pipeline run (add, extract, audit) allocates ~12 MiB of chunk
  // buffers; keep them on the heap instead of fresh mmaps so that millions
  // of states are not spent in page faults.
  ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return crypto::InitializeProcess().has_value();
}();
const std::string kVaultDir = "/vaults";
const std::string kVault = kVaultDir + "/registry.cv";

uint64_t EnvNumber(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  return std::strtoull(v, nullptr, 10);
}

uint64_t Seed() {
  static const uint64_t seed = [] {
    uint64_t s = EnvNumber("CUSTODY_CRASH_SEED", 0);
    if (s == 0) s = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    return s;
  }();
  return seed;
}

uint64_t TargetStates() { return EnvNumber("CUSTODY_CRASH_STATES", 10000); }

// Identities are made once, kept in memory, never written to the crash FS.
struct People {
  std::unique_ptr<Identity> officer = Identity::Generate("Officer Olga");
  std::unique_ptr<Identity> bob = Identity::Generate("Bob Staff");
  std::unique_ptr<Identity> carol = Identity::Generate("Carol Officer");
};
People& P() {
  static People p;
  return p;
}

// Input files for Add live on a real filesystem (Add reads them directly):
// a testutil::TempDir on tmpfs; TempDir::Write(name, data) returns the path.
using custody::testutil::TempDir;

std::string PseudoRandom(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// What the ledger says, without anything random (ids, times, hashes): the
// same operation run twice gives the same semantic signature.
std::string SemanticSig(const Vault& v) {
  const auto& s = v.TEST_state();
  std::ostringstream o;
  o << "events=" << s.event_count;
  for (const auto& [k, m] : s.members)
    o << " member(" << m.keys().name() << " role=" << m.role() << " clr=" << m.clearance()
      << (m.revoked() ? " revoked" : "") << ")";
  o << " epochs=";
  for (auto e : s.epochs) o << e << ",";
  auto listed = s.catalog.ForEach([&](const format::DocumentState& d) -> custody::Status {
    o << " doc(" << d.added().reg_no() << " L" << d.added().level() << (d.destroyed() ? " destroyed" : "")
      << " x" << d.extract_count() << " old" << d.old_keys_size() << " erased" << d.erased_keys_size()
      << (d.has_review() ? " reviewed" : "") << ")";
    return {};
  });
  if (!listed) o << " CATALOG FAILED: " << listed.error().message;
  return o.str();
}

// Everything, including ids, offsets and what List decrypts.
std::string ExactSig(const Vault& v, const Identity& who) {
  const auto& s = v.TEST_state();
  std::ostringstream o;
  o << SemanticSig(v) << " head=" << custody::ToHex(s.ledger_head)
    << " end=" << v.TEST_container().superblock().committed_end()
    << " seq=" << v.TEST_container().superblock().sequence();
  auto listed = s.catalog.ForEach([&](const format::DocumentState& d) -> custody::Status {
    o << " [" << d.added().reg_no() << " " << custody::ToHex(d.added().doc_id()) << " @"
      << d.added().extent().offset() << " k@" << d.key().offset() << "]";
    return {};
  });
  if (!listed) o << " CATALOG FAILED: " << listed.error().message;
  auto list = v.List(who, true);
  if (!list) {
    o << " LIST FAILED: " << list.error().message;
  } else {
    for (const auto& d : *list)
      o << " {" << d.reg_no << "|" << d.title << "|" << d.file_name << "|" << d.size << "|"
        << d.added_unix << "|" << d.added_by << "|" << d.destroyed << "}";
  }
  return o.str();
}

// One possible outcome of an operation.
struct Expect {
  bool exists = false;                       // false: no vault at all (before init)
  std::string sig;                           // SemanticSig
  std::map<std::string, std::string> docs;   // live documents: reg -> content
};

Status ExtractToMemory(Vault& v, const Identity& who, const std::string& reg, std::string* out) {
  int fd = ::memfd_create("custody-crash-doc", MFD_CLOEXEC);
  if (fd < 0) return custody::Fail(Code::kIo, std::string("memfd_create: ") + std::strerror(errno));
  vault::ExtractRequest req;
  req.reg_no = reg;
  req.out_path = "-";
  req.out_fd = fd;
  req.purpose = "crash check";
  Status s = v.Extract(who, req);
  if (s) {
    struct stat st;
    ::fstat(fd, &st);
    out->assign(static_cast<size_t>(st.st_size), '\0');
    if (::pread(fd, out->data(), out->size(), 0) != static_cast<ssize_t>(out->size()))
      s = custody::Fail(Code::kIo, "reading back the memfd");
  }
  ::close(fd);
  return s;
}

// Checks crash states and counts them.
class Checker {
 public:
  uint64_t checked = 0;        // states checked
  uint64_t distinct = 0;       // of which distinct (by filesystem fingerprint)
  uint64_t failed = 0;
  uint64_t absent = 0, matched_before = 0, matched_after = 0;
  uint64_t extracted_states = 0;
  std::vector<std::string> failures;

  // The vault's log as committed before the operation under test (null:
  // extract every document in every state).
  struct Base {
    uint64_t end = 0;
    std::string log;  // bytes [kLogStart, end)
  };
  void SetBase(const Base* base) { base_ = base; }

  // Checks `fs` against the allowed outcomes; returns the index matched or -1.
  // `distinct_state`: the caller knows this state was not checked before.
  int Check(MemFs fs, const std::vector<const Expect*>& allowed, const std::string& ctx,
            bool distinct_state = true) {
    ++checked;
    if (distinct_state) ++distinct;
    const Identity& who = *P().officer;
    FaultEnv env(std::move(fs));
    auto v1 = Vault::Open(kVault, Vault::Access::kRead, &env);
    if (!v1) {
      if (v1.error().code == Code::kNotFound) {
        for (size_t i = 0; i < allowed.size(); ++i) {
          if (allowed[i]->exists) continue;
          auto a = Vault::Audit(kVault, &env);
          if (a || a.error().code != Code::kNotFound)
            return Failed(ctx, "open says not found but audit does not");
          ++absent;
          return static_cast<int>(i);
        }
      }
      return Failed(ctx, "open failed: [" + std::string(custody::CodeName(v1.error().code)) +
                             "] " + v1.error().message);
    }
    const std::string sem = SemanticSig(**v1);
    int match = -1;
    for (size_t i = 0; i < allowed.size(); ++i)
      if (allowed[i]->exists && allowed[i]->sig == sem) match = static_cast<int>(i);
    if (match < 0) {
      std::string want;
      for (const auto* a : allowed) want += "\n    allowed: " + (a->exists ? a->sig : "(no vault)");
      return Failed(ctx, "state is neither before nor after the operation (partly visible?)\n    got:     " +
                             sem + want);
    }
    const Expect& e = *allowed[static_cast<size_t>(match)];
    const std::string x1 = ExactSig(**v1, who);
    v1->reset();
    auto v2 = Vault::Open(kVault, Vault::Access::kRead, &env);
    if (!v2) return Failed(ctx, "second open failed: " + v2.error().message);
    const std::string x2 = ExactSig(**v2, who);
    if (x1 != x2) return Failed(ctx, "two opens differ:\n    " + x1 + "\n    " + x2);
    auto live = (*v2)->List(who, false);
    if (!live) return Failed(ctx, "list failed: " + live.error().message);
    std::set<std::string> listed, want;
    for (const auto& d : *live) listed.insert(d.reg_no);
    for (const auto& [reg, c] : e.docs) want.insert(reg);
    if (listed != want) return Failed(ctx, "listed documents differ from the committed ones");
    v2->reset();
    // Recovery is the next write access: it completes a destruction whose
    // overwrite the crash interrupted (until then audit rightly reports the
    // document's bytes as still present). It must succeed in every state.
    {
      auto before = Vault::Audit(kVault, &env);
      if (!before) return Failed(ctx, "audit could not read the vault: " + before.error().message);
      for (const auto& p : before->problems)
        if (p.message.find("not overwritten") == std::string::npos)
          return Failed(ctx, "audit before recovery: " + p.where + ": " + p.message);
      auto w = Vault::Open(kVault, Vault::Access::kWrite, &env);
      if (!w) return Failed(ctx, "recovery (open for writing) failed: " + w.error().message);
    }
    auto audit = Vault::Audit(kVault, &env);
    if (!audit) return Failed(ctx, "audit could not read the vault: " + audit.error().message);
    if (!audit->ok()) {
      std::string all;
      for (const auto& p : audit->problems) all += "\n    " + p.where + ": " + p.message;
      return Failed(ctx, "audit found problems:" + all);
    }
    // Every visible document extracts bit-exact (through a writer, which
    // also commits over whatever torn tail the crash left). To keep states
    // cheap, a document whose key record and extent lie in the part of the
    // log committed before the operation is extracted only in every 16th
    // state (and every fault run): elsewhere that part of the file is
    // checked to be byte-for-byte what it was before the operation, where
    // the document did extract bit-exact (the log is append-only).
    const bool full = base_ == nullptr || checked % 16 == 0 || std::getenv("CUSTODY_CRASH_FULL");
    std::vector<std::string> to_extract;
    if (!full) {
      const MemFs snap = env.Snapshot();  // keep it alive: Contents points into it
      const std::string* bytes = snap.Contents(kVault);
      if (bytes == nullptr || bytes->size() < base_->end ||
          bytes->compare(format::kLogStart, base_->end - format::kLogStart, base_->log) != 0)
        return Failed(ctx, "the log committed before the operation changed");
    }
    {
      auto v3 = Vault::Open(kVault, Vault::Access::kRead, &env);
      if (!v3) return Failed(ctx, "third open failed: " + v3.error().message);
      for (const auto& [reg, content] : e.docs) {
        const auto* d = (*v3)->TEST_state().FindDocument(reg).value();
        if (d == nullptr) return Failed(ctx, "document " + reg + " missing from the state");
        if (full || d->key().offset() >= base_->end || d->added().extent().offset() >= base_->end)
          to_extract.push_back(reg);
      }
    }
    if (!to_extract.empty()) {
      auto w = Vault::Open(kVault, Vault::Access::kWrite, &env);
      if (!w) return Failed(ctx, "open for writing failed: " + w.error().message);
      for (const auto& reg : to_extract) {
        std::string got;
        const std::string& content = e.docs.at(reg);
        if (auto s = ExtractToMemory(**w, who, reg, &got); !s)
          return Failed(ctx, "extract of " + reg + " failed: " + s.error().message);
        if (got != content)
          return Failed(ctx, "extract of " + reg + " is not bit-exact (" + std::to_string(got.size()) +
                                 " bytes, expected " + std::to_string(content.size()) + ")");
      }
      w->reset();
      ++extracted_states;
      if (checked % 8 == 0) {
        auto again = Vault::Audit(kVault, &env);
        if (!again || !again->ok())
          return Failed(ctx, "audit after extracting over the crash state fails");
      }
    }
    if (match == 0) ++matched_before;
    else ++matched_after;
    return match;
  }

  int Failed(const std::string& ctx, const std::string& msg) {
    ++failed;
    if (failures.size() < 12) failures.push_back(ctx + ": " + msg);
    return -1;
  }

  void Report(const std::string& scenario, double seconds) {
    std::cout << scenario << ": crash states checked: " << checked << " (" << distinct
              << " distinct crash choices at the crash points, the rest after injected faults; " << absent << " without a vault, " << matched_before
              << " at the previous commit, " << matched_after
              << " with the operation whole; documents extracted in " << extracted_states
              << "), failures: " << failed << ", seed " << Seed()
              << ", " << seconds << " s" << std::endl;
    for (const auto& f : failures) UNSCOPED_INFO(f);
  }

 private:
  const Base* base_ = nullptr;
};

// An operation of a scenario.
struct Step {
  std::string name;
  // Runs the operation through `env`; returns the registration numbers it
  // added (if any).
  std::function<custody::Result<std::vector<std::string>>(custody::Env*)> run;
  // Applies the operation to the model of live documents.
  std::function<void(std::map<std::string, std::string>&, const std::vector<std::string>&)> update;
  bool crash = true;  // enumerate crash states and faults for it
};

using Result = custody::Result<std::vector<std::string>>;

Step Create() {
  return {"init", [](custody::Env* env) -> Result {
            auto s = Vault::Create(kVault, *P().officer, vault::kDefaultLevels, "CRASH TEST", env);
            if (!s) return std::unexpected(s.error());
            return std::vector<std::string>{};
          },
          nullptr};
}

template <typename F>
Step WithVault(std::string name, F op, bool crash = true) {
  return {std::move(name),
          [op](custody::Env* env) -> Result {
            auto v = Vault::Open(kVault, Vault::Access::kWrite, env);
            if (!v) return std::unexpected(v.error());
            return op(**v);
          },
          nullptr, crash};
}

Step Grant(const Identity& who, int clearance, vault::Role role, bool crash = true) {
  return WithVault("grant " + who.public_identity().name,
                   [&who, clearance, role](Vault& v) -> Result {
                     auto s = v.Grant(*P().officer, who.public_identity(), role, custody::testutil::ClearanceAt(v, clearance));
                     if (!s) return std::unexpected(s.error());
                     return std::vector<std::string>{};
                   },
                   crash);
}

Step Revoke(const Identity& who) {
  return WithVault("revoke " + who.public_identity().name, [&who](Vault& v) -> Result {
    auto s = v.Revoke(*P().officer, who.public_identity());
    if (!s) return std::unexpected(s.error());
    return std::vector<std::string>{};
  });
}

Step Add(TempDir& in, std::vector<std::pair<std::string, std::string>> files, int level) {
  std::vector<vault::AddRequest> reqs;
  std::vector<std::string> contents;
  std::string name = "add";
  for (const auto& [n, data] : files) {
    reqs.push_back({in.Write(n, data), "Title of " + n, "", ""});
    contents.push_back(data);
    name += " " + n + "(" + std::to_string(data.size()) + " B)";
  }
  Step s = WithVault(name, [reqs, level](Vault& v) -> Result {
    return v.Add(*P().officer, reqs, custody::testutil::LevelAt(v, level));
  });
  s.update = [contents](std::map<std::string, std::string>& docs,
                        const std::vector<std::string>& regs) {
    for (size_t i = 0; i < regs.size() && i < contents.size(); ++i) docs[regs[i]] = contents[i];
  };
  return s;
}

// Extracts the n-th live document (in registration order) to a memfd.
Step Extract(size_t n) {
  return WithVault("extract #" + std::to_string(n), [n](Vault& v) -> Result {
    auto list = v.List(*P().officer, false);
    if (!list) return std::unexpected(list.error());
    REQUIRE(list->size() > n);
    std::string got;
    auto s = ExtractToMemory(v, *P().officer, list->at(n).reg_no, &got);
    if (!s) return std::unexpected(s.error());
    return std::vector<std::string>{};
  });
}

// Destroys the n-th live document, witnessed by carol.
Step Destroy(size_t n) {
  auto doomed = std::make_shared<std::string>();
  Step s = WithVault("destroy #" + std::to_string(n), [n, doomed](Vault& v) -> Result {
    auto list = v.List(*P().officer, false);
    if (!list) return std::unexpected(list.error());
    REQUIRE(list->size() > n);
    *doomed = list->at(n).reg_no;
    auto st = v.Destroy(*P().officer, *P().carol, *doomed, "crash test");
    if (!st) return std::unexpected(st.error());
    return std::vector<std::string>{};
  });
  s.update = [doomed](std::map<std::string, std::string>& docs, const std::vector<std::string>&) {
    docs.erase(*doomed);
  };
  return s;
}

// Reviews (officer) then approves (carol) the declassification of the n-th
// live document to level 0: two steps, each crashed separately.
Step Declassify(size_t n, bool approve) {
  return WithVault(std::string(approve ? "approve" : "review") + " declassification #" + std::to_string(n),
                   [n, approve](Vault& v) -> Result {
                     auto list = v.List(*P().officer, false);
                     if (!list) return std::unexpected(list.error());
                     REQUIRE(list->size() > n);
                     const std::string reg = list->at(n).reg_no;
                     auto st = approve ? v.ApproveDeclassification(*P().carol, reg)
                                       : v.ReviewDeclassification(*P().officer, reg,
                                                                  custody::testutil::LevelAt(v, 0), "crash test");
                     if (!st) return std::unexpected(st.error());
                     return std::vector<std::string>{};
                   });
}

Expect Observe(const MemFs& fs, const std::map<std::string, std::string>& docs) {
  FaultEnv env(fs.Clone());
  auto v = Vault::Open(kVault, Vault::Access::kRead, &env);
  REQUIRE(v);
  return Expect{true, SemanticSig(**v), docs};
}

// Runs the scenario: each step once for real (recording the filesystem after
// every mutating call), then crash states of every recorded point, then every
// write and every sync of the step failed with EIO and with ENOSPC.
void RunScenario(const std::string& scenario, const std::vector<Step>& steps, uint64_t target,
                 Checker& ck, bool always_extract_all = false) {
  REQUIRE(kInitialized);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t seed = Seed() ^ std::hash<std::string>{}(scenario);
  std::cout << scenario << ": seed " << Seed() << " (CUSTODY_CRASH_SEED), target "
            << target << " crash states (CUSTODY_CRASH_STATES)" << std::endl;

  // Pass 1: count the crash points, to spread the states over them.
  uint64_t total_points = 0;
  {
    MemFs fs;
    for (const auto& st : steps) {
      FaultEnv env(std::move(fs));
      auto r = st.run(&env);
      if (!r) FAIL(scenario << ": " << st.name << " failed without faults: " << r.error().message);
      if (st.crash) total_points += env.mutating_ops() + 1;
      fs = env.Snapshot();
    }
  }
  uint64_t points_left = total_points, states_left = target;
  uint64_t fault_runs = 0;

  MemFs fs;
  Expect before;  // no vault yet
  std::map<std::string, std::string> docs;
  for (size_t si = 0; si < steps.size(); ++si) {
    const Step& st = steps[si];
    std::vector<std::pair<MemFs, std::string>> points;
    FaultEnv env(fs.Clone());
    if (st.crash) {
      points.emplace_back(env.Snapshot(), "before the first call");
      env.SetOpHook([&](const MemFs& f, const std::string& what) {
        points.emplace_back(f.Clone(), "after " + what);
      });
    }
    auto r = st.run(&env);
    env.SetOpHook(nullptr);
    if (!r) FAIL(scenario << ": " << st.name << " failed without faults: " << r.error().message);
    const uint64_t writes = env.writes(), syncs = env.syncs();
    MemFs after_fs = env.Snapshot();
    if (st.update) st.update(docs, *r);
    Expect after = Observe(after_fs, docs);
    if (before.exists && after.sig == before.sig) FAIL(st.name << " changed nothing");

    Checker::Base base;
    ck.SetBase(nullptr);
    if (const std::string* bytes = fs.Contents(kVault); bytes && !always_extract_all) {
      FaultEnv benv(fs.Clone());
      auto bv = Vault::Open(kVault, Vault::Access::kRead, &benv);
      REQUIRE(bv);
      base.end = (*bv)->TEST_container().superblock().committed_end();
      base.log = bytes->substr(format::kLogStart, base.end - format::kLogStart);
      ck.SetBase(&base);
    }
    if (st.crash) {
      const std::vector<const Expect*> allowed = {&before, &after};
      // Poor points (few pending writes) first, so the rich ones absorb the
      // budget the poor ones cannot use.
      std::vector<size_t> order(points.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return points[a].first.PendingWrites() < points[b].first.PendingWrites();
      });
      // The budget left for this step's points, spread evenly among them.
      uint64_t step_points = points.size();
      uint64_t step_budget = points_left ? states_left * step_points / points_left : 0;
      if (si + 1 == steps.size() || points_left == step_points) step_budget = states_left;
      uint64_t step_done = 0;
      std::set<uint64_t> seen;
      for (size_t oi = 0; oi < order.size(); ++oi) {
        const auto& [pfs, what] = points[order[oi]];
        uint64_t quota = (step_budget - std::min(step_budget, step_done)) / (order.size() - oi);
        quota = std::max<uint64_t>(quota, 2);
        uint64_t got = 0;
        for (uint64_t attempt = 0; got < quota && attempt < quota * 4 + 8; ++attempt) {
          CrashSpec spec;
          spec.style = attempt == 0   ? CrashSpec::Style::kDurableOnly
                       : attempt == 1 ? CrashSpec::Style::kEverything
                                      : CrashSpec::Style::kRandom;
          spec.seed = seed ^ (si * 0x9E3779B97F4A7C15ull) ^ (order[oi] << 20) ^ attempt;
          std::string desc;
          uint64_t choices = 0;
          MemFs crashed = CrashCopy(pfs, spec, &desc, &choices);
          if (!seen.insert(choices ^ (order[oi] * 0x9E3779B97F4A7C15ull)).second) continue;
          ++got;
          std::ostringstream ctx;
          ctx << scenario << " / " << st.name << " / crash " << what << " (point " << order[oi]
              << ", variant " << attempt << ": " << desc << ") seed " << Seed();
          ck.Check(std::move(crashed), allowed, ctx.str());
        }
        step_done += got;
      }
      // Top up from the richest points if the poor ones left budget unused.
      for (int round = 0; step_done < step_budget && round < 512; ++round) {
        uint64_t before_round = step_done;
        for (size_t oi = order.size(); oi-- > 0 && step_done < step_budget;) {
          const auto& [pfs, what] = points[order[oi]];
          if (pfs.PendingWrites() == 0) break;
          for (uint64_t t = 0; t < 32 && step_done < step_budget; ++t) {
            CrashSpec spec;
            spec.seed = seed ^ (si * 0x9E3779B97F4A7C15ull) ^ (order[oi] << 20) ^
                        ((round + 1ull) << 40) ^ t;
            std::string desc;
            uint64_t choices = 0;
            MemFs crashed = CrashCopy(pfs, spec, &desc, &choices);
            if (!seen.insert(choices ^ (order[oi] * 0x9E3779B97F4A7C15ull)).second) continue;
            ++step_done;
            std::ostringstream ctx;
            ctx << scenario << " / " << st.name << " / crash " << what << " (point " << order[oi]
                << ", top-up: " << desc << ") seed " << Seed();
            ck.Check(std::move(crashed), allowed, ctx.str());
          }
        }
        if (step_done == before_round) break;
      }
      states_left -= std::min(states_left, step_done);
      points_left -= std::min(points_left, step_points);

      // Faults: every write and every sync of the operation, EIO and ENOSPC.
      for (int kind = 0; kind < 2; ++kind) {
        const uint64_t n_ops = kind == 0 ? writes : syncs;
        for (uint64_t n = 0; n < n_ops; ++n) {
          for (int err : {EIO, ENOSPC}) {
            ++fault_runs;
            std::ostringstream ctx;
            ctx << scenario << " / " << st.name << " / " << (err == EIO ? "EIO" : "ENOSPC")
                << " on " << (kind == 0 ? "write #" : "sync #") << n << " seed " << Seed();
            FaultEnv fenv(fs.Clone());
            fenv.Arm(kind == 0 ? static_cast<int>(n) : -1, kind == 1 ? static_cast<int>(n) : -1, err);
            auto fr = st.run(&fenv);
            if (!fenv.fault_fired()) continue;
            if (fr) {
              ck.Failed(ctx.str(), "the operation succeeded although the " +
                                       std::string(kind == 0 ? "write" : "sync") + " failed");
            } else if (fr.error().code != Code::kIo) {
              ck.Failed(ctx.str(), "error code " + std::string(custody::CodeName(fr.error().code)) +
                                       ", expected i/o: " + fr.error().message);
            } else if (err == ENOSPC &&
                       fr.error().message.find("no space left") == std::string::npos) {
              ck.Failed(ctx.str(), "ENOSPC not reported as disk full: " + fr.error().message);
            }
            for (const auto& v : fenv.violations())
              ck.Failed(ctx.str(), "retried over data whose sync failed: " + v);
            fenv.Disarm();
            // A failed write: the commit never started, so exactly the
            // previous state. A failed sync: the commit may or may not have
            // happened, but whole or not at all.
            std::vector<const Expect*> ok = {&before};
            if (kind == 1) ok.push_back(&after);
            // A destroy whose overwrite fails after its commit says so: the
            // destruction is recorded (and finished by the next writer).
            if (!fr && fr.error().message.find("is recorded, but overwriting") != std::string::npos &&
                kind == 0)
              ok.push_back(&after);
            MemFs now = fenv.Snapshot();
            ck.Check(now.Clone(), ok, ctx.str() + " / as left", false);
            for (uint64_t c = 0; c < 2; ++c) {
              CrashSpec spec;
              spec.style = c == 0 ? CrashSpec::Style::kDurableOnly : CrashSpec::Style::kRandom;
              spec.seed = seed ^ (fault_runs << 8) ^ c;
              std::string desc;
              MemFs crashed = CrashCopy(now, spec, &desc);
              ck.Check(std::move(crashed), ok, ctx.str() + " / then crash (" + desc + ")", false);
            }
          }
        }
      }
    }
    fs = std::move(after_fs);
    before = std::move(after);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << scenario << ": " << steps.size() << " operations, " << total_points
            << " crash points, " << fault_runs << " fault runs" << std::endl;
  ck.Report(scenario, secs);
}

}  // namespace

// ============================================================ the fault env itself

TEST_CASE("FaultEnvModelsSyncsTornWritesAndVanishingNames", "[crash][faultenv]") {
  FaultEnv env;
  auto f = env.Open("/d/a", custody::OpenMode::kCreateNew);
  REQUIRE(f);
  std::string one(10000, '1'), two(10000, '2');
  auto bytes = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  REQUIRE((*f)->WriteAt(0, bytes(one)));
  REQUIRE((*f)->Sync());
  // Synced data but an unsynced name: the file vanishes.
  CHECK(CrashCopy(env.Snapshot(), {CrashSpec::Style::kDurableOnly, 0}).names.empty());
  REQUIRE(env.SyncDir("/d"));
  REQUIRE((*f)->WriteAt(0, bytes(two)));
  MemFs snap = env.Snapshot();
  CHECK(*CrashCopy(snap, {CrashSpec::Style::kDurableOnly, 0}).Contents("/d/a") == one);
  CHECK(*CrashCopy(snap, {CrashSpec::Style::kEverything, 0}).Contents("/d/a") == two);
  // Random crashes: kept, dropped, or torn at a sector boundary.
  std::set<std::string> seen;
  for (uint64_t s = 0; s < 200; ++s) {
    std::string c = *CrashCopy(snap, {CrashSpec::Style::kRandom, s}).Contents("/d/a");
    REQUIRE(c.size() == 10000);
    size_t cut = c.find('1');
    if (cut == std::string::npos) cut = c.size();
    CHECK(c.substr(0, cut) == two.substr(0, cut));
    CHECK(c.substr(cut) == one.substr(cut));
    CHECK((cut == 0 || cut == 10000 || cut % 512 == 0));
    seen.insert(c);
  }
  CHECK(seen.size() > 5);
  // A failed sync poisons: a later successful sync does not make it durable,
  // and the retry is recorded.
  env.Arm(-1, 0, EIO);
  auto s = (*f)->Sync();
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kIo);
  env.Disarm();
  REQUIRE((*f)->Sync());
  CHECK(*CrashCopy(env.Snapshot(), {CrashSpec::Style::kDurableOnly, 0}).Contents("/d/a") == one);
  CHECK(env.violations().size() == 1);
  // ENOSPC on a write is a disk-full I/O error.
  env.Arm(0, -1, ENOSPC);
  auto w = (*f)->WriteAt(0, bytes(one));
  REQUIRE_FALSE(w);
  CHECK(w.error().message.find("no space left") != std::string::npos);
  // Renamed, not synced: the old name comes back.
  env.Disarm();
  REQUIRE(env.Rename("/d/a", "/d/b", false));
  MemFs crashed = CrashCopy(env.Snapshot(), {CrashSpec::Style::kDurableOnly, 0});
  CHECK(crashed.Contents("/d/a") != nullptr);
  CHECK(crashed.Contents("/d/b") == nullptr);
}

// ============================================================ scenarios

TEST_CASE("EveryCrashStateOfEveryOperationIsBeforeOrAfterIt", "[crash]") {
  TempDir in;
  People& p = P();
  const std::vector<Step> steps = {
      Create(),
      Grant(*p.bob, 1, vault::Role::kStaff),
      Add(in, {{"a.txt", PseudoRandom(10000, 1)}}, 0),
      // Several files in one call: all or none. One spans two chunks.
      Add(in, {{"b.bin", PseudoRandom(1048576 + 60000, 2)}, {"c.txt", PseudoRandom(7000, 3)},
               {"empty", ""}}, 1),
      Grant(*p.carol, 3, vault::Role::kOfficer),
      Revoke(*p.bob),  // re-wraps a, b, c and empty
      Extract(0),
      Add(in, {{"d.bin", PseudoRandom(1048576 + 300000, 4)}}, 3),
  };
  Checker ck;
  RunScenario("main", steps, TargetStates(), ck);
  std::cout << "crash states checked: " << ck.checked << std::endl;
  CHECK(ck.failed == 0);
  CHECK(ck.checked >= TargetStates());
}

TEST_CASE("CrashStatesOfACommitThatWritesACheckpoint", "[crash][checkpoint]") {
  TempDir in;
  People& p = P();
  std::vector<Step> steps = {Create()};
  // 1 + 254 events (set up without crashes, on one open vault); the next
  // commit reaches 256 events and appends a checkpoint.
  steps.push_back(WithVault("254 grants", [&p](Vault& v) -> Result {
    for (int i = 0; i < 254; ++i) {
      auto s = v.Grant(*P().officer, p.bob->public_identity(), vault::Role::kStaff, custody::testutil::ClearanceAt(v, 1));
      if (!s) return std::unexpected(s.error());
    }
    return std::vector<std::string>{};
  }, /*crash=*/false));
  steps.push_back(Add(in, {{"cp.bin", PseudoRandom(300000, 9)}}, 1));
  steps.push_back(Grant(*p.carol, 2, vault::Role::kOfficer));  // opens from the checkpoint
  steps.front().crash = false;
  Checker ck;
  // Each open of this vault replays 256 signed events: keep the count small.
  RunScenario("checkpoint", steps, std::max<uint64_t>(TargetStates() / 50, 100), ck);
  std::cout << "crash states checked: " << ck.checked << std::endl;
  CHECK(ck.failed == 0);
}

// Regression (fixed: Destroy now commits first, then erases, and the next
// write open finishes an interrupted erasure). Was: Vault::Destroy overwrote the document's key records and extent in
// place and syncs *before* the DocumentDestroyed event is committed. A crash
// (or a failed write/sync) between that sync and the commit leaves a
// document that the ledger says is live but whose key record and ciphertext
// are zero: List fails for the whole vault (the key record no longer matches
// its hash), the document cannot be extracted, and audit reports it damaged.
// The destruction is half visible. (vault/ops/destroy.cc, Vault::Destroy.)
TEST_CASE("CrashStatesOfDestroyAreBeforeOrAfterIt", "[crash][destroy]") {
  TempDir in;
  People& p = P();
  const std::vector<Step> steps = {
      Create(),
      Grant(*p.carol, 3, vault::Role::kOfficer),
      Add(in, {{"x.bin", PseudoRandom(1100000, 5)}, {"y.txt", PseudoRandom(5000, 6)}}, 2),
      Destroy(0),
  };
  Checker ck;
  RunScenario("destroy", steps, std::max<uint64_t>(TargetStates() / 10, 100), ck,
              /*always_extract_all=*/true);
  std::cout << "crash states checked: " << ck.checked << std::endl;
  CHECK(ck.failed == 0);
}

// A declassification's approval commits first (no checkpoint), then
// overwrites the old wraps: every crash state is the document at its old
// level (wraps intact) or at the new one (readable), never unreadable; an
// interrupted overwrite is finished by the next write open (as for destroy).
TEST_CASE("CrashStatesOfDeclassificationAreBeforeOrAfterIt", "[crash][declassify]") {
  TempDir in;
  People& p = P();
  const std::vector<Step> steps = {
      Create(),
      Grant(*p.carol, 3, vault::Role::kOfficer),
      Add(in, {{"x.bin", PseudoRandom(200000, 7)}, {"y.txt", PseudoRandom(5000, 8)}}, 2),
      Declassify(0, false),
      Declassify(0, true),
  };
  Checker ck;
  RunScenario("declassify", steps, std::max<uint64_t>(TargetStates() / 10, 100), ck,
              /*always_extract_all=*/true);
  std::cout << "crash states checked: " << ck.checked << std::endl;
  CHECK(ck.failed == 0);
}

// ============================================================ no retry after a failed sync

TEST_CASE("AfterAFailedCommitSyncTheVaultRefusesFurtherCommits", "[crash][fsync]") {
  REQUIRE(kInitialized);
  TempDir in;
  People& p = P();
  for (int sync_index : {0, 1}) {
    FaultEnv env;
    REQUIRE(Vault::Create(kVault, *p.officer, vault::kDefaultLevels, "X", &env));
    auto v = Vault::Open(kVault, Vault::Access::kWrite, &env);
    REQUIRE(v);
    env.Arm(-1, sync_index, EIO);
    auto g = (*v)->Grant(*p.officer, p.bob->public_identity(), vault::Role::kStaff, custody::testutil::ClearanceAt(**v, 0));
    REQUIRE_FALSE(g);
    CHECK(g.error().code == Code::kIo);
    env.Disarm();
    // The same Vault must not commit again over the data whose sync failed.
    auto again = (*v)->Add(*p.officer, {{in.Write("z", "after the failure"), "", "", ""}}, custody::testutil::LevelAt(**v, 0));
    CHECK_FALSE(again);
    v->reset();
    for (const auto& x : env.violations()) FAIL_CHECK("sync index " << sync_index << ": " << x);
  }
}

// Destroy syncs its in-place overwrite itself (not through Commit); when that
// sync fails, the same Vault must not commit (and so sync) again over it.
TEST_CASE("AfterAFailedDestroySyncTheVaultRefusesFurtherCommits", "[crash][fsync][destroy]") {
  REQUIRE(kInitialized);
  TempDir in;
  People& p = P();
  FaultEnv env;
  REQUIRE(Vault::Create(kVault, *p.officer, vault::kDefaultLevels, "X", &env));
  std::vector<std::string> regs;
  {
    auto v = Vault::Open(kVault, Vault::Access::kWrite, &env);
    REQUIRE(v);
    REQUIRE((*v)->Grant(*p.officer, p.carol->public_identity(), vault::Role::kOfficer, custody::testutil::ClearanceAt(**v, 3)));
    auto r = (*v)->Add(*p.officer, {{in.Write("k", "keep"), "", "", ""}, {in.Write("d", "doomed"), "", "", ""}}, custody::testutil::LevelAt(**v, 0));
    REQUIRE(r);
    regs = *r;
  }
  auto v = Vault::Open(kVault, Vault::Access::kWrite, &env);
  REQUIRE(v);
  env.Arm(-1, 0, EIO);
  auto d = (*v)->Destroy(*p.officer, *p.carol, regs[1], "test");
  REQUIRE_FALSE(d);
  CHECK(d.error().code == Code::kIo);
  env.Disarm();
  auto again = (*v)->Grant(*p.officer, p.bob->public_identity(), vault::Role::kStaff, custody::testutil::ClearanceAt(**v, 0));
  CHECK_FALSE(again);
  v->reset();
  for (const auto& x : env.violations()) FAIL_CHECK(x);
}
