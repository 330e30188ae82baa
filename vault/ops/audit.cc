// Keyless audit: replays the whole log from the first record, ignoring every
// shortcut the normal open takes (checkpoints are verified, not trusted).
// See format/FORMAT.md §5.7.
#include <span>
#include <google/protobuf/util/message_differencer.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "base/encoding.h"
#include "base/pipeline.h"
#include "base/work_pool.h"
#include "crypto/hash.h"
#include "format/constants.h"
#include "vault/ops/internal.h"
#include "vault/place/place.h"
#include "vault/catalog/tree_audit.h"
#include "vault/storage/extent_stream.h"

namespace custody::vault {

namespace {

class Auditor {
 public:
  Auditor(const Container& c, const AuditAnchor* anchor, const CheckpointCheck* checkpoint)
      : c_(c), anchor_(anchor), checkpoint_(checkpoint), pages_(c), trees_(pages_), copy_trees_(pages_) {}
  Result<AuditReport> Run();

 private:
  void Problem(const std::string& where, const std::string& message) {
    rep_.problems.push_back({where, message});
  }
  void DescribeSuperblock();
  void ScanLog();
  void VisitEvent(const RecordRef& ref, const Result<std::string>& payload, const CheckedSignatures& ahead);
  void VisitCheckpoint(const RecordRef& ref, const std::string& where);
  // REQUIREMENTS.md 4.7 (FORMAT.md §5.7): an act signed by a member after
  // their time-limited grant ended, or dated before the event it follows.
  void CheckGrantTimes(uint64_t offset);
  void CheckCatalog(const format::Checkpoint& cp, const std::string& where);
  void CheckPagesReached();
  void CheckEnd();
  void CheckSlots();
  format::Event::KindCase LastEventKind() const;
  std::optional<format::Event> LastEvent() const;
  void DescribeBackup();
  void ListMedia();
  void CheckHostBinding(uint64_t offset);
  void ScanTail();
  void CheckAnchor();
  void ListMembers();
  // What checking one document found, merged into the report in catalog
  // order (documents are checked on several threads).
  struct DocFindings {
    std::vector<AuditProblem> problems;
    uint64_t live = 0, destroyed = 0, bytes_hashed = 0;
    bool damaged = false;
    void Problem(const std::string& where, const std::string& message) { problems.push_back({where, message}); }
  };
  void CheckDocuments();
  // Thread-safe: reads the container and the scan's maps only.
  void CheckDocument(const format::DocumentState& d, DocFindings& f) const;
  void CheckDestroyed(const std::string& where, const format::DocumentState& d, DocFindings& f) const;
  void CheckOverwritten(const std::string& where, std::span<const format::KeyRef> refs,
                        const std::string& why, DocFindings& f) const;
  bool KeyRecordsIntact(const std::string& where, const format::DocumentState& d, DocFindings& f) const;
  std::string ReadKeyPayload(uint64_t offset, bool* ok) const;

  const Container& c_;
  const AuditAnchor* anchor_;
  const CheckpointCheck* checkpoint_;
  transparency::MerkleTree tree_;           // over the events replayed (for checkpoint_)
  AuditReport rep_;
  VaultState state_;
  std::string anchor_head_;                 // the ledger head after anchor_->event_count events
  std::map<uint64_t, bool> key_records_;    // header offsets of KEY records
  std::map<uint64_t, uint64_t> extents_;    // payload offset -> length
  std::set<uint64_t> checkpoints_;          // header offsets of CHECKPOINT records
  std::set<uint64_t> catalog_pages_;        // header offsets of CATALOG_PAGE records
  ContainerPageReader pages_;
  TreeAuditor trees_;
  CopyTreeAuditor copy_trees_;
  uint64_t last_event_offset_ = 0;
  bool chain_broken_ = false;
  VerifiedEvent applied_;       // the event VisitEvent replayed last
  int64_t last_time_ = 0;       // its predecessor's time
};

Result<AuditReport> Auditor::Run() {
  // The empty ledger's head: `--expect 0:<64 zeros>` holds for every vault.
  if (anchor_ && anchor_->event_count == 0) anchor_head_ = state_.ledger_head;
  DescribeSuperblock();
  ScanLog();
  if (!chain_broken_) CheckEnd();
  if (!chain_broken_) CheckPagesReached();
  CheckSlots();
  if (!chain_broken_) ScanTail();
  rep_.ledger_head_hex = ToHex(state_.ledger_head);
  if (anchor_ && !chain_broken_) CheckAnchor();
  if (checkpoint_ && !chain_broken_) {
    CUSTODY_ASSIGN(CheckpointFinding f, CheckCheckpointNote(rep_.vault_id_hex, tree_, RosterKeysOf(state_),
                                                            checkpoint_->trusted, checkpoint_->note));
    if (!f.problem.empty()) Problem("checkpoint", f.problem);
    rep_.checkpoint = std::move(f);
  } else if (checkpoint_) {
    Problem("checkpoint", "not checked: the ledger could not be replayed to its end");
  }
  ListMembers();
  ListMedia();
  if (!chain_broken_) DescribeBackup();
  CheckDocuments();
  return std::move(rep_);
}

void Auditor::DescribeSuperblock() {
  const auto& sb = c_.superblock();
  rep_.vault_id_hex = ToHex(sb.vault_id());
  rep_.label = sb.label();
  rep_.level_names.assign(sb.level_names().begin(), sb.level_names().end());
  rep_.highest_level_held = sb.highest_level_held();
  rep_.sequence = sb.sequence();
  rep_.committed_end = sb.committed_end();
  rep_.file_size = c_.file_size();
  if (!c_.other_slot_problem().empty())
    Problem(std::string("superblock ") + (c_.active_slot() ? "A" : "B"), c_.other_slot_problem());
  if (c_.file_size() > sb.committed_end()) rep_.uncommitted_tail = c_.file_size() - sb.committed_end();
}

namespace {
// The scan reads the log in batches of records; worker threads read each
// event's payload and check its signatures (the bulk of an audit's work)
// while the replay, on the scanning thread, takes the batches in order.
constexpr size_t kScanBatch = 1024;
// A batch's records are read from one window of the file (one read, not
// three a record); a record whose header lies past it starts the next batch.
constexpr uint64_t kScanWindow = 1u << 20;
constexpr size_t kScanAhead = 4;  // batches read ahead of the replay

struct ScannedRecord {
  RecordRef ref;
  Result<std::string> payload;  // EVENT records only, read by a worker
  CheckedSignatures ahead;
};

struct ScanBatch {
  ReadWindow window;
  std::vector<ScannedRecord> records;
  // The header the scan could not read, after these records, if any.
  std::optional<std::pair<uint64_t, Error>> unreadable;
  std::shared_ptr<WorkPool::Batch> work;
};
}  // namespace

// Threads for a vault's audit: none for a small one, where starting and
// joining them would cost more than its whole audit (the batches then run
// on the auditing thread, WorkPool::Batch::Wait).
static unsigned AuditWorkers(const Container& c) {
  return c.superblock().committed_end() < (uint64_t{4} << 20) ? 0 : DefaultWorkers();
}

void Auditor::ScanLog() {
  const uint64_t end = c_.superblock().committed_end();
  uint64_t at = format::kLogStart;
  bool more = at < end;
  // Declared before the pool: the pool's threads are joined before the
  // batches they write into go.
  std::deque<std::unique_ptr<ScanBatch>> ahead;
  WorkPool pool(AuditWorkers(c_));
  const auto read_batch = [&] {
    auto batch = std::make_unique<ScanBatch>();
    batch->records.reserve(kScanBatch);
    (void)c_.ReadWindowAt(at, at + kScanWindow, batch->window);  // empty on failure: plain reads
    const uint64_t window_end = batch->window.offset + batch->window.bytes.size();
    while (at < end && batch->records.size() < kScanBatch) {
      if (!batch->records.empty() && (at >= window_end || window_end - at < format::kRecordHeaderSize)) break;
      auto ref = c_.ReadHeader(at, &batch->window);
      if (!ref) {
        batch->unreadable.emplace(at, std::move(ref.error()));
        break;
      }
      at = ref->payload_offset() + ref->header.length;
      batch->records.push_back({std::move(*ref), {}, {}});
    }
    more = at < end && !batch->unreadable;
    ScanBatch* b = batch.get();
    b->work = pool.Submit(b->records.size(), [this, b](size_t i) {
      ScannedRecord& r = b->records[i];
      if (r.ref.header.type != format::RecordType::kEvent) return;
      r.payload = c_.ReadPayload(r.ref, &b->window);
      if (r.payload) r.ahead = CheckSignaturesAhead(*r.payload);
    });
    ahead.push_back(std::move(batch));
  };
  while (more || !ahead.empty()) {
    while (more && ahead.size() < kScanAhead) read_batch();
    std::unique_ptr<ScanBatch> batch = std::move(ahead.front());
    ahead.pop_front();
    batch->work->Wait();
    for (const ScannedRecord& r : batch->records) {
      ++rep_.records;
      const RecordRef& ref = r.ref;
      switch (ref.header.type) {
        case format::RecordType::kExtent: extents_[ref.payload_offset()] = ref.header.length; break;
        case format::RecordType::kKey: key_records_[ref.offset] = true; break;
        case format::RecordType::kCatalogPage: catalog_pages_.insert(ref.offset); break;
        case format::RecordType::kEvent: VisitEvent(ref, r.payload, r.ahead); break;
        case format::RecordType::kCheckpoint:
          checkpoints_.insert(ref.offset);
          VisitCheckpoint(ref, "record at " + std::to_string(ref.offset));
          break;
        default: break;
      }
    }
    if (batch->unreadable) {
      const auto& [where, error] = *batch->unreadable;
      Problem("record at " + std::to_string(where), error.message + " (the rest of the log cannot be read)");
      chain_broken_ = true;
      return;
    }
  }
}

void Auditor::VisitEvent(const RecordRef& ref, const Result<std::string>& payload,
                         const CheckedSignatures& ahead) {
  if (chain_broken_) return;
  auto replayed = payload ? ReplayEvent(*payload, state_, ref.offset, &ahead, &applied_)
                          : Result<size_t>(std::unexpected(payload.error()));
  if (!replayed) {
    Problem("record at " + std::to_string(ref.offset), replayed.error().message + "; ledger verification stops here");
    chain_broken_ = true;
    return;
  }
  rep_.signatures_verified += *replayed;
  ++rep_.events;
  CheckGrantTimes(ref.offset);
  CheckHostBinding(ref.offset);
  if (checkpoint_) tree_.Append(*payload);
  last_event_offset_ = ref.offset;
  if (anchor_ && state_.event_count == anchor_->event_count) anchor_head_ = state_.ledger_head;
}

void Auditor::CheckGrantTimes(uint64_t offset) {
  const int64_t t = applied_.event.time_unix();
  const int64_t before = last_time_;
  last_time_ = t;
  for (const auto& signer : applied_.signers) {
    const format::Member* m = state_.FindMember(signer);
    if (m == nullptr || m->until_unix() == 0) continue;
    // A Revoked event for the expiry is the officer's, never the member's.
    const std::string who = "'" + m->keys().name() + "'";
    if (t > m->until_unix())
      Problem("record at " + std::to_string(offset),
              "event " + std::to_string(applied_.event.sequence()) + " signed by " + who + " at " +
                  UtcDateTime(t) + ", after their grant expired at " + UtcDateTime(m->until_unix()));
    else if (t < before)
      Problem("record at " + std::to_string(offset),
              "event " + std::to_string(applied_.event.sequence()) + " signed by " + who +
                  " (time-limited grant) is dated " + UtcDateTime(t) + ", before the event it follows");
  }
}

// Format v7: once the vault is bound to hosts, an honest client acts only
// on those (Vault::EnforceBindings); an act made elsewhere came from a
// client that ignored the binding. The record of a refused open is made
// on the refused host by design, and the first binding anywhere.
void Auditor::CheckHostBinding(uint64_t offset) {
  const format::Event& e = applied_.event;
  if (state_.hosts.empty() || e.kind_case() == format::Event::kOpenOutsideBindings) return;
  if (e.kind_case() == format::Event::kHostBound && state_.hosts.size() == 1) return;
  if (e.has_host() && state_.hosts.count(e.host().id())) return;
  Problem("record at " + std::to_string(offset),
          "event " + std::to_string(e.sequence()) + " was made on " +
              (e.has_host() ? DescribeHost(e.host()) : std::string("a machine it does not name")) +
              ", which is not an approved host of the vault");
}

void Auditor::VisitCheckpoint(const RecordRef& ref, const std::string& where) {
  if (chain_broken_) return;
  auto payload = c_.ReadPayload(ref);
  if (!payload) {
    Problem(where, "checkpoint is damaged");
    return;
  }
  // The roster that vouches for a checkpoint is the one replayed so far.
  auto cp = VerifyCheckpoint(*payload, state_);
  if (!cp) {
    Problem(where, cp.error().message == "checkpoint does not parse" ? "checkpoint is damaged"
                                                                     : cp.error().message);
    return;
  }
  ++rep_.signatures_verified;
  // Every checkpoint, reachable or not, is what a reader could be made to
  // use: each must equal the replay at its point, authority index included.
  if (cp->has_catalog()) {
    CheckCatalog(*cp, where);
    return;
  }
  const bool inline_catalog = state_.linked;  // a v2 checkpoint as 0.2.0 wrote it
  if (!google::protobuf::util::MessageDifferencer::Equals(
          *cp, state_.ToCheckpoint(last_event_offset_, inline_catalog)))
    Problem(where, "checkpoint does not match the state replayed from the ledger");
  else
    ++rep_.checkpoints_verified;
}

// A paged v2 checkpoint: its fields against the replay, then its trees
// (each auditor reads only the pages new since the last tree it accepted):
// the documents', and the copies' (v5; a 0.4.0 checkpoint has its copies
// inline, compared with the fields).
void Auditor::CheckCatalog(const format::Checkpoint& cp, const std::string& where) {
  format::Checkpoint fields = cp;
  fields.clear_catalog();
  fields.clear_copy_catalog();
  format::Checkpoint expected = state_.ToCheckpoint(last_event_offset_);  // copies inline: held in memory
  if (cp.has_copy_catalog()) expected.clear_copies();  // and `copies` MUST then be empty (R177)
  if (!state_.linked || !google::protobuf::util::MessageDifferencer::Equals(fields, expected)) {
    Problem(where, "checkpoint does not match the state replayed from the ledger");
    return;
  }
  auto tree = trees_.Check(cp.catalog(), state_.catalog, state_.catalog.changed(), state_.level_names.size());
  if (!tree) {
    Problem(where, "checkpoint's catalog does not match the ledger: " + tree.error().message);
    return;
  }
  if (cp.has_copy_catalog()) {
    auto copies = copy_trees_.Check(cp.copy_catalog(), state_.copies, state_.copies.changed(),
                                    state_.level_names.size());
    if (!copies) {
      Problem(where, "checkpoint's copy tree does not match the ledger: " + copies.error().message);
      return;
    }
    state_.copies.TakeChanged();
  }
  state_.catalog.TakeChanged();
  ++rep_.checkpoints_verified;
}

// Every catalog page is part of some checkpoint's tree: a page nothing
// reaches is bytes a reader could be pointed at that audit never checked.
void Auditor::CheckPagesReached() {
  for (uint64_t at : catalog_pages_)
    if (!trees_.reached().count(at) && !copy_trees_.reached().count(at))
      Problem("record at " + std::to_string(at), "a catalog page that no checkpoint's tree reaches");
}

void Auditor::CheckEnd() {
  const auto& sb = c_.superblock();
  if (state_.ledger_head != sb.ledger_head() || state_.event_count != sb.event_count())
    Problem("superblock", "the ledger does not end where the superblock says (" +
                              std::to_string(state_.event_count) + " events replayed, " +
                              std::to_string(sb.event_count()) + " committed)");
  // R120: the pointer must land on a record the scan reached, not on bytes
  // that merely look like one inside another record's payload.
  if (sb.checkpoint_offset() != 0 && !checkpoints_.count(sb.checkpoint_offset()))
    Problem("superblock", "points at a checkpoint that is not one of the vault's records "
                          "(hidden inside another record, or not there)");
  if (sb.format_version() >= format::kFirstLinkedFormatVersion && !state_.linked)
    Problem("ledger", "a format v2 vault whose events carry no authority links");
  if (auto s = CheckOuterMarking(sb, state_); !s) Problem("superblock", s.error().message);
}

// R103: a zero superblock slot is the state only a fresh file leaves (the
// vault just created, or rebuilt by compaction). Anywhere else it is a slot
// zeroed to undo the newest commit.
// The kind of the last replayed event, parsed once when it is needed rather
// than for every event of the scan.
std::optional<format::Event> Auditor::LastEvent() const {
  auto ref = c_.ReadHeader(last_event_offset_);
  auto payload = ref ? c_.ReadPayload(*ref) : Result<std::string>(std::unexpected(ref.error()));
  format::SignedEvent se;
  format::Event ev;
  if (!payload || !se.ParseFromString(*payload) || !ev.ParseFromString(se.body())) return std::nullopt;
  return ev;
}

format::Event::KindCase Auditor::LastEventKind() const {
  auto ev = LastEvent();
  return ev ? ev->kind_case() : format::Event::KIND_NOT_SET;
}

// R187: a file whose ledger ends with a BackupMade event is that backup.
void Auditor::DescribeBackup() {
  auto ev = LastEvent();
  if (!ev || ev->kind_case() != format::Event::kBackupMade) return;
  const auto& x = ev->backup_made();
  AuditReport::Backup b;
  b.sequence = ev->sequence();
  b.time_unix = ev->time_unix();
  b.destination = x.destination();
  const format::Member* m = state_.FindMember(ev->actor_ed25519());
  b.made_by = m ? m->keys().name() : "(unknown)";
  b.marking = x.highest_level() >= 0 && static_cast<size_t>(x.highest_level()) < state_.level_names.size()
                  ? state_.level_names[static_cast<size_t>(x.highest_level())]
                  : "none";
  rep_.backup_of = std::move(b);
}

void Auditor::CheckSlots() {
  if (!c_.other_slot_zero()) return;
  const bool fresh = state_.event_count == 1 || LastEventKind() == format::Event::kCompacted;
  if (!fresh)
    Problem(std::string("superblock ") + (c_.active_slot() ? "A" : "B"),
            "is zero, but the vault has been written since it was created or compacted: "
            "the newer commit was erased (rollback)");
}

// R104: signed events past the committed end that continue the ledger are
// a commit the superblock does not show: either a writer was interrupted
// between its data sync and its superblock write, or the newer superblock
// was erased. On disk the two are the same (a crash in the first commit
// after creation leaves exactly what zeroing it does), so they are reported,
// not failed; a client that remembers the vault tells them apart (R130).
void Auditor::ScanTail() {
  const uint64_t end = c_.superblock().committed_end();
  if (c_.file_size() <= end) return;
  VaultState tail = state_;
  uint64_t found = 0;
  auto scanned = c_.ScanUncommitted([&](const RecordRef& ref) -> Result<bool> {
    if (ref.header.type != format::RecordType::kEvent) return true;
    CUSTODY_ASSIGN(std::string payload, c_.ReadPayload(ref));
    if (!ReplayEvent(payload, tail, ref.offset)) return false;
    ++found;
    return true;
  });
  (void)scanned;  // a torn tail ends the scan; what was found before it counts
  rep_.tail_events = found;
}

void Auditor::CheckAnchor() {
  if (state_.event_count < anchor_->event_count)
    Problem("ledger", "holds " + std::to_string(state_.event_count) +
                          " events, but an earlier audit recorded " +
                          std::to_string(anchor_->event_count) +
                          ": the vault was rolled back or truncated");
  else if (ToHex(anchor_head_) != anchor_->ledger_head_hex)
    Problem("ledger", "event " + std::to_string(anchor_->event_count) +
                          " does not have the head an earlier audit recorded: the history was "
                          "rewritten");
}

// Format v7: the registered media, and which of them holds the file now.
void Auditor::ListMedia() {
  auto here = MediumOf(c_.path());
  for (const auto& [number, m] : state_.media) {
    const bool is_here = here && state_.FindMedium(*here) == &m;
    rep_.media.push_back({number, m.registered.label(), is_here});
  }
}

void Auditor::ListMembers() {
  for (const auto& [key, m] : state_.members) {
    const bool cleared = m.clearance() >= 0 &&
                         m.clearance() < static_cast<int>(state_.level_names.size());
    rep_.members.push_back({m.keys().name(),
                            ToHex(crypto::HashToString(crypto::Blake2b256(key)).substr(0, 8)),
                            RoleName(m.role()),
                            cleared ? state_.level_names[m.clearance()] : "none", m.revoked()});
  }
}

std::string Auditor::ReadKeyPayload(uint64_t offset, bool* ok) const {
  auto kr = c_.ReadHeader(offset);
  auto payload = kr ? c_.ReadPayloadUnchecked(*kr) : Result<std::string>(std::unexpected(kr.error()));
  *ok = payload.has_value();
  return payload ? std::move(*payload) : std::string();
}

// Destroyed documents must really be overwritten: ciphertext and every key
// record that ever wrapped the data key.
void Auditor::CheckDestroyed(const std::string& where, const format::DocumentState& d, DocFindings& f) const {
  ++f.destroyed;
  bool all_zero = true;
  for (const format::Extent* version : DocumentExtents(d)) {
    auto zero = ExtentIsZeroed(c_, *version);
    all_zero &= zero && *zero;
  }
  if (!all_zero)
    f.Problem(where, "destroyed, but its ciphertext was not overwritten (if a destroy was "
                   "interrupted, the next write access to the vault completes it)");
  std::vector<format::KeyRef> refs(d.old_keys().begin(), d.old_keys().end());
  refs.insert(refs.end(), d.erased_keys().begin(), d.erased_keys().end());
  for (const auto& v : d.earlier_versions()) refs.push_back(v.key());
  refs.push_back(d.key());
  CheckOverwritten(where, refs, "destroyed", f);
}

// Key records that must hold zeros only: a destroyed document's, and the
// wraps a declassification superseded (R175).
void Auditor::CheckOverwritten(const std::string& where, std::span<const format::KeyRef> refs,
                               const std::string& why, DocFindings& f) const {
  for (const auto& ref : refs) {
    if (!c_.ReadHeader(ref.offset())) {
      f.Problem(where, why + ", but a key record header is unreadable");
      continue;
    }
    bool ok = false;
    std::string payload = ReadKeyPayload(ref.offset(), &ok);
    if (!ok || payload.find_first_not_of('\0') != std::string::npos)
      f.Problem(where, why + ", but a wrapped key was not overwritten");
  }
}

// Every key record of a live document is where its signed reference says,
// hashes to it, and belongs to this document and level.
bool Auditor::KeyRecordsIntact(const std::string& where, const format::DocumentState& d,
                               DocFindings& f) const {
  bool intact = true;
  std::vector<format::KeyRef> refs(d.old_keys().begin(), d.old_keys().end());
  for (const auto& v : d.earlier_versions()) refs.push_back(v.key());
  refs.push_back(d.key());
  for (const auto& ref : refs) {
    if (!key_records_.count(ref.offset())) {
      f.Problem(where, "key record missing");
      intact = false;
      continue;
    }
    bool ok = false;
    std::string payload = ReadKeyPayload(ref.offset(), &ok);
    format::WrappedDocumentKey wrap;
    if (!ok || crypto::HashToString(crypto::Blake2b256(payload)) != ref.hash()) {
      f.Problem(where, "its wrapped key record is damaged");
      intact = false;
    } else if (!wrap.ParseFromString(payload) || wrap.doc_id() != d.added().doc_id() ||
               wrap.level() != d.added().level()) {
      f.Problem(where, "its key record belongs to another document or level");
      intact = false;
    }
  }
  return intact;
}

void Auditor::CheckDocuments() {
  // The replay holds every document in memory (no tree): this cannot fail,
  // and the pointers stay valid while the documents are checked.
  std::vector<const format::DocumentState*> docs;
  docs.reserve(state_.catalog.size());
  (void)state_.catalog.ForEach([&](const format::DocumentState& d) -> Status {
    docs.push_back(&d);
    return {};
  });
  constexpr size_t kDocBatch = 256;
  std::deque<std::pair<size_t, std::vector<DocFindings>>> findings;  // by first index
  std::deque<std::shared_ptr<WorkPool::Batch>> work;
  WorkPool pool(AuditWorkers(c_));  // after the findings it writes into
  size_t next = 0;
  const auto submit = [&] {
    const size_t from = next, n = std::min(kDocBatch, docs.size() - from);
    next += n;
    findings.emplace_back(from, std::vector<DocFindings>(n));
    DocFindings* out = findings.back().second.data();
    work.push_back(pool.Submit(n, [this, &docs, from, out](size_t i) { CheckDocument(*docs[from + i], out[i]); }));
  };
  while (next < docs.size() || !work.empty()) {
    while (next < docs.size() && work.size() < kScanAhead) submit();
    work.front()->Wait();
    work.pop_front();
    auto [from, batch] = std::move(findings.front());
    findings.pop_front();
    for (size_t i = 0; i < batch.size(); ++i) {
      DocFindings& f = batch[i];
      for (auto& p : f.problems) rep_.problems.push_back(std::move(p));
      rep_.documents_live += f.live;
      rep_.documents_destroyed += f.destroyed;
      rep_.bytes_hashed += f.bytes_hashed;
      if (f.damaged) rep_.damaged_documents.push_back(docs[from + i]->added().reg_no());
    }
  }
}

void Auditor::CheckDocument(const format::DocumentState& d, DocFindings& f) const {
  const std::string& reg = d.added().reg_no();
  const std::string where = "document " + reg;
  if (d.destroyed() && d.compacted_away()) {
    ++f.destroyed;  // its space no longer exists in this file
    return;
  }
  const std::vector<const format::Extent*> versions = DocumentExtents(d);
  for (const format::Extent* e : versions) {
    auto ext = extents_.find(e->offset());
    if (ext == extents_.end() || ext->second != e->length()) {
      f.Problem(where, versions.size() > 1 && e != versions.back()
                           ? "the extent of an earlier version is missing or has the wrong size"
                           : "its extent is missing or has the wrong size");
      f.damaged = true;
      return;
    }
  }
  if (d.destroyed()) {
    CheckDestroyed(where, d, f);
    return;
  }
  ++f.live;
  if (d.erased_keys_size() > 0) {
    std::vector<format::KeyRef> erased(d.erased_keys().begin(), d.erased_keys().end());
    CheckOverwritten(where, erased, "declassified", f);
  }
  bool damaged = !KeyRecordsIntact(where, d, f);
  for (const format::Extent* e : versions) {
    auto root = HashExtent(c_, *e);
    f.bytes_hashed += e->length();
    if (!root || crypto::HashToString(*root) != e->root_hash()) {
      f.Problem(where, e != versions.back()
                           ? "the ciphertext of an earlier version does not match the hash in its signed ledger event"
                           : "its ciphertext does not match the hash in its signed ledger event");
      damaged = true;
    }
  }
  f.damaged = damaged;
}

}  // namespace

Result<AuditReport> Vault::Audit(const std::string& path, Env* env, const AuditAnchor* anchor,
                                 const CheckpointCheck* checkpoint) {
  auto opened = Container::Open(env, path, Container::Mode::kRead);
  if (!opened) {
    if (opened.error().code == Code::kNotFound)
      return Fail(Code::kNotFound, "vault " + path + " not found");
    return std::unexpected(opened.error());
  }
  return Auditor(**opened, anchor, checkpoint).Run();
}

}  // namespace custody::vault
