// Tracked copies (FORMAT.md §3.8 CopyIssued / CopyReturned, R170-R172,
// §3.17 sealed copies): every copy that leaves the vault has a number, a
// recipient, a scope and a state, and is recorded only once it exists.
#include <unistd.h>

#include <cstdint>

#include <algorithm>
#include <tuple>

#include "base/atomic_file.h"
#include "base/encoding.h"
#include "crypto/age.h"
#include "crypto/hash.h"
#include "vault/copies/copy_marking.h"
#include "vault/ops/internal.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {

constexpr uint32_t kMaxCopiesAtOnce = 1000;

std::string HashHex(const crypto::Hash256& h) {
  return ToHex(std::span<const uint8_t>(h.data(), h.size()));
}

// Where copy `copy_no` of a batch of `count` goes.
std::string CopyPath(const std::string& out, uint32_t copy_no, uint32_t count) {
  if (count == 1 || out == "-") return out;
  const std::string n = "-" + std::to_string(copy_no);
  if (out.size() > 4 && out.ends_with(".age")) return out.substr(0, out.size() - 4) + n + ".age";
  return out + n;
}

std::string MarkingPath(const std::string& age_path) { return age_path + ".marking"; }

// The age file as it is written: to the temporary file, and hashed, so the
// hash the ledger records is of exactly the bytes on disk.
class HashingSink final : public crypto::AgeSink {
 public:
  explicit HashingSink(File& file) : write_(FileSink(file)) {}
  Status Write(std::span<const uint8_t> bytes) override {
    hasher_.Update(bytes);
    return write_(bytes);
  }
  crypto::Hash256 Final() { return hasher_.Final(); }

 private:
  PlaintextSink write_;
  crypto::Blake2bHasher hasher_;
};

// Decrypts the document for the sealer: Vault::DecryptTo, bound.
using DecryptFn = std::function<Status(const PlaintextSink&, const ChunkRewrite*)>;

// Writes the sealed copy of a document of `size` bytes stored in chunks of
// `chunk_size` to `file`; returns the BLAKE2b-256 of the bytes written.
//
// The age chunks are sealed on the decryption's worker threads (the
// ChunkRewrite of DecryptExtent), in the same pass, so the copy runs on
// every core. That needs no state between chunks: a vault chunk (1 MiB) is
// a whole number of age chunks (64 KiB), so each age chunk's index and final
// flag follow from its offset and the document's size (the final one is
// the one holding the last byte, full if the size is a multiple of 64 KiB;
// an empty document is one empty final chunk). The hash and the write stay
// on this thread, in order. An extent whose chunk size is not a multiple of
// 64 KiB (this version writes none; readers accept any, so a vault from
// another writer may hold one) is sealed here by AgeWriter, one chunk at a
// time. Both paths, on other chunk sizes than 1 MiB, are opened by the age
// binary in tests/vault/ops/copies_test.cc (vault::TEST_SetWriteChunkSize).
Result<std::string> WriteSealedCopy(const DecryptFn& decrypt, uint64_t size, uint32_t chunk_size,
                                    const crypto::AgeRecipient& to, File& file) {
  HashingSink sink(file);
  const crypto::AgeRecipient* tos[] = {&to};
  const PlaintextSink out = [&](std::span<const uint8_t> b) { return sink.Write(b); };
  if (chunk_size % crypto::kAgeChunkSize != 0) {
    CUSTODY_ASSIGN(auto writer, crypto::AgeWriter::Create(sink, tos));
    CUSTODY_TRY(decrypt([&](std::span<const uint8_t> b) { return writer->Write(b); }, nullptr));
    CUSTODY_TRY(writer->Finish());
    return crypto::HashToString(sink.Final());
  }
  CUSTODY_ASSIGN(const crypto::AgePayloadKey key, crypto::AgeWriter::WriteHeader(sink, tos));
  const uint64_t final_index = crypto::AgeChunkCount(size) - 1;
  ChunkRewrite seal;
  seal.capacity = [](uint32_t cs) {
    return size_t{cs} + size_t{cs} / crypto::kAgeChunkSize * crypto::kAgeTagSize;
  };
  seal.run = [&](uint64_t offset, std::span<const uint8_t> plaintext,
                 std::span<uint8_t> sealed) -> Result<size_t> {
    uint64_t index = offset / crypto::kAgeChunkSize;
    size_t written = 0;
    for (size_t at = 0; at < plaintext.size(); at += crypto::kAgeChunkSize, ++index) {
      const auto piece = plaintext.subspan(at, std::min(crypto::kAgeChunkSize, plaintext.size() - at));
      key.Seal(index, index == final_index, piece,
               sealed.subspan(written, piece.size() + crypto::kAgeTagSize));
      written += piece.size() + crypto::kAgeTagSize;
    }
    return written;
  };
  CUSTODY_TRY(decrypt(out, &seal));
  if (size == 0) {  // the rewrite saw no plaintext: the one empty final chunk
    std::array<uint8_t, crypto::kAgeTagSize> sealed{};
    key.Seal(0, true, {}, sealed);
    CUSTODY_TRY(sink.Write(sealed));
  }
  return crypto::HashToString(sink.Final());
}

Result<crypto::Hash256> HashFile(const std::string& path) {
  auto f = DefaultEnv()->Open(path, OpenMode::kRead);
  if (!f) return std::unexpected(f.error().With("cannot read " + path));
  crypto::Blake2bHasher h;
  std::vector<uint8_t> buf(1 << 16);
  for (uint64_t at = 0;;) {
    CUSTODY_ASSIGN(size_t n, (*f)->ReadAt(at, buf));
    if (n == 0) break;
    h.Update(std::span<const uint8_t>(buf.data(), n));
    at += n;
  }
  return h.Final();
}

format::PublicKeys KeysOf(const PublicIdentity& p) {
  format::PublicKeys k;
  k.set_name(p.name);
  k.set_x25519(std::string(p.x25519.begin(), p.x25519.end()));
  k.set_ed25519(std::string(p.ed25519.begin(), p.ed25519.end()));
  return k;
}

std::string LineOf(const format::PublicKeys& k) {
  PublicIdentity p;
  p.name = k.name();
  if (k.x25519().size() == p.x25519.size()) std::copy(k.x25519().begin(), k.x25519().end(), p.x25519.begin());
  if (k.ed25519().size() == p.ed25519.size())
    std::copy(k.ed25519().begin(), k.ed25519().end(), p.ed25519.begin());
  return p.ToLine();
}

}  // namespace

CopyInfo Vault::DescribeCopy(const format::CopyState& c) const {
  const auto& x = c.issued();
  CopyInfo i;
  i.reg_no = x.reg_no();
  i.copy_no = x.copy_no();
  i.of = x.of();
  i.number = x.reg_no() + "/" + std::to_string(x.copy_no());
  i.level_name = x.level() < state_->level_names.size() ? state_->level_names[x.level()] : "?";
  i.recipient_name = x.recipient().name();
  auto p = PublicIdentity::Parse(LineOf(x.recipient()));
  i.recipient_fingerprint = p ? p->Fingerprint() : "";
  const format::Member* m = state_->FindMember(x.recipient().ed25519());
  i.recipient_in_roster = m != nullptr && !m->revoked();
  i.scope = x.scope();
  i.purpose = x.purpose();
  i.issued_by = MemberName(c.issued_by());
  i.issued_unix = c.issued_unix();
  i.return_by_unix = x.return_by_unix();
  i.sealed = x.sealed();
  if (x.sealed()) i.sealed_hash_hex = ToHex(x.sealed_hash());
  if (!x.cosigner_ed25519().empty()) i.cosigned_by = MemberName(x.cosigner_ed25519());
  switch (c.status()) {
    case format::COPY_RETURNED: i.state = "returned"; break;
    case format::COPY_DESTROYED: i.state = "destroyed"; break;
    case format::COPY_LOST: i.state = "lost"; break;
    default: i.state = "issued";
  }
  i.returned_unix = c.returned_unix();
  if (c.returned_unix() != 0) i.returned_by = MemberName(c.returned_by());
  i.disposed_unix = c.disposed_unix();
  if (c.disposed_unix() != 0) {
    i.disposed_by = MemberName(c.disposed_by());
    i.witness = c.witness().empty() ? "" : MemberName(c.witness());
    i.reason = c.reason();
  }
  return i;
}

Result<PublicIdentity> Vault::MemberNamed(const std::string& name) const {
  // A fingerprint (16 hex digits, as ls, log and roster print it) names
  // one key; a name may be shared.
  const bool by_fingerprint = name.size() == 16 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
  std::optional<PublicIdentity> found;
  for (const auto& [key, m] : state_->members) {
    if (m.revoked()) continue;
    auto p = PublicIdentity::Parse(LineOf(m.keys()));
    if (!p) return std::unexpected(p.error());
    if (by_fingerprint ? p->Fingerprint() != name : m.keys().name() != name) continue;
    if (found) return Fail(Code::kUsage, "several members of vault " + container_->path() +
                                             " are called '" + name + "'; give the fingerprint (custody roster)");
    found = *p;
  }
  if (!found)
    return Fail(Code::kNotFound, "no member " + std::string(by_fingerprint ? "with fingerprint" : "called") +
                                     " '" + name + "' in vault " + container_->path());
  return *found;
}

std::vector<MemberSummary> Vault::Roster() const {
  std::vector<MemberSummary> out;
  for (const auto& [key, m] : state_->members) {
    MemberSummary s = *MemberByKey(key);
    s.public_line = LineOf(m.keys());
    out.push_back(std::move(s));
  }
  // Live members first, then by name: the order an officer reads them in.
  std::stable_sort(out.begin(), out.end(), [](const MemberSummary& a, const MemberSummary& b) {
    return std::tie(a.revoked, a.name, a.fingerprint) < std::tie(b.revoked, b.name, b.fingerprint);
  });
  return out;
}

Status Vault::ForEachCopy(const std::function<Status(const CopyInfo&)>& fn) const {
  // Streamed from the copy tree: one leaf at a time, however many copies.
  return state_->copies.ForEach([&](const format::CopyState& c) { return fn(DescribeCopy(c)); });
}

// R170a, writer side: the co-signer the profile asks for, checked before
// anything is written.
Status Vault::CheckCopyCosigner(const Identity& actor, const Identity* cosigner, uint32_t level,
                                const std::string& reg_no) const {
  const bool needed = state_->cosign_copies_from >= 0 && static_cast<int64_t>(level) >= state_->cosign_copies_from;
  if (cosigner == nullptr) {
    if (!needed) return {};
    return Fail(Code::kAuth, "vault " + container_->path() + " requires a second officer's co-signature to copy " +
                                 state_->level_names[level] + " documents such as " + reg_no + " (--cosigner)");
  }
  CUSTODY_ASSIGN(const format::Member* m, RequireMember(*state_, *cosigner, container_->path()));
  CUSTODY_TRY(RequireOfficer(*m, *cosigner, "co-sign copies"));
  CUSTODY_TRY(RequireDistinctCosigner(actor, *cosigner, "co-signer", "issuer"));
  if (m->clearance() < static_cast<int32_t>(level))
    return Fail(Code::kNotCleared, "co-signer '" + cosigner->public_identity().name + "' is not cleared for " +
                                       state_->level_names[level] + " (document " + reg_no + ")");
  return {};
}

Result<std::vector<CopyInfo>> Vault::IssueCopies(const Identity& actor, const CopyRequest& req,
                                                const TempFileHook& on_temp_file) {
  if (req.copies == 0 || req.copies > kMaxCopiesAtOnce)
    return Fail(Code::kUsage, "--copies must be 1 to " + std::to_string(kMaxCopiesAtOnce));
  if (req.scope.empty()) return Fail(Code::kUsage, "a copy needs a distribution scope (--scope)");
  for (const std::string* f : {&req.scope, &req.purpose})
    if (f->find_first_of("\r\n") != std::string::npos)
      return Fail(Code::kUsage, "a copy's scope and purpose are one line each");
  if (req.out_path == "-" && (req.sealed || req.copies != 1))
    return Fail(Code::kUsage, req.sealed ? "a sealed copy needs --out PATH (its marking is written "
                                           "beside it)"
                                         : "several copies need --out PATH, not -");
  CUSTODY_ASSIGN(Readable r, PrepareRead(actor, req.reg_no));
  const uint32_t level = r.doc.added().level();
  CUSTODY_TRY(CheckCopyCosigner(actor, req.cosigner, level, req.reg_no));
  // Every recipient is checked before anything is written, so a hand-out
  // with one wrong name issues nothing.
  std::vector<const PublicIdentity*> people{&req.recipient};
  for (const auto& p : req.also_to) people.push_back(&p);
  if (people.size() > kMaxCopiesAtOnce / req.copies)
    return Fail(Code::kUsage, "at most " + std::to_string(kMaxCopiesAtOnce) + " copies at once");
  std::vector<format::PublicKeys> recipients;
  for (const PublicIdentity* p : people) {
    format::PublicKeys keys = KeysOf(*p);
    if (!req.sealed) {
      // A plaintext copy is readable by whoever holds it: only to a member
      // the vault itself clears for the level.
      const format::Member* m = state_->FindMember(SigningKeyOf(*p));
      if (m == nullptr || m->revoked())
        return Fail(Code::kNotCleared, "'" + p->name + "' is not a member of vault " + container_->path() +
                                           "; a plaintext copy of " + req.reg_no +
                                           " goes only to a member cleared for " + state_->level_names[level] +
                                           " (a sealed copy may go to anyone)");
      if (m->clearance() < static_cast<int32_t>(level))
        return Fail(Code::kNotCleared, "'" + p->name + "' is not cleared for " + state_->level_names[level] +
                                           " (document " + req.reg_no + "); a plaintext copy is refused");
      keys = m->keys();
    }
    recipients.push_back(std::move(keys));
  }
  const uint32_t total = req.copies * static_cast<uint32_t>(people.size());
  if (req.out_path == "-" && total != 1)
    return Fail(Code::kUsage, "several copies need --out PATH, not -");
  if (r.doc.copies_issued() > UINT32_MAX - total)
    return Fail(Code::kUsage, "document " + req.reg_no + " has no copy numbers left");
  const uint32_t first = r.doc.copies_issued() + 1;
  const uint32_t last = first + total - 1;
  // Copy n goes to this recipient (`copies` in a row for each).
  auto recipient_of = [&](uint32_t n) -> size_t { return (n - first) / req.copies; };
  std::vector<std::string> paths;
  for (uint32_t n = first; n <= last; ++n) {
    std::string p = CopyPath(req.out_path, n, total);
    for (const std::string& q : req.sealed ? std::vector<std::string>{p, MarkingPath(p)}
                                           : std::vector<std::string>{p})
      if (q != "-" && ::access(q.c_str(), F_OK) == 0) return Fail(Code::kIo, q + " already exists");
    paths.push_back(std::move(p));
  }

  // Every temporary file first, empty, each shown to the caller's hook (a
  // register a killed run's leftovers are swept from) before anything is
  // committed, as for Extract: a sealed one holds only ciphertext, but an
  // untracked partial copy must not be left unnoticed either.
  std::vector<std::unique_ptr<AtomicFile>> files;
  for (const std::string& p : paths) {
    if (p == "-") {
      files.push_back(nullptr);
      continue;
    }
    auto f = AtomicFile::Create(DefaultEnv(), p);
    if (!f) return std::unexpected(f.error().With("cannot write next to " + p));
    if (on_temp_file) CUSTODY_TRY(on_temp_file((*f)->temp_path()));
    files.push_back(std::move(*f));
  }

  // Plaintext: R141, the extraction is on record before any plaintext exists.
  if (!req.sealed) {
    format::Event ev;
    auto* x = ev.mutable_document_extracted();
    x->set_doc_id(r.doc.added().doc_id());
    x->set_reg_no(req.reg_no);
    std::string names;
    for (const auto& k : recipients) names += (names.empty() ? "" : ", ") + k.name();
    x->set_purpose("copies " + req.reg_no + "/" + std::to_string(first) +
                   (last != first ? "-" + std::to_string(last) : "") + " to " + names +
                   (req.purpose.empty() ? "" : ": " + req.purpose));
    x->set_to_stdout(req.out_path == "-");
    WriteScope scope(this);
    CUSTODY_TRY(AppendEvent(std::move(ev), {&actor}));
    CUSTODY_TRY(CommitAll(actor, scope));
  }

  // Every copy whole in its temporary file (or on the descriptor) before
  // any of them is recorded as issued.
  std::vector<std::string> hashes;
  for (uint32_t n = first; n <= last; ++n) {
    auto& f = files[n - first];
    if (!f) {
      CUSTODY_TRY(DecryptTo(r, DescriptorSink(req.out_fd)));
      hashes.emplace_back();
    } else if (!req.sealed) {
      CUSTODY_TRY(DecryptTo(r, FileSink(*f->file())));
      hashes.emplace_back();
    } else {
      crypto::AgeX25519Recipient to(people[recipient_of(n)]->x25519);
      const DecryptFn decrypt = [&](const PlaintextSink& sink, const ChunkRewrite* rewrite) {
        return DecryptTo(r, sink, rewrite);
      };
      CUSTODY_ASSIGN(std::string hash, WriteSealedCopy(decrypt, r.size, r.doc.added().extent().chunk_size(),
                                                       to, *f->file()));
      hashes.push_back(std::move(hash));
    }
  }

  std::vector<CopyInfo> issued;
  {
    WriteScope scope(this);
    for (uint32_t n = first; n <= last; ++n) {
      format::Event ev;
      auto* x = ev.mutable_copy_issued();
      x->set_doc_id(r.doc.added().doc_id());
      x->set_reg_no(req.reg_no);
      x->set_copy_no(n);
      x->set_of(last);
      *x->mutable_recipient() = recipients[recipient_of(n)];
      x->set_level(level);
      x->set_scope(req.scope);
      x->set_purpose(req.purpose);
      x->set_return_by_unix(req.return_by_unix);
      x->set_sealed(req.sealed);
      if (req.sealed) x->set_sealed_hash(hashes[n - first]);
      std::vector<const Identity*> signers{&actor};
      if (req.cosigner) {
        x->set_cosigner_ed25519(SigningKeyOf(*req.cosigner));
        signers.push_back(req.cosigner);
      }
      CUSTODY_TRY(AppendEvent(std::move(ev), signers));
    }
    CUSTODY_TRY(CommitAll(actor, scope));
  }
  // Recorded; now published. A failure here leaves a recorded copy whose
  // file is missing: said so, naming it.
  for (uint32_t n = first; n <= last; ++n) {
    const size_t i = n - first;
    CUSTODY_ASSIGN(const format::CopyState* c, state_->FindCopy(req.reg_no, n));  // held since issued
    CopyInfo info = DescribeCopy(*c);
    info.path = paths[i];
    if (files[i]) {
      if (req.sealed) {
        CopyMarking m;
        m.vault_id_hex = ToHex(state_->vault_id);
        m.reg_no = req.reg_no;
        m.copy_no = n;
        m.of = last;
        m.level = state_->level_names[level];
        m.scope = req.scope;
        m.recipient_line = LineOf(recipients[recipient_of(n)]);
        m.issuer_line = actor.public_identity().ToLine();
        m.issued_unix = c->issued_unix();
        std::copy(hashes[i].begin(), hashes[i].end(), m.file_hash.begin());
        auto text = m.Sign(actor);
        Status s = text ? WriteFileAtomically(DefaultEnv(), MarkingPath(paths[i]), *text, false)
                        : Status(std::unexpected(text.error()));
        if (!s)
          return Fail(s.error().code, "copy " + info.number + " is recorded, but its marking was not "
                                      "written (" + s.error().message + ")");
      }
      if (auto s = files[i]->Commit(false); !s)
        return Fail(s.error().code, "copy " + info.number + " is recorded, but " + paths[i] +
                                        " was not written (" + s.error().message + ")");
    }
    issued.push_back(std::move(info));
  }
  return issued;
}

// " was already returned on <date> to <officer>", or destroyed / lost.
std::string Vault::NotOutstanding(const format::CopyState& c) const {
  switch (c.status()) {
    case format::COPY_RETURNED:
      return " was already returned on " + UtcDateTime(c.returned_unix()) + " to " + MemberName(c.returned_by());
    case format::COPY_DESTROYED:
      return " was destroyed on " + UtcDateTime(c.disposed_unix()) + " by " + MemberName(c.disposed_by());
    case format::COPY_LOST:
      return " was declared lost on " + UtcDateTime(c.disposed_unix()) + " by " + MemberName(c.disposed_by());
    default: return " is not outstanding";
  }
}

Status Vault::DisposeCopy(const Identity& officer, const Identity* witness, const std::string& reg_no,
                          uint32_t copy_no, const std::string& reason) {
  CUSTODY_ASSIGN(const format::Member* me, RequireMember(*state_, officer, container_->path()));
  CUSTODY_TRY(RequireOfficer(*me, officer, witness ? "destroy copies" : "declare copies lost"));
  if (witness) {
    CUSTODY_TRY(RequireMember(*state_, *witness, container_->path()));
    CUSTODY_TRY(RequireDistinctCosigner(officer, *witness, "witness", "officer"));
  }
  const std::string number = reg_no + "/" + std::to_string(copy_no);
  CUSTODY_ASSIGN(const format::CopyState* c, state_->FindCopy(reg_no, copy_no));
  if (c == nullptr) return Fail(Code::kNotFound, "no copy " + number + " in vault " + container_->path());
  const bool disposable = c->status() == format::COPY_ISSUED ||
                          (witness != nullptr && c->status() == format::COPY_RETURNED);
  if (!disposable) return Fail(Code::kUsage, "copy " + number + NotOutstanding(*c));
  if (reason.empty())
    return Fail(Code::kUsage, std::string("a reason for the ") + (witness ? "destruction" : "loss") +
                                  " of copy " + number + " is required");
  format::Event ev;
  auto* x = ev.mutable_copy_disposed();
  x->set_doc_id(c->issued().doc_id());
  x->set_reg_no(reg_no);
  x->set_copy_no(copy_no);
  x->set_lost(witness == nullptr);
  x->set_reason(reason);
  if (witness) x->set_witness_ed25519(SigningKeyOf(*witness));
  std::vector<const Identity*> signers{&officer};
  if (witness) signers.push_back(witness);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), signers));
  return CommitAll(officer, scope);
}

Status Vault::ReturnCopy(const Identity& officer, const std::string& reg_no, uint32_t copy_no,
                         const std::string& file) {
  CUSTODY_ASSIGN(const format::Member* me, RequireMember(*state_, officer, container_->path()));
  CUSTODY_TRY(RequireOfficer(*me, officer, "take copies back"));
  const std::string number = reg_no + "/" + std::to_string(copy_no);
  CUSTODY_ASSIGN(const format::CopyState* c, state_->FindCopy(reg_no, copy_no));
  if (c == nullptr) return Fail(Code::kNotFound, "no copy " + number + " in vault " + container_->path());
  if (c->status() != format::COPY_ISSUED) return Fail(Code::kUsage, "copy " + number + NotOutstanding(*c));
  std::string returned_hash;
  if (!c->issued().sealed() && !file.empty())
    return Fail(Code::kUsage, "copy " + number + " is a plaintext copy: there is no file to match "
                                  "(omit --file)");
  if (c->issued().sealed()) {
    if (file.empty())
      return Fail(Code::kUsage, "copy " + number + " is sealed: hand back its file with --file");
    CUSTODY_ASSIGN(crypto::Hash256 h, HashFile(file));
    returned_hash = crypto::HashToString(h);
    if (returned_hash != c->issued().sealed_hash())
      return Fail(Code::kCorrupt, file + " is not sealed copy " + number + " as issued (BLAKE2b-256 " +
                                      HashHex(h) + ", issued " + ToHex(c->issued().sealed_hash()) +
                                      "); nothing recorded");
  }
  format::Event ev;
  auto* x = ev.mutable_copy_returned();
  x->set_doc_id(c->issued().doc_id());
  x->set_reg_no(reg_no);
  x->set_copy_no(copy_no);
  x->set_returned_hash(returned_hash);
  WriteScope scope(this);
  CUSTODY_TRY(AppendEvent(std::move(ev), {&officer}));
  return CommitAll(officer, scope);
}

}  // namespace custody::vault
