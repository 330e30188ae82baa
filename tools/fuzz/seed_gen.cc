// Writes seed corpora for the harnesses from real vaults and identity files:
//   fuzz_seed_gen OUTDIR
// creates OUTDIR/{superblock,record,identity,vault,checkpoint}/ (see each harness for
// the input layout). Vaults are made with the library itself: a fresh vault,
// and one with a grant, documents at two levels, an extraction, a revoke and
// a destruction.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "crypto/hardening.h"
#include "tests/vectors/generate/craft.h"
#include "vault/vault.h"

using namespace custody;
namespace fs = std::filesystem;

namespace {
std::string Read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Write(const fs::path& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_seed_gen: %s failed\n", what);
    std::exit(1);
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seed_gen OUTDIR\n");
    return 2;
  }
  Check(crypto::InitializeProcess().has_value(), "init");
  fs::path out = argv[1];
  for (const char* d : {"superblock", "record", "identity", "vault", "checkpoint", "catalog"})
    fs::create_directories(out / d);
  fs::path work = out / "work";
  fs::create_directories(work);

  auto alice = vault::Identity::Generate("alice");
  auto bob = vault::Identity::Generate("bob smith");
  std::vector<std::string> vaults;
  {
    const std::string p = (work / "fresh.cv").string();
    Check(vault::Vault::Create(p, *alice, {"public", "secret"}, "Example").has_value(), "create");
    vaults.push_back(Read(p));
  }
  {
    const std::string p = (work / "full.cv").string();
    Check(vault::Vault::Create(p, *alice, vault::kDefaultLevels, "Seed").has_value(), "create");
    Write(work / "a.txt", "hello\n");
    Write(work / "b.txt", std::string(3000, 'b'));
    Write(work / "empty.txt", "");
    auto v = vault::Vault::Open(p, vault::Vault::Access::kWrite);
    Check(v.has_value(), "open");
    Check((*v)->Grant(*alice, bob->public_identity(), vault::Role::kStaff, *(*v)->LevelAt(1)).has_value(), "grant");
    vaults.push_back(Read(p));
    auto r1 = (*v)->Add(*alice, {{(work / "a.txt").string(), "A", "", ""}, {(work / "empty.txt").string(), "", "", ""}}, *(*v)->LevelAt(0));
    Check(r1.has_value(), "add");
    auto r2 = (*v)->Add(*alice, {{(work / "b.txt").string(), "", "X-1", ""}}, *(*v)->LevelAt(2));
    Check(r2.has_value(), "add");
    vaults.push_back(Read(p));
    int fd = ::open("/dev/null", O_WRONLY);
    Check((*v)->Extract(*bob, {r1->front(), "-", fd, false, "seed"}).has_value(), "extract");
    ::close(fd);
    Check((*v)->Destroy(*alice, *bob, r1->back(), "seed").has_value(), "destroy");
    vaults.push_back(Read(p));
    Check((*v)->Revoke(*alice, bob->public_identity()).has_value(), "revoke");
    vaults.push_back(Read(p));
  }
  int n = 0;
  for (const auto& b : vaults) {
    ++n;
    Write(out / "vault" / ("vault" + std::to_string(n)), b);
    for (int slot = 0; slot < 2; ++slot) {
      std::string s(1, static_cast<char>(slot));
      s += b.substr(static_cast<size_t>(slot) * 4096, 4096);
      Write(out / "superblock" / ("vault" + std::to_string(n) + "_slot" + std::to_string(slot)), s);
    }
    auto sb = craft::Sb(b, craft::Active(b));
    uint64_t at = format::kLogStart;
    int r = 0;
    while (at < sb.committed_end()) {
      auto h = format::DecodeRecordHeader(std::string_view(b).substr(at, 48), at, sb.committed_end());
      if (!h) break;
      std::string s;
      format::PutLe64(s, at);
      format::PutLe64(s, sb.committed_end());
      s += b.substr(at, std::min<uint64_t>(48 + h->length, 8192));
      Write(out / "record" / ("vault" + std::to_string(n) + "_rec" + std::to_string(r++)), s);
      at += 48 + h->length;
    }
  }
  // Identity files: cheap KDF parameters (ops 1, 8 KiB) so that the harness
  // runs the whole Load path, and one with the interactive profile.
  Write(out / "identity" / "id_cheap", std::string(1, '\0') + craft::IdentityFileBytes(*alice, "fuzz", 1, 8192));
  Write(out / "identity" / "id_cheap_wrongpass", std::string(1, '\0') + craft::IdentityFileBytes(*bob, "other", 1, 8192));
  Write(out / "identity" / "id_interactive", std::string(1, '\0') + craft::IdentityFileBytes(*alice, "fuzz", 2, 64u << 20));
  Write(out / "identity" / "line_alice", std::string(1, '\x80') + alice->public_identity().ToLine() + "\n");
  Write(out / "identity" / "line_bob", std::string(1, '\x80') + bob->public_identity().ToLine());
  // checkpoint_fuzz builds its vaults at startup (its keys are its own), so
  // its seeds are selectors: per layout, the real checkpoint unchanged
  // (modes 1 and 2, signer alice) and a few single edits (mode 1).
  for (int layout = 0; layout < 3; ++layout) {
    const std::string tag = "layout" + std::to_string(layout);
    Write(out / "checkpoint" / (tag + "_real"), std::string{static_cast<char>(layout + 3), 0});
    Write(out / "checkpoint" / (tag + "_merge"), std::string{static_cast<char>(layout + 6), 0});
    Write(out / "checkpoint" / (tag + "_bob"), std::string{static_cast<char>(layout + 3), 3});
    for (int op : {0, 2, 3, 7, 11, 13, 14, 18, 24}) {
      std::string s{static_cast<char>(layout + 3), 0, static_cast<char>(op), 1, 1, 1};
      Write(out / "checkpoint" / (tag + "_op" + std::to_string(op)), s);
    }
  }
  // catalog_fuzz: real trees (one leaf; a root over three leaves) in its
  // input layout: a level count, then each page as le16 length + payload,
  // in the order a writer appends them.
  for (int docs : {5, 150}) {
    std::string none;
    craft::BytesPages pages(none, format::kLogStart);
    vault::Catalog c;
    for (int i = 0; i < docs; ++i) {
      const std::string reg = "S-2026-" + std::to_string(10000 + i);
      c.Insert(craft::BoundedDocument(reg, static_cast<uint32_t>(i % 4)));
    }
    Check(c.Flush(pages).has_value(), "catalog seed");
    std::string seed(1, '\x03');
    for (const auto& [type, payload] : pages.records) {
      seed.push_back(static_cast<char>(payload.size() & 0xff));
      seed.push_back(static_cast<char>(payload.size() >> 8));
      seed += payload;
    }
    Write(out / "catalog" / ("tree_" + std::to_string(docs)), seed);
  }
  fs::remove_all(work);
  std::printf("fuzz_seed_gen: %d vaults -> %s\n", n, out.c_str());
  return 0;
}
