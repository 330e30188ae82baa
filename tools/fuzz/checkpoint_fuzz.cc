// libFuzzer harness: forged, validly signed format v2 checkpoints ->
// Vault::Open and Vault::Audit (FORMAT.md §3.9 "Format v2 checkpoints",
// §3.14, §5.5 R100-R110, R150).
//
// Random bytes never get past a checkpoint's signature (vault_fuzz), so this
// harness builds real vaults once, with the library, and per input forges a
// Checkpoint body, signs it with a member's key (so the signature check
// passes and the content checks run), commits it as the vault's CHECKPOINT
// record and points the superblock at it.
//
// Three base layouts, all made at init by the library (Create, Grant,
// Add, Revoke, Compact — which always writes a checkpoint —, Extract,
// Destroy):
//   0  the compacted vault; its real checkpoint (the last record) replaced
//   1  the same with three later events (extract, grant, destroy), which
//      Open replays under the forged catalog; the checkpoint replaced in
//      place and the later EVENT records re-framed after it
//   2  the whole vault (a second revoke and an add after those), a new
//      checkpoint appended after its last event
// Input: byte 0 selects layout (% 3) and mode ((/ 3) % 4); byte 1 the
// signer; the rest is mode-specific:
//   mode 0  the rest is the Checkpoint body, as is
//   mode 1, 3  structured edits of the layout's real checkpoint (op byte +
//           operands, see Edit); mode 3 also sends the edited body through
//           a second round of "append raw bytes" (protobuf merge)
//   mode 2  the real body followed by the rest (protobuf merges the
//           appended fields: scalars replaced, repeated fields extended)
// Byte 1 bit 3: audit even when Open succeeds (see Run).
// Invariants (trap on violation), besides no crash/UB/leak/hang:
//   * if Open succeeds: every document's level < number of levels, and the
//     roster, key slots, epochs, levels and authority chain are exactly
//     those of the same vault opened with its real checkpoint (authority
//     never comes from the checkpoint);
//   * if Audit reports the vault clean, Open succeeds.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/vectors/generate/craft.h"
#include "tools/fuzz/fuzz_common.h"
#include "vault/ledger/state.h"
#include "vault/vault.h"

using namespace custody;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "checkpoint_fuzz init: %s\n", what);
  std::abort();
}
template <typename R>
void Must(const R& r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "checkpoint_fuzz init: %s: %s\n", what, r.error().message.c_str());
    std::abort();
  }
}

std::string ReadFile(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteFile(const std::string& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

// What must not change whatever the checkpoint says.
struct Authority {
  std::vector<std::string> level_names;
  std::vector<uint32_t> epochs;
  std::vector<std::pair<std::string, std::string>> members;  // key, Member bytes
  std::vector<std::string> slots;                             // KeySlot bytes, map order
  // Ledger hashes, and header offsets of the events before the checkpoint
  // (those after it are re-framed with the checkpoint's size).
  std::vector<std::pair<uint64_t, std::string>> chain;
  std::string vault_id, genesis;
  bool operator==(const Authority&) const = default;
};
Authority AuthorityOf(const vault::VaultState& s, uint64_t checkpoint_at) {
  Authority a;
  a.level_names = s.level_names;
  a.epochs = s.epochs;
  for (const auto& [k, m] : s.members) a.members.emplace_back(k, m.SerializeAsString());
  for (const auto& [k, sl] : s.slots) a.slots.push_back(sl.SerializeAsString());
  for (const auto& r : s.authority)
    a.chain.emplace_back(r.offset() < checkpoint_at ? r.offset() : 0, r.hash());
  a.vault_id = s.vault_id;
  a.genesis = s.genesis;
  return a;
}

struct Layout {
  std::string prefix;               // file bytes [0, at): slots + log before the checkpoint
  uint64_t at = 0;                  // CHECKPOINT header offset
  std::vector<std::string> tail;    // EVENT payloads after the checkpoint (re-framed)
  format::Superblock sb;            // written with committed_end adjusted
  int slot = 0;                     // superblock slot written
  // The other slot's superblock (an older commit), if valid; its committed
  // end moves with the records re-framed after the checkpoint (R54).
  std::optional<format::Superblock> other;
  uint64_t real_end = 0;            // end of the real checkpoint record (layouts 0, 1)
  format::Checkpoint real;          // the checkpoint the writer wrote / would write
  Authority authority;              // of the vault opened with `real`
  // (offset, ledger hash, sequence) of every EVENT record before `at`.
  struct Ev {
    uint64_t offset;
    std::string hash;
    uint64_t sequence;
  };
  std::vector<Ev> events;
  std::vector<uint64_t> records;    // every record header offset before `at`
};

struct World {
  std::unique_ptr<vault::Identity> alice, bob, carol, dave;
  Layout layouts[3];
  std::vector<format::DocumentState> docs;  // documents from every layout (for swaps)
  std::string path;
};

// The file a layout makes with checkpoint payload `scp`.
std::string Build(const Layout& l, const std::string& scp) {
  std::string b = l.prefix;
  b += format::EncodeRecord(format::RecordType::kCheckpoint, scp, b.size());
  const uint64_t cp_end = b.size();
  for (const auto& p : l.tail) b += format::EncodeRecord(format::RecordType::kEvent, p, b.size());
  format::Superblock sb = l.sb;
  sb.set_committed_end(b.size());
  sb.set_checkpoint_offset(l.at);
  b.replace(0, 2 * 4096, std::string(2 * 4096, '\0'));
  craft::PutSb(b, l.slot, sb);
  if (l.other) {
    format::Superblock o = *l.other;
    if (o.committed_end() > l.at) o.set_committed_end(o.committed_end() - l.real_end + cp_end);
    craft::PutSb(b, 1 - l.slot, o);
  }
  return b;
}

std::string Signed(const std::string& body, const vault::Identity& id) {
  format::SignedCheckpoint scp;
  scp.set_body(body);
  scp.mutable_signature()->set_signer_ed25519(craft::Raw(id.public_identity().ed25519));
  scp.mutable_signature()->set_signature(id.Sign(body));
  return scp.SerializeAsString();
}

void IndexRecords(Layout& l) {
  for (uint64_t at = format::kLogStart; at < l.at;) {
    auto h = format::DecodeRecordHeader(std::string_view(l.prefix).substr(at, 48), at, l.at);
    if (!h) Die("prefix does not scan");
    l.records.push_back(at);
    if (h->type == format::RecordType::kEvent) {
      const std::string payload = l.prefix.substr(at + 48, h->length);
      format::SignedEvent se;
      format::Event ev;
      if (!se.ParseFromString(payload) || !ev.ParseFromString(se.body())) Die("event parse");
      l.events.push_back({at, craft::H(payload), ev.sequence()});
    }
    at += 48 + h->length;
  }
}

// Layouts 0 and 1: the checkpoint record at sb.checkpoint_offset of `file`
// replaced; `tail_from` the file whose records after it become the tail.
Layout FromCheckpointAt(const std::string& file) {
  Layout l;
  l.slot = craft::Active(file);
  l.sb = craft::Sb(file, l.slot);
  l.at = l.sb.checkpoint_offset();
  if (l.at == 0) Die("no checkpoint");
  l.prefix = file.substr(0, l.at);
  auto h = format::DecodeRecordHeader(std::string_view(file).substr(l.at, 48), l.at, l.sb.committed_end());
  if (!h || h->type != format::RecordType::kCheckpoint) Die("checkpoint record");
  l.real_end = l.at + 48 + h->length;
  if (auto o = format::DecodeSuperblock(std::string_view(file).substr((1 - l.slot) * 4096, 4096),
                                        (1 - l.slot) * 4096))
    l.other = *o;
  format::SignedCheckpoint scp;
  if (!scp.ParseFromString(file.substr(l.at + 48, h->length)) || !l.real.ParseFromString(scp.body()))
    Die("checkpoint parse");
  for (uint64_t at = l.at + 48 + h->length; at < l.sb.committed_end();) {
    auto t = format::DecodeRecordHeader(std::string_view(file).substr(at, 48), at, l.sb.committed_end());
    if (!t || t->type != format::RecordType::kEvent) Die("tail must be EVENT records only");
    l.tail.push_back(file.substr(at + 48, t->length));
    at += 48 + t->length;
  }
  IndexRecords(l);
  return l;
}

World* MakeWorld() {
  fuzz::InitOnce();
  // Hostile bodies make protobuf log every bad UTF-8 string; keep stderr quiet.
  google::protobuf::SetLogHandler(nullptr);
  auto* w = new World;
  w->alice = vault::Identity::Generate("alice");
  w->bob = vault::Identity::Generate("bob");
  w->carol = vault::Identity::Generate("carol");
  w->dave = vault::Identity::Generate("dave");
  w->path = fuzz::ScratchPath("checkpoint");
  const std::string dir = w->path + ".init";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string p = dir + "/v.cv";
  WriteFile(dir + "/a.txt", "alpha\n");
  WriteFile(dir + "/b.txt", std::string(700, 'b'));
  // Not empty: adding an empty file trips UBSan in extent_stream.cc
  // (memset on a null vector data(), reported separately).
  WriteFile(dir + "/c.txt", "c");
  WriteFile(dir + "/d.txt", "delta");
  const auto& A = *w->alice;
  std::string s0, s1, s2;
  std::vector<std::string> regs;
  {
    Must(vault::Vault::Create(p, A, {"public", "internal", "secret"}, "Fuzz"), "create");
    auto v = vault::Vault::Open(p, vault::Vault::Access::kWrite);
    Must(v, "open");
    Must((*v)->Grant(A, w->bob->public_identity(), vault::Role::kOfficer, *(*v)->LevelAt(1)), "grant bob");
    Must((*v)->Grant(A, w->carol->public_identity(), vault::Role::kStaff, *(*v)->LevelAt(2)), "grant carol");
    auto r1 = (*v)->Add(A, {{dir + "/a.txt", "A", "", ""}, {dir + "/c.txt", "", "REG-C", ""}}, *(*v)->LevelAt(0));
    Must(r1, "add");
    auto r2 = (*v)->Add(A, {{dir + "/b.txt", "", "", ""}}, *(*v)->LevelAt(1));
    Must(r2, "add");
    auto r3 = (*v)->Add(A, {{dir + "/d.txt", "", "", ""}}, *(*v)->LevelAt(2));
    Must(r3, "add");
    regs = {r1->front(), r1->back(), r2->front(), r3->front()};
    Must((*v)->Revoke(A, w->carol->public_identity()), "revoke carol");
    Must((*v)->Compact(A), "compact");  // always writes a checkpoint (§3.13)
  }
  s0 = ReadFile(p);
  {
    auto v = vault::Vault::Open(p, vault::Vault::Access::kWrite);
    Must(v, "reopen");
    int fd = ::open("/dev/null", O_WRONLY);
    Must((*v)->Extract(*w->bob, {regs[0], "-", fd, false, "fuzz"}), "extract");
    ::close(fd);
    Must((*v)->Grant(A, w->dave->public_identity(), vault::Role::kStaff, *(*v)->LevelAt(1)), "grant dave");
    Must((*v)->Destroy(A, *w->bob, regs[2], "fuzz"), "destroy");
    s1 = ReadFile(p);
    Must((*v)->Revoke(A, w->dave->public_identity()), "revoke dave");
    Must((*v)->Add(A, {{dir + "/a.txt", "again", "", ""}}, *(*v)->LevelAt(1)), "add");
  }
  s2 = ReadFile(p);
  fs::remove_all(dir);

  w->layouts[0] = FromCheckpointAt(s0);
  w->layouts[1] = FromCheckpointAt(s1);
  {
    Layout& l = w->layouts[2];
    l.slot = 1 - craft::Active(s2);
    l.sb = craft::Sb(s2, craft::Active(s2));
    l.sb.set_sequence(l.sb.sequence() + 1);
    l.at = l.sb.committed_end();
    l.prefix = s2.substr(0, l.at);
    l.other = craft::Sb(s2, craft::Active(s2));
    WriteFile(w->path, s2);
    auto v = vault::Vault::Open(w->path, vault::Vault::Access::kRead);
    Must(v, "open s2");
    l.real = (*v)->TEST_state().ToCheckpoint(craft::AuthorityAt(s2).last_event);
    IndexRecords(l);
  }
  // Each layout with its real checkpoint (re-signed by alice) must open,
  // audit clean, and give the reference authority.
  for (auto& l : w->layouts) {
    const std::string b = Build(l, Signed(l.real.SerializeAsString(), A));
    fuzz::WriteScratch(w->path, reinterpret_cast<const uint8_t*>(b.data()), b.size());
    auto v = vault::Vault::Open(w->path, vault::Vault::Access::kRead);
    Must(v, "open layout");
    auto rep = vault::Vault::Audit(w->path);
    Must(rep, "audit layout");
    if (!rep->ok()) Die(("layout does not audit clean: " + rep->problems.front().where + ": " + rep->problems.front().message).c_str());
    l.authority = AuthorityOf((*v)->TEST_state(), l.at);
    // Format v3 checkpoints carry no documents inline: take them from the
    // catalog tree the layout's checkpoint names.
    Must((*v)->TEST_state().catalog.ForEach([&](const format::DocumentState& d) -> Status {
      w->docs.push_back(d);
      return {};
    }), "catalog of layout");
  }
  return w;
}

// Hand-written FuzzedDataProvider: consumes from the front, zeros when empty.
struct Input {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t U8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint64_t U64(int bytes = 8) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{U8()} << (8 * i);
    return v;
  }
  size_t Index(size_t size) { return size == 0 ? 0 : U8() % size; }
  std::string Bytes(size_t max) {
    size_t len = std::min<size_t>(U8() % (max + 1), n);
    std::string s(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return s;
  }
  std::string Rest() {
    std::string s(reinterpret_cast<const char*>(p), n);
    p += n;
    n = 0;
    return s;
  }
};

// A value near `base` or at a boundary: what bounds checks get wrong.
uint64_t Near(Input& in, uint64_t base) {
  switch (in.U8() % 8) {
    case 0: return base + (in.U8() % 9) - 4;
    case 1: return in.U64();
    case 2: return 0;
    case 3: return std::numeric_limits<uint64_t>::max() - (in.U8() % 4);
    case 4: return (uint64_t{1} << 40) + (in.U8() % 3) - 1;
    case 5: return (uint64_t{1} << 32) + (in.U8() % 3) - 1;
    case 6: return uint64_t{1} << (in.U8() % 64);
    default: return in.U8() % 8;
  }
}

void MutateBytes(Input& in, std::string& s) {
  switch (in.U8() % 4) {
    case 0:
      if (!s.empty()) s[in.Index(s.size())] ^= static_cast<char>(1 | in.U8());
      break;
    case 1: s.resize(in.U8() % 40, '\0'); break;
    case 2: s = in.Bytes(40); break;
    default: s.clear();
  }
}

// Printable, so that proto3 strings stay valid UTF-8 (a bad one just fails
// parsing, which mode 0 covers).
std::string RegNo(Input& in) {
  std::string s;
  switch (in.U8() % 4) {
    case 0: break;                        // empty
    case 1: s.assign(64, 'R'); break;     // the longest allowed
    case 2: s.assign(65, 'R'); break;     // one too long
    default: s = in.Bytes(12);
  }
  for (char& c : s) c = static_cast<char>(0x21 + static_cast<uint8_t>(c) % 94);
  return s;
}

format::DocumentState* PickDoc(Input& in, format::Checkpoint& cp) {
  if (cp.documents_size() == 0) return nullptr;
  return cp.mutable_documents(static_cast<int>(in.Index(cp.documents_size())));
}

void Edit(Input& in, const World& w, const Layout& l, format::Checkpoint& cp) {
  const auto ev = [&]() -> const Layout::Ev& { return l.events[in.Index(l.events.size())]; };
  const auto record = [&]() { return l.records[in.Index(l.records.size())]; };
  const int na = cp.authority_size();
  const int ai = na == 0 ? 0 : static_cast<int>(in.Index(na));
  switch (in.U8() % 26) {
    case 0: cp.set_event_count(Near(in, cp.event_count())); break;
    case 1: cp.set_head_offset(in.U8() & 1 ? record() : Near(in, cp.head_offset())); break;
    case 2: {  // head fields all from one real event: a checkpoint of an earlier state
      const auto& e = ev();
      cp.set_head_offset(e.offset);
      cp.set_ledger_head(e.hash);
      cp.set_event_count(e.sequence + 1);
      break;
    }
    case 3:  // an index entry naming a real event, correct hash
      if (na > 0) {
        const auto& e = ev();
        cp.mutable_authority(ai)->set_offset(e.offset);
        cp.mutable_authority(ai)->set_hash(e.hash);
      }
      break;
    case 4:
      if (na > 0) cp.mutable_authority(ai)->set_offset(in.U8() & 1 ? record() : Near(in, cp.authority(ai).offset()));
      break;
    case 5:
      if (na > 0) MutateBytes(in, *cp.mutable_authority(ai)->mutable_hash());
      break;
    case 6:
      if (na > 0) cp.mutable_authority()->erase(cp.mutable_authority()->begin() + ai);
      break;
    case 7: {  // insert a real event (authority or not) anywhere
      const auto& e = ev();
      format::AuthorityRef r;
      r.set_offset(e.offset);
      r.set_hash(e.hash);
      *cp.add_authority() = r;
      for (int i = cp.authority_size() - 1; i > ai && i > 0; --i)
        cp.mutable_authority()->SwapElements(i, i - 1);
      break;
    }
    case 8:
      if (na > 1) cp.mutable_authority()->SwapElements(ai, static_cast<int>(in.Index(na)));
      break;
    case 9:
      if (na > 0) cp.mutable_authority()->DeleteSubrange(ai, na - ai);
      break;
    case 10:
      if (na > 0) *cp.add_authority() = cp.authority(ai);  // a repeated entry
      break;
    case 11:
      if (auto* d = PickDoc(in, cp)) d->mutable_added()->set_level(static_cast<uint32_t>(Near(in, d->added().level())));
      break;
    case 12:
      switch (in.U8() % 3) {
        case 0: cp.add_reg_counters(Near(in, 1)); break;
        case 1:
          if (cp.reg_counters_size() > 0) cp.mutable_reg_counters()->RemoveLast();
          break;
        default:
          if (cp.reg_counters_size() > 0)
            cp.set_reg_counters(static_cast<int>(in.Index(cp.reg_counters_size())), Near(in, 1));
      }
      break;
    case 13:
      if (auto* d = PickDoc(in, cp)) d->set_extract_count(Near(in, d->extract_count()));
      break;
    case 14:
      if (auto* d = PickDoc(in, cp)) {
        if (in.U8() & 1) d->mutable_added()->set_doc_id(w.docs[in.Index(w.docs.size())].added().doc_id());
        else MutateBytes(in, *d->mutable_added()->mutable_doc_id());
      }
      break;
    case 15:
      if (auto* d = PickDoc(in, cp)) {
        if (in.U8() & 1) d->mutable_added()->set_reg_no(w.docs[in.Index(w.docs.size())].added().reg_no());
        else d->mutable_added()->set_reg_no(RegNo(in));
      }
      break;
    case 16:
      if (auto* d = PickDoc(in, cp)) {
        auto* k = d->mutable_key();
        switch (in.U8() % 4) {
          case 0: MutateBytes(in, *k->mutable_hash()); break;
          case 1: MutateBytes(in, *k->mutable_doc_id()); break;
          case 2: k->set_offset(in.U8() & 1 ? record() : Near(in, k->offset())); break;
          default: *k = w.docs[in.Index(w.docs.size())].key();
        }
      }
      break;
    case 17:
      if (auto* d = PickDoc(in, cp)) {
        switch (in.U8() % 4) {
          case 0: d->set_destroyed(!d->destroyed()); break;
          case 1: d->set_compacted_away(!d->compacted_away()); break;
          case 2: MutateBytes(in, *d->mutable_destroyed_by()); break;
          default: MutateBytes(in, *d->mutable_added_by());
        }
      }
      break;
    case 18:
      switch (in.U8() % 3) {
        case 0:
          if (cp.documents_size() > 0)
            cp.mutable_documents()->erase(cp.mutable_documents()->begin() + in.Index(cp.documents_size()));
          break;
        case 1:
          if (cp.documents_size() > 0) *cp.add_documents() = cp.documents(static_cast<int>(in.Index(cp.documents_size())));
          break;
        default:
          if (!w.docs.empty()) *cp.add_documents() = w.docs[in.Index(w.docs.size())];
      }
      break;
    case 19:  // v1 fields, which a v2 checkpoint must not carry (R106)
      switch (in.U8() % 5) {
        case 0: cp.set_label("L"); break;
        case 1: cp.add_level_names("public"); break;
        case 2: {
          auto* m = cp.add_members();
          m->mutable_keys()->set_ed25519(craft::Raw(w.carol->public_identity().ed25519));
          m->set_role(format::ROLE_OFFICER);
          m->set_clearance(2);
          break;
        }
        case 3: cp.add_slots()->set_level(in.U8()); break;
        default: cp.add_levels()->set_epoch(in.U8());
      }
      break;
    case 20:
      if (in.U8() & 1) MutateBytes(in, *cp.mutable_vault_id());
      else MutateBytes(in, *cp.mutable_ledger_head());
      break;
    case 21: cp.set_reg_year(static_cast<int32_t>(in.U64(4))); break;
    case 22:
      if (auto* d = PickDoc(in, cp)) {
        auto* x = d->mutable_added()->mutable_extent();
        switch (in.U8() % 4) {
          case 0: x->set_offset(Near(in, x->offset())); break;
          case 1: x->set_length(Near(in, x->length())); break;
          case 2: x->set_chunk_size(static_cast<uint32_t>(Near(in, x->chunk_size()))); break;
          default: x->set_chunk_count(Near(in, x->chunk_count()));
        }
      }
      break;
    case 23:
      if (auto* d = PickDoc(in, cp)) {
        if (in.U8() & 1) d->clear_old_keys();
        else *d->add_old_keys() = w.docs[in.Index(w.docs.size())].key();
      }
      break;
    case 24:  // the authority index of another layout (longer or shorter chain)
      *cp.mutable_authority() = w.layouts[in.Index(3)].real.authority();
      break;
    default:
      if (auto* d = PickDoc(in, cp)) d->mutable_added()->set_version(static_cast<uint32_t>(in.U64(4)));
  }
}

// Audit replays and verifies the whole ledger (the cost of this harness);
// the invariant needs it only when Open fails, so a vault that opens is
// audited only when `audit_always` (byte 1 bit 3) asks.
void Run(const World& w, const Layout& l, const std::string& scp, bool audit_always) {
  const std::string b = Build(l, scp);
  fuzz::WriteScratch(w.path, reinterpret_cast<const uint8_t*>(b.data()), b.size());
  auto v = vault::Vault::Open(w.path, vault::Vault::Access::kRead);
  if (v) {
    const vault::VaultState& s = (*v)->TEST_state();
    // Every entry the catalog yields is bounded (a damaged page is an error).
    (void)s.catalog.ForEach([&](const format::DocumentState& d) -> Status {
      if (d.added().level() >= s.level_names.size()) __builtin_trap();
      return {};
    });
    if (!(AuthorityOf(s, l.at) == l.authority)) __builtin_trap();
  }
  if (v && !audit_always) return;
  auto rep = vault::Vault::Audit(w.path);
  if (rep && rep->ok() && !v) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const World* w = MakeWorld();
  if (size < 2 || size > (64u << 10)) return 0;
  Input in{data, size};
  const uint8_t sel = in.U8();
  const Layout& l = w->layouts[sel % 3];
  const int mode = (sel / 3) % 4;
  const uint8_t who = in.U8();
  const vault::Identity* signers[8] = {w->alice.get(), w->alice.get(), w->alice.get(), w->bob.get(),
                                       w->bob.get(),   w->carol.get(), w->dave.get(),  w->alice.get()};
  const vault::Identity& signer = *signers[who % 8];

  std::string body;
  if (mode == 0) {
    body = in.Rest();
  } else if (mode == 2) {
    body = l.real.SerializeAsString() + in.Rest();
  } else {
    format::Checkpoint cp = l.real;
    for (int edits = 0; !in.empty() && edits < 16; ++edits) Edit(in, *w, l, cp);
    body = cp.SerializeAsString();
    if (mode == 3) body += in.Rest();
  }
  std::string scp = Signed(body, signer);
  if (who % 8 == 7) {  // a signature that does not verify
    format::SignedCheckpoint bad;
    bad.ParseFromString(scp);
    (*bad.mutable_signature()->mutable_signature())[0] ^= 1;
    scp = bad.SerializeAsString();
  }
  Run(*w, l, scp, (who & 8) != 0);
  return 0;
}
