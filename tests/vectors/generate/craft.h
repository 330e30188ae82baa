// Crafting helpers shared by the vector generator and the fuzz seed
// generator: identity files with chosen KDF parameters (the CLI only writes
// its three profiles), and keyless + signed forgery of vault files.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/password_kdf.h"
#include "crypto/random.h"
#include "crypto/secret_bytes.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "format/record.h"
#include "format/superblock.h"
#include "vault/catalog/catalog.h"
#include "vault/identity/identity.h"
#include "vault/ledger/event_registry.h"

namespace custody::craft {

template <typename A>
std::string Raw(const A& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

inline crypto::SecretBytes Pass(const std::string& s) {
  return crypto::SecretBytes::CopyOf(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// FORMAT.md §3.10 / §4.3 identity AD.
inline std::string IdentityAd(const format::IdentityFile& f) {
  std::string ad(format::kAdIdentity);
  format::PutLe64(ad, f.keys().name().size());
  ad += f.keys().name();
  ad += f.keys().x25519();
  ad += f.keys().ed25519();
  format::PutLe64(ad, f.kdf_opslimit());
  format::PutLe64(ad, f.kdf_memlimit());
  ad += f.salt();
  return ad;
}

// An identity file for `id` under `pass` with the given Argon2id parameters.
// `tweak` edits the message after sealing (to make invalid files);
// `seal_params` false skips the KDF (for parameters that must be rejected
// before use — the secrets are then sealed under a random key).
inline std::string IdentityFileBytes(const vault::Identity& id, const std::string& pass,
                                     uint64_t ops, uint64_t mem,
                                     const std::function<void(format::IdentityFile&)>& tweak = {},
                                     bool seal_params = true) {
  format::IdentityFile f;
  f.set_version(1);
  f.mutable_keys()->set_name(id.public_identity().name);
  f.mutable_keys()->set_x25519(Raw(id.public_identity().x25519));
  f.mutable_keys()->set_ed25519(Raw(id.public_identity().ed25519));
  f.set_kdf_opslimit(ops);
  f.set_kdf_memlimit(mem);
  f.set_salt(crypto::RandomString(crypto::kKdfSaltSize));
  crypto::SecretBytes key = crypto::SecretBytes::Random(32);
  if (seal_params) {
    auto k = crypto::DeriveKeyFromPassphrase(Pass(pass), f.salt(), {ops, mem});
    if (!k) throw std::runtime_error(k.error().message);
    key = std::move(*k);
  }
  std::string secrets = Raw(id.x25519().secret_key.span()) + Raw(id.signing().seed());
  std::string sealed(64 + 40, '\0');
  std::string ad = IdentityAd(f);
  crypto::AeadSeal(key.span(), crypto::AsBytes(secrets), crypto::AsBytes(ad),
                   {reinterpret_cast<uint8_t*>(sealed.data()), sealed.size()});
  f.set_sealed_secrets(sealed);
  if (tweak) tweak(f);
  return std::string(format::kIdentityMagic) + f.SerializeAsString();
}

inline std::string H(const std::string& s) { return crypto::HashToString(crypto::Blake2b256(s)); }

inline int Active(const std::string& b) {
  int best = -1;
  uint64_t seq = 0;
  for (int i = 0; i < 2; ++i) {
    auto sb = format::DecodeSuperblock(std::string_view(b).substr(i * 4096, 4096), i * 4096);
    if (sb && (best < 0 || sb->sequence() > seq)) {
      best = i;
      seq = sb->sequence();
    }
  }
  if (best < 0) throw std::runtime_error("no valid slot");
  return best;
}

inline format::Superblock Sb(const std::string& b, int slot) {
  auto sb = format::DecodeSuperblock(std::string_view(b).substr(slot * 4096, 4096), slot * 4096);
  if (!sb) throw std::runtime_error(sb.error().message);
  return *sb;
}

inline void PutSb(std::string& b, int slot, const format::Superblock& sb) {
  auto enc = format::EncodeSuperblock(sb, static_cast<uint64_t>(slot) * 4096);
  if (!enc) throw std::runtime_error(enc.error().message);
  b.replace(static_cast<size_t>(slot) * 4096, 4096, *enc);
}

// Commits `records` (type, payload) after the committed end as a writer
// would: appended, then the next superblock in the other slot. `edit` may
// change the superblock (event count, head, marking) before it is written.
// Returns the header offsets.
inline std::vector<uint64_t> Commit(std::string& b,
                                    const std::vector<std::pair<format::RecordType, std::string>>& records,
                                    const std::function<void(format::Superblock&)>& edit = {}) {
  int a = Active(b);
  format::Superblock sb = Sb(b, a);
  b.resize(sb.committed_end());
  std::vector<uint64_t> at;
  for (const auto& [t, p] : records) {
    at.push_back(b.size());
    b += format::EncodeRecord(t, p, b.size());
  }
  sb.set_sequence(sb.sequence() + 1);
  sb.set_committed_end(b.size());
  if (edit) edit(sb);
  PutSb(b, 1 - a, sb);
  return at;
}

// A signed event appended and committed. Fields left unset are filled in
// from the vault (sequence, prev_hash, vault id, actor = first signer,
// time, authority links); set `raw` to keep the event exactly as given.
inline std::string SignedEventBytes(const format::Event& ev,
                                    const std::vector<const vault::Identity*>& signers) {
  format::SignedEvent se;
  se.set_body(ev.SerializeAsString());
  for (const auto* id : signers) {
    auto* s = se.add_signatures();
    s->set_signer_ed25519(Raw(id->public_identity().ed25519));
    s->set_signature(id->Sign(se.body()));
  }
  return se.SerializeAsString();
}

// The authority state at the committed end of `b` (format v2 links, R101):
// the number of authority events and the ledger hash of the last, found by
// scanning the committed EVENT records. Also the header offset of the last
// event (a v2 checkpoint's head_offset).
struct AuthorityTip {
  uint64_t count = 0;
  std::string head = std::string(32, '\0');
  uint64_t last_event = 0;
  std::vector<format::AuthorityRef> refs;
};
inline AuthorityTip AuthorityAt(const std::string& b) {
  AuthorityTip tip;
  const auto sb = Sb(b, Active(b));
  for (uint64_t at = format::kLogStart; at < sb.committed_end();) {
    auto h = format::DecodeRecordHeader(std::string_view(b).substr(at, 48), at, sb.committed_end());
    if (!h) break;
    if (h->type == format::RecordType::kEvent) {
      const std::string payload = b.substr(at + 48, h->length);
      format::SignedEvent se;
      format::Event ev;
      if (se.ParseFromString(payload) && ev.ParseFromString(se.body()) &&
          vault::IsAuthorityKind(ev.kind_case())) {
        ++tip.count;
        tip.head = H(payload);
        format::AuthorityRef ref;
        ref.set_offset(at);
        ref.set_hash(tip.head);
        tip.refs.push_back(ref);
      }
      tip.last_event = at;
    }
    at += 48 + h->length;
  }
  return tip;
}

inline uint64_t AppendEvent(std::string& b, format::Event ev,
                            const std::vector<const vault::Identity*>& signers, bool raw = false,
                            const std::function<void(format::Superblock&)>& edit = {}) {
  format::Superblock cur = Sb(b, Active(b));
  if (!raw) {
    ev.set_sequence(cur.event_count());
    ev.set_prev_hash(cur.ledger_head());
    ev.set_vault_id(cur.vault_id());
    ev.set_time_unix(1767225600);  // 2026-01-01
    if (!signers.empty()) ev.set_actor_ed25519(Raw(signers[0]->public_identity().ed25519));
    const AuthorityTip tip = AuthorityAt(b);
    if (ev.authority_head().empty()) {  // a caller forging links sets them
      ev.set_authority_seq(tip.count);
      ev.set_authority_head(tip.head);
    }
  }
  std::string payload = SignedEventBytes(ev, signers);
  auto at = Commit(b, {{format::RecordType::kEvent, payload}}, [&](format::Superblock& sb) {
    sb.set_event_count(sb.event_count() + 1);
    sb.set_ledger_head(H(payload));
    if (edit) edit(sb);
  });
  return at[0];
}

// `cp` signed by `signer`, as a CHECKPOINT record's payload.
inline std::string SignedCheckpointBytes(const format::Checkpoint& cp, const vault::Identity& signer) {
  format::SignedCheckpoint scp;
  scp.set_body(cp.SerializeAsString());
  scp.mutable_signature()->set_signer_ed25519(Raw(signer.public_identity().ed25519));
  scp.mutable_signature()->set_signature(signer.Sign(scp.body()));
  return scp.SerializeAsString();
}

// Commits `records` and then `cp` signed by `signer`, the superblock
// pointing at that checkpoint: what a member who re-signs state does.
inline void CommitCheckpoint(std::string& b, const format::Checkpoint& cp, const vault::Identity& signer,
                             std::vector<std::pair<format::RecordType, std::string>> records = {}) {
  records.emplace_back(format::RecordType::kCheckpoint, SignedCheckpointBytes(cp, signer));
  auto at = Commit(b, records);
  const int a = Active(b);
  auto sb = Sb(b, a);
  sb.set_checkpoint_offset(at.back());
  PutSb(b, a, sb);
}

// Catalog trees (FORMAT.md §3.16) read from and written into vault bytes,
// through the vault's own Catalog: a forger has the same code.
class BytesPages : public vault::PageReader, public vault::PageWriter {
 public:
  // Reads records in `b`; appends to `out`, as if placed from offset `at`.
  BytesPages(const std::string& b, uint64_t at) : b_(b), at_(at) {}
  Result<std::string> ReadPage(uint64_t offset) const override {
    if (offset + format::kRecordHeaderSize > b_.size()) return Fail(Code::kCorrupt, "page past the end");
    auto h = format::DecodeRecordHeader(std::string_view(b_).substr(offset, 48), offset, b_.size());
    if (!h || h->type != format::RecordType::kCatalogPage) return Fail(Code::kCorrupt, "not a catalog page");
    return b_.substr(offset + 48, h->length);
  }
  Result<uint64_t> AppendPage(const std::string& payload) override {
    const uint64_t offset = at_;
    records.emplace_back(format::RecordType::kCatalogPage, payload);
    at_ += format::kRecordHeaderSize + payload.size();
    return offset;
  }
  std::vector<std::pair<format::RecordType, std::string>> records;  // appended pages

 private:
  const std::string& b_;
  uint64_t at_;
};

// A catalog entry for `reg` that passes every entry bound (R150): for
// building catalogs without a vault behind them.
inline format::DocumentState BoundedDocument(const std::string& reg, uint32_t level = 0) {
  format::DocumentState d;
  auto* a = d.mutable_added();
  a->set_reg_no(reg);
  a->set_level(level);
  a->set_doc_id(H(reg).substr(0, 16));
  a->set_version(1);
  auto* e = a->mutable_extent();
  e->set_offset(100000);
  e->set_length(4096);
  e->set_chunk_size(4096);
  e->set_chunk_count(1);
  e->set_root_hash(std::string(32, 'r'));
  d.mutable_key()->set_offset(90000);
  d.mutable_key()->set_hash(std::string(32, 'k'));
  d.mutable_key()->set_doc_id(a->doc_id());
  return d;
}

// Catalog pages kept in memory, at header offsets from 8192 on as a vault
// file would place them; counts what is read and written.
class MemoryPages : public vault::PageReader, public vault::PageWriter {
 public:
  Result<std::string> ReadPage(uint64_t offset) const override {
    ++reads;
    auto it = pages.find(offset);
    if (it == pages.end()) return Fail(Code::kCorrupt, "no catalog page at " + std::to_string(offset));
    return it->second;
  }
  Result<uint64_t> AppendPage(const std::string& payload) override {
    const uint64_t at = next;
    pages[at] = payload;
    next += format::kRecordHeaderSize + payload.size();
    ++writes;
    written_bytes += payload.size();
    return at;
  }
  std::map<uint64_t, std::string> pages;
  uint64_t next = format::kLogStart;
  mutable uint64_t reads = 0;
  uint64_t writes = 0, written_bytes = 0;
};

// The tree that holds entries of type Entry: the documents' or the copies'.
template <class Entry>
using TreeOf = std::conditional_t<std::is_same_v<Entry, format::CopyState>, vault::CopyCatalog, vault::Catalog>;

// Every document (Tree = vault::CopyCatalog: every copy) of the tree `root`
// in `b`, in order.
template <class Tree = vault::Catalog>
std::vector<typename Tree::Entry> CatalogDocuments(const std::string& b, const format::CatalogRoot& root) {
  BytesPages pages(b, 0);
  Tree c;
  c.Attach(&pages, root, 16);
  std::vector<typename Tree::Entry> out;
  auto s = c.ForEach([&](const typename Tree::Entry& d) -> Status {
    out.push_back(d);
    return {};
  });
  if (!s) throw std::runtime_error(s.error().message);
  return out;
}

// `docs` as a new tree whose pages land from offset `at` on (e.g. the
// committed end): the page records, in order, and the root.
template <class Entry>
std::pair<std::vector<std::pair<format::RecordType, std::string>>, format::CatalogRoot> CatalogTree(
    const std::vector<Entry>& docs, uint64_t at) {
  std::string none;
  BytesPages pages(none, at);
  TreeOf<Entry> c;
  for (const auto& d : docs) c.Insert(d);
  auto root = c.Flush(pages);
  if (!root) throw std::runtime_error(root.error().message);
  return {pages.records, *root};
}

}  // namespace custody::craft
