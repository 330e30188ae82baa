// The entry point of the vault library: create, open, and every operation
// the CLI and the mount offer. See README.md for the user's view and
// format/FORMAT.md for the bytes.
//
// A Vault opened for writing holds the file's exclusive lock until it is
// destroyed; every mutating call is one atomic commit (all of it is visible
// after a crash, or none of it), and a call that fails leaves the file as it
// was. A Vault opened for reading sees the last commit and takes no lock.
//
// Access control: operations take the acting Identity. Membership and role
// are checked against the roster (kAuth), levels against the member's
// clearance (kNotCleared); documents above the clearance are invisible to
// List. Not thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/env.h"
#include "base/status.h"
#include "vault/auditor_checkpoint.h"
#include "vault/identity/identity.h"
#include "vault/transparency/merkle.h"

namespace custody::vault {

class Container;   // vault/storage/container.h (internal)
struct ReadWindow;  // the same
struct ChunkRewrite;  // vault/storage/extent_stream.h (internal)
class ExtentReader;   // the same
class StreamingExtent;  // the same
class VaultState;  // vault/ledger/state.h (internal)
class KeyRing;     // vault/keys/key_ring.h (internal)
class SlotCache;   // the same
class ClientMemory;  // vault/client_memory.h
class PageReader;    // vault/catalog/catalog.h (internal)
}  // namespace custody::vault

namespace custody::crypto {
class SecretBytes;  // crypto/secret_bytes.h
}  // namespace custody::crypto

namespace custody::format {  // format/custody.proto (internal)
class Extent;
class CopyState;
class DocumentMetadata;
class DocumentState;
class Event;
class Member;
class KeyRef;
class OpenOutsideBindings;
class Superblock;
class WrappedDocumentKey;
}  // namespace custody::format

namespace custody::vault {

inline const std::vector<std::string> kDefaultLevels = {"internal", "confidential", "secret",
                                                        "top-secret"};

// What a member may do besides reading the levels they are cleared for.
enum class Role {
  kStaff,    // adds, lists, extracts at their clearance
  kOfficer,  // also grants, revokes, destroys, compacts
  kAuditor,  // holds no clearance and no key; audits
};

// A classification level of a vault: an index into its ordered level list
// (lowest first). Only Vault::LevelIndex and Vault::LevelAt make one, after
// checking it against the vault's levels, so an out-of-range level cannot be
// expressed. A Level of one vault given to another vault with fewer levels
// is refused by the operation (kUsage).
class Level {
 public:
  Level() = default;  // the lowest level, which every vault has
  uint32_t index() const { return index_; }
  auto operator<=>(const Level&) const = default;

 private:
  friend class Vault;
  explicit Level(uint32_t index) : index_(index) {}
  uint32_t index_ = 0;
};

struct DocumentInfo {
  std::string reg_no;
  std::string doc_id_hex;
  Level level;
  std::string level_name;
  std::string title;       // empty when destroyed
  std::string file_name;   // empty when destroyed
  uint64_t size = 0;
  int64_t added_unix = 0;
  std::string added_by;    // name from the roster
  bool destroyed = false;
  int64_t destroyed_unix = 0;
  std::string destroyed_by;
  uint64_t extract_count = 0;
  // Registration details (FORMAT.md R28a); 0 / empty when not recorded.
  std::string originator;
  std::string custodian;          // name from the roster
  bool urgent = false;
  int64_t due_unix = 0;
  int64_t handled_unix = 0;
  std::string handled_by;
  int64_t classified_until_unix = 0;
  bool is_public = false;         // declassified to "public" (readable by every member)
  std::string review_pending;     // "to LEVEL by NAME" while a declassification awaits approval
  uint32_t copies_issued = 0;
  uint32_t copies_outstanding = 0;
  // Format v8: the folder within the level's folder (empty: none), the
  // current version (1 until revised) and how many earlier ones are kept,
  // and whether the document was withdrawn from its folder (R190).
  std::string folder;
  uint32_t version = 1;
  uint32_t earlier_versions = 0;
  bool withdrawn = false;
  int64_t withdrawn_unix = 0;
  std::string withdrawn_by;
};

// The register's details of the documents one Vault::Add registers
// (REQUIREMENTS.md 1.2, 1.4, 1.5).
struct Registration {
  std::string originator;                 // where the material came from
  std::optional<PublicIdentity> custodian;  // default: the actor
  bool urgent = false;                    // due the same day; else in the profile's days
  std::optional<uint32_t> classification_years;  // default: the profile's for the level; 0: none
};

// A document's content held in memory (the mount's drafts): `size` bytes,
// read in order by `read(offset, out)`, which fills all of `out`.
struct ContentSource {
  uint64_t size = 0;
  std::function<Status(uint64_t offset, std::span<uint8_t> out)> read;
  // The content's first chunks already sealed (Vault::StreamContent), or
  // null. Used when it was made for the version being written and not yet
  // finished; then `read` is asked only for the bytes past its chunks.
  // Otherwise ignored, and everything is read and sealed anew.
  StreamingExtent* streamed = nullptr;
};

struct AddRequest {
  std::string path;
  std::string title;   // defaults to the file name
  std::string reg_no;  // empty: assigned automatically
  std::string file_name;  // the name extract restores; defaults to the path's last component
  // An open descriptor of a regular file to read instead of opening `path`
  // (which then only names the input in messages): `add -` hands standard
  // input over this way. Not closed by Add.
  int fd = -1;
  // Content from memory instead of a file (then `path` only names it).
  const ContentSource* content = nullptr;
  // The folder the document is in, within its level's folder of a mount
  // ("a/b"; empty: the level folder). Format v8, sealed like the name.
  // (Initialized so that the many AddRequest{path, title, ...} need not name it.)
  std::string folder{};
};

// A change to where a document shows in its level's folder (Vault::
// ChangeFolders; FORMAT.md R189, R190).
struct FolderChange {
  enum class Kind { kRename, kWithdraw } kind = Kind::kRename;
  std::string reg_no;
  std::string folder;     // kRename: the new folder and name
  std::string file_name;
};

// The register's rules, fixed when the vault is created (format::Profile).
struct VaultProfile {
  uint32_t due_days = 5;                     // an ordinary document's handling time
  std::vector<uint32_t> classification_years;  // per level; empty: 0/10/20/30 (then 30)
  // Copies of documents at this level or above need a second officer's
  // co-signature (CopyRequest::cosigner); none if unset.
  std::optional<uint32_t> cosign_copies_from;
};

// What needs an officer's attention today (Vault::ListDue).
struct DueItem {
  std::string kind;      // "document", "copy", "classification", "withdrawn"
  std::string number;    // registration or copy number
  std::string level_name;
  int64_t due_unix = 0;  // the missed date: handling, return-by, end of classification
  std::string who;       // custodian, or the copy's recipient
};

struct ExtractRequest {
  std::string reg_no;
  std::string out_path;  // "-" for `out_fd`
  int out_fd = 1;
  bool force = false;    // replace an existing file
  std::string purpose;
  uint32_t version = 0;  // v8: an earlier version to extract; 0: the current one
};

// A tracked copy to issue (Vault::IssueCopies, FORMAT.md §3.8 CopyIssued).
struct CopyRequest {
  std::string reg_no;
  PublicIdentity recipient;  // plaintext: a live member cleared for the level
  // Further recipients (a hand-out): `copies` copies each, numbered on in
  // this order after the first recipient's, all in the same commit.
  std::vector<PublicIdentity> also_to;
  uint32_t copies = 1;       // per recipient; numbered on from the document's last copy
  std::string scope;         // required
  std::string purpose;
  int64_t return_by_unix = 0;  // 0: none
  bool sealed = false;       // an age file to the recipient's X25519 key
  // A second officer cleared for the level, who co-signs every copy; needed
  // where the vault's profile requires it (VaultProfile::cosign_copies_from).
  const Identity* cosigner = nullptr;
  // One copy: the destination ("-" for `out_fd`, plaintext only). Several
  // (more copies or more recipients):
  // each copy's file is this path with "-<copy number>" inserted before a
  // trailing ".age" (or appended).
  std::string out_path;
  int out_fd = 1;
};

// One tracked copy as the ledger records it.
struct CopyInfo {
  std::string reg_no;
  uint32_t copy_no = 0;
  uint32_t of = 0;
  std::string number;          // "S-2026-00001/3"
  std::string level_name;
  std::string recipient_name;
  std::string recipient_fingerprint;
  bool recipient_in_roster = false;
  std::string scope;
  std::string purpose;
  std::string issued_by;       // name from the roster
  int64_t issued_unix = 0;
  int64_t return_by_unix = 0;  // 0: none
  bool sealed = false;
  std::string sealed_hash_hex;  // sealed: BLAKE2b-256 of the age file
  std::string cosigned_by;     // the approving officer, if any
  std::string state;           // "issued", "returned", "destroyed" or "lost"
  int64_t returned_unix = 0;
  std::string returned_by;
  int64_t disposed_unix = 0;   // destroyed or lost
  std::string disposed_by;
  std::string witness;         // destroyed: the witness
  std::string reason;
  std::string path;            // IssueCopies only: where the copy was written
};

// Told the temporary path an extraction to a file is about to write
// (Vault::Extract); for a caller that must clean it up if the process dies.
using TempFileHook = std::function<Status(const std::string& temp_path)>;

struct AuditProblem {
  std::string where;     // "superblock B", "record at 8192", "document S-2026-00001"
  std::string message;
};

// What an earlier audit saw: the ledger head after `event_count` events.
// Given to a later audit, it catches a drive rolled back to an older state
// (which the file alone cannot reveal: an older copy is a valid vault).
struct AuditAnchor {
  uint64_t event_count = 0;
  std::string ledger_head_hex;
};

struct AuditReport {
  std::string vault_id_hex;
  std::string label;
  std::vector<std::string> level_names;
  int highest_level_held = -1;
  uint64_t sequence = 0;
  uint64_t committed_end = 0;
  uint64_t file_size = 0;
  uint64_t uncommitted_tail = 0;  // bytes past the committed end (a crash's torn tail)
  uint64_t records = 0;
  uint64_t events = 0;
  std::string ledger_head_hex;   // record it (with `events`) to detect a rollback later
  uint64_t signatures_verified = 0;
  uint64_t checkpoints_verified = 0;
  uint64_t documents_live = 0;
  uint64_t documents_destroyed = 0;
  uint64_t bytes_hashed = 0;
  struct Member {
    std::string name, fingerprint, role;
    std::string clearance;  // a level name, or "none"
    bool revoked = false;
  };
  std::vector<Member> members;
  uint64_t tail_events = 0;  // signed events past the committed end (R104)
  std::vector<AuditProblem> problems;
  std::vector<std::string> damaged_documents;  // registration numbers
  bool ok() const { return problems.empty(); }
  // With a checkpoint note given to Audit: what checking it found (a
  // rollback or fork is also one of `problems`).
  std::optional<CheckpointFinding> checkpoint;
  // Format v7: a file whose ledger ends with a BackupMade event is that
  // backup (R187): the sequence of that event, its time and destination.
  struct Backup {
    uint64_t sequence = 0;
    int64_t time_unix = 0;
    std::string destination, made_by, marking;
  };
  std::optional<Backup> backup_of;
  // Format v7: the vault's registered media (R182); `here`: the audited
  // file is on that medium.
  struct Medium {
    std::string number, label;
    bool here = false;
  };
  std::vector<Medium> media;
};

// An auditor's checkpoint note for Audit to check (vault/auditor_checkpoint.h).
struct CheckpointCheck {
  std::string note;                                 // the note's bytes
  std::vector<transparency::VerifierKey> trusted;   // empty: the replayed roster
};

// A member of the roster (revoked ones included) as the ledger names them.
struct MemberSummary {
  std::string name;
  std::string fingerprint;  // PublicIdentity::Fingerprint of the Ed25519 key
  std::string role;         // "officer", "staff", "auditor"
  bool revoked = false;
  int clearance = -1;       // the highest level index held; -1: none (an auditor)
  int64_t until_unix = 0;   // a time-limited grant's last second; 0: no limit
  std::string public_line;  // PublicIdentity::ToLine (Vault::Roster only)
};

// Visits one ledger event (Vault::ForEachVerifiedEvent): the parsed body
// and the raw Ed25519 keys of its signatures, actor first (then the
// witness, if any). An error returned stops the walk and is returned.
using LedgerEventVisitor =
    std::function<Status(const format::Event& event, const std::vector<std::string>& signers)>;

// How Vault::ForEachVerifiedEvent orders checking and visiting.
enum class LedgerWalk {
  kVerifyFirst,          // the whole chain is checked before the first visit (two reads)
  // One read: each event is visited as it is read, and the chain's result
  // comes at the end. For callers that only accumulate and MUST discard
  // everything they gathered unless the walk returns success (a report).
  kVisitWhileVerifying,
};

// Approved media and hosts (format v7; Vault::Media, Vault::Hosts).
struct MediumInfo {
  std::string number, label, description;
  std::string registered_by;
  int64_t registered_unix = 0;
  bool here = false;            // the vault file is on this medium now
  bool out = false;             // checked out (R183)
  std::string holder, purpose, checked_out_by;
  int64_t checked_out_unix = 0, return_by_unix = 0;
};
struct HostInfo {
  std::string id_hex, name;
  bool here = false;            // this machine
};
struct BackupResult {
  std::string destination;
  uint64_t sequence = 0;        // of its BackupMade event
  std::string marking;          // the highest level held, or "none"
  uint64_t bytes = 0;
};

struct CompactResult {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  uint64_t documents_kept = 0;
};

class Vault {
 public:
  enum class Access { kRead, kWrite };

  // Creates a vault at `path` (must not exist) with `creator` as its first
  // officer, cleared for every level. kUsage for a bad level list (empty,
  // duplicates, more than 16, bad names); kIo if the path exists.
  static Status Create(const std::string& path, const Identity& creator,
                       const std::vector<std::string>& levels, const std::string& label,
                       Env* env = DefaultEnv(), const Clock* clock = SystemClock(),
                       const VaultProfile& profile = {});

  // Opens a vault (FORMAT.md §5.5): a v2 vault's authority (roster, roles,
  // clearances, key slots, epochs) is verified from the genesis along the
  // authority chain, its catalog taken from the newest checkpoint, and the
  // events after it replayed. A v1 vault opens for reading only (kUsage for
  // writing: upgrade it first) and is replayed from its first event.
  // kNotFound, kCorrupt (with the reason and offset), or kIo (lock held).
  // `env` and `clock` must outlive the Vault.
  //
  // With `memory` (FORMAT.md §5.9), the vault is also compared with what
  // this client verified before: a history behind it (rollback) or not
  // extending it (fork) is kCorrupt for kWrite and a warning (warnings())
  // for kRead; otherwise the new state is remembered, and again after every
  // commit. `memory` must outlive the Vault.
  static Result<std::unique_ptr<Vault>> Open(const std::string& path, Access access,
                                             Env* env = DefaultEnv(),
                                             const Clock* clock = SystemClock(),
                                             ClientMemory* memory = nullptr);
  // What Open or a commit found worth telling the user, in order.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Verifies a whole vault without any key: both superblocks, every record
  // checksum, the ledger chain, every signature against the roster, every
  // checkpoint against a full replay, every live document's ciphertext hash,
  // and that destroyed documents' keys and ciphertext are overwritten.
  // kNotFound / kCorrupt only when the file cannot be read as a vault at all;
  // otherwise the damage is listed in the report.
  // With `anchor`, also checks that the ledger still holds the head an
  // earlier audit recorded (rollback / truncation / rewritten history).
  // With `checkpoint`, also checks that note (CheckCheckpointNote) against
  // the RFC 6962 tree of the events replayed: the note's own failures
  // (not a note, unknown key, bad signature) are the Result's error, a
  // rollback or fork a problem in the report.
  static Result<AuditReport> Audit(const std::string& path, Env* env = DefaultEnv(),
                                   const AuditAnchor* anchor = nullptr,
                                   const CheckpointCheck* checkpoint = nullptr);

  // Rewrites a format v1 vault as v2 in place (FORMAT.md §3.15): refused
  // (kCorrupt) unless a full audit of it passes; `officer` must be a live
  // officer. The v1 history stays byte for byte; one signed Upgraded event
  // lists its authority events, and a v2 checkpoint follows. Atomic like any
  // commit: a crash leaves the v1 vault. kUsage if it is already v2.
  static Status Upgrade(const std::string& path, const Identity& officer, Env* env = DefaultEnv(),
                        const Clock* clock = SystemClock());

  // The level called `name`; kUsage listing the valid names otherwise.
  Result<Level> LevelIndex(const std::string& name) const;
  // The level at `index` (0 = lowest); kUsage if the vault has no such level.
  Result<Level> LevelAt(uint32_t index) const;
  // The vault's levels, lowest first, and one level's name.
  const std::vector<std::string>& level_names() const;
  const std::string& LevelName(Level level) const;  // REQUIRES: a level of this vault

  // Admits `to` to the roster (or raises their clearance) with `role`; a
  // lower clearance than they hold is a revoke and a grant in one commit
  // (the levels they held get fresh keys, as for Revoke).
  // Staff and officers hold a clearance; auditors hold none (`clearance`
  // must be empty for them and set for the others: kUsage otherwise).
  // Officers only (kAuth), up to their own clearance (kNotCleared).
  // `until_unix` (0: no limit) is the last second the grant is valid
  // (REQUIREMENTS.md 4.7); kUsage if it has passed. Every officer write
  // first rotates the levels of grants that have expired (RotateExpiredGrants).
  Status Grant(const Identity& actor, const PublicIdentity& to, Role role,
               std::optional<Level> clearance, int64_t until_unix = 0);
  // Removes `who`, rotates the key of every level they held, seals the new
  // keys to every remaining member cleared for them, each new key sealed
  // with a link to the one before (key lineage, FORMAT.md §3.14): no
  // document key is re-wrapped and no document data rewritten.
  Status Revoke(const Identity& actor, const PublicIdentity& who);
  // Encrypts each file into the vault at `level`, all in one commit. Returns
  // the registration numbers in order. kNotFound for a missing file, kUsage
  // for a directory or a duplicate/invalid registration number.
  // `reg` applies to every file: kUsage for a custodian not a live member
  // cleared for `level`.
  Result<std::vector<std::string>> Add(const Identity& actor, const std::vector<AddRequest>& files,
                                       Level level, const Registration& reg = {});
  // Records that `reg_no` was dealt with (R176): its due date is met.
  // kNotCleared above the actor's clearance, kUsage if already handled.
  Status MarkHandled(const Identity& actor, const std::string& reg_no, const std::string& note);
  // Overdue documents (not handled by their due date), overdue copies
  // (issued, past their return-by date) and live documents whose
  // classification period ended before `now` (candidates for review), and
  // documents withdrawn from their folders (v8: to destroy or restore), in
  // that order. Needs no identity: it reads numbers and dates only.
  Result<std::vector<DueItem>> ListDue(int64_t now) const;

  // Two-person declassification (REQUIREMENTS.md 1.11, 1.12; FORMAT.md
  // R174-R175). The review names the new level (nullopt: public) and a
  // reason; an officer cleared for the document's level signs it. The
  // approval, by a second officer also cleared for it, moves the document:
  // its data key and metadata are wrapped under the new level's key in a
  // new key record, and every older key record of it is overwritten in
  // place with zeros (completed by the next write access after a crash).
  // kAuth (not an officer), kNotCleared, kNotFound (no such document, or
  // nothing pending to approve/withdraw), kUsage (not lower, a review
  // already pending, approval by the reviewer).
  Status ReviewDeclassification(const Identity& officer, const std::string& reg_no,
                                std::optional<Level> to, const std::string& reason);
  Status WithdrawDeclassification(const Identity& officer, const std::string& reg_no,
                                  const std::string& reason);
  Status ApproveDeclassification(const Identity& officer, const std::string& reg_no);
  // One document as List shows it to `actor` (destroyed ones too): kNotFound
  // if there is none, kNotCleared if it is above the actor's clearance.
  Result<DocumentInfo> Describe(const Identity& actor, const std::string& reg_no) const;
  // An auditor gets every document without title, file name or size.
  Result<std::vector<DocumentInfo>> List(const Identity& actor, bool include_destroyed) const;
  // The same, one document at a time in registration-number order, as the
  // catalog's pages are read: memory stays bounded at any vault size, and
  // the first line of a listing does not wait for the last.
  Status ForEachDocument(const Identity& actor, bool include_destroyed,
                         const std::function<Status(DocumentInfo&&)>& fn) const;
  // The same listing for a caller that turns each document into text:
  // `format` appends a document's text to its string argument and runs on
  // worker threads (it must be thread-safe and must not fail); `write` gets
  // the texts of consecutive documents, concatenated, in catalog order, on
  // the calling thread, and may stop the listing with an error. The same
  // documents, order and errors as ForEachDocument (whatever was listed
  // before an error has been written); faster on more than one core.
  Status ListDocuments(const Identity& actor, bool include_destroyed,
                       const std::function<void(const DocumentInfo&, std::string&)>& format,
                       const std::function<Status(std::string_view)>& write) const;
  // Records the extraction in the ledger (one commit) before any plaintext
  // is produced, then decrypts. To a file: into a temporary file beside the
  // destination (base/atomic_file.h), renamed into place only when whole and
  // authenticated, so the destination never holds a partial or
  // unauthenticated file; `on_temp_file`, if given, is called with the
  // temporary path before the commit (an error from it stops the extraction
  // with nothing committed). To a descriptor ("-"): a damaged chunk stops
  // the output before any of its bytes are written, and the last chunk is
  // written only after the whole extent matched its registered root hash.
  // kCorrupt naming the document if a chunk fails authentication, the
  // padding is wrong, or the ciphertext is not the one registered (a
  // substitution by a member holding the data key); the destination file is
  // then not created, but the extraction stays recorded.
  Status Extract(const Identity& actor, const ExtractRequest& request,
                 const TempFileHook& on_temp_file = {});
  // Records the destruction signed by actor (an officer) and witness (one
  // commit), then overwrites the document's ciphertext and key records in
  // place with zeros and syncs. If that overwrite is interrupted, the next
  // Open for writing completes it.
  // With copies of the document outstanding (issued, not returned) it is
  // refused (kUsage, naming them) unless `force`; the copies stay recorded
  // as outstanding either way.
  Status Destroy(const Identity& actor, const Identity& witness, const std::string& reg_no,
                 const std::string& reason, bool force = false);
  // Destroy's checks that need no key, for a caller that makes them before
  // any passphrase is asked (the unlock is slow, and a typo should fail at
  // once): officer and witness live members, the officer an officer, the
  // witness someone else, the document there and not destroyed, within
  // the officer's clearance as the roster states it, a reason, no copies
  // outstanding unless `force`. Returns the document's level.
  Result<Level> CheckDestroy(const PublicIdentity& officer, const PublicIdentity& witness,
                             const std::string& reg_no, const std::string& reason,
                             bool force = false) const;

  // Issues `request.copies` tracked copies (FORMAT.md §3.8 CopyIssued, R170).
  // Each is recorded only once it exists whole: a sealed copy (an age file
  // to the recipient's X25519 key, plus its signed marking beside it, see
  // vault/copies/copy_marking.h) is written to a temporary file and hashed,
  // its event committed, then renamed into place. A plaintext copy first
  // commits a DocumentExtracted (R141: no plaintext the ledger does not
  // show), is decrypted to a temporary file, then its CopyIssued is
  // committed and the file renamed; a failure in between leaves the
  // extraction recorded as an attempt and no copy. kNotCleared for a
  // plaintext copy to anyone not a live member cleared for the level (or a
  // non-member), kUsage for a missing scope or a bad count, kIo if a
  // destination exists. `on_temp_file` is told each copy's temporary path
  // (plaintext or sealed) before anything is committed, as for Extract.
  Result<std::vector<CopyInfo>> IssueCopies(const Identity& actor, const CopyRequest& request,
                                            const TempFileHook& on_temp_file = {});
  // Records that copy `copy_no` of `reg_no` came back (R171), signed by
  // `officer`. A sealed copy must be handed back as the very file issued:
  // `file` is hashed and kCorrupt if it differs (nothing recorded).
  // kNotFound for a copy that does not exist, kUsage for one already
  // returned, kAuth for a non-officer.
  Status ReturnCopy(const Identity& officer, const std::string& reg_no, uint32_t copy_no,
                    const std::string& file);
  // Records copy `copy_no` of `reg_no` destroyed by `officer` under
  // `witness` (an issued or returned copy), or, with no witness, lost (an
  // issued copy); R173. kNotFound, kUsage (already disposed of, a lost copy
  // that was returned, no reason), kAuth.
  Status DisposeCopy(const Identity& officer, const Identity* witness, const std::string& reg_no,
                     uint32_t copy_no, const std::string& reason);
  // The public identity of the live member called `name`, or whose
  // fingerprint (16 hex digits) it is: kNotFound if none, kUsage if
  // several share the name.
  Result<PublicIdentity> MemberNamed(const std::string& name) const;
  // Every member the roster holds (revoked ones last), with their public
  // lines: what `custody roster` prints. Needs no key.
  std::vector<MemberSummary> Roster() const;
  // The vault's id (32 hex), its event count and ledger head (64 hex): the
  // anchor `custody audit` prints, as this Vault verified it at Open.
  std::string id_hex() const;
  uint64_t event_count() const;
  std::string ledger_head_hex() const;
  // The roster entry for a raw Ed25519 key, revoked members included;
  // nullopt for a key that never was a member.
  std::optional<MemberSummary> MemberByKey(const std::string& ed25519) const;
  // The Ed25519 key of every member the roster ever held, revoked included.
  std::vector<crypto::Ed25519Public> RosterKeys() const;
  // The RFC 6962 tree over the ledger's events (their exact stored bytes),
  // read by the same verified walk as ForEachVerifiedEvent: kCorrupt if the
  // ledger read now is not the one Open verified.
  Result<transparency::MerkleTree> LedgerTree() const;

  // Walks the whole ledger, event 0 first, handing each event to `visit`,
  // but only after checking that the ledger read now is the one Open
  // verified (ops/ledger_walk.cc, FORMAT.md §5.10): a first pass reads every EVENT record
  // (its checksum), checks sequence numbers, vault id and the prev_hash
  // chain, and that the chain passes through the head the verified
  // checkpoint signs (every event before it) and ends at the head Open
  // replayed every later event to (signatures and rules checked there);
  // the second pass, which calls `visit`, requires each event to hash
  // to what the first pass saw. So `visit` never sees an event that was
  // not part of the verified history: a forged, altered, dropped or
  // inserted event is kCorrupt naming its offset, before any visit.
  // What it does not prove, like Open: that the checkpoint's signer (a
  // live member) signed a true history; `custody audit` re-verifies every
  // signature from the first event.
  // With `expect` (an anchor an earlier audit printed), the ledger must
  // also hold it, as `Audit` checks: at least that many events, the head
  // after exactly that many equal to it (kCorrupt otherwise, before any
  // visit): a drive rolled back or a history rewritten since is refused.
  Status ForEachVerifiedEvent(const LedgerEventVisitor& visit, const AuditAnchor* expect = nullptr,
                              LedgerWalk walk = LedgerWalk::kVerifyFirst) const {
    return WalkVerifiedEvents(visit, expect, walk, nullptr);
  }
  // The same verified walk (one read), handing out each event's exact
  // stored bytes (its EVENT record's payload) instead.
  Status ForEachVerifiedEventBytes(const std::function<Status(std::string_view)>& fn) const;

  // Every tracked copy, in (reg_no, copy_no) order, streamed (the copy
  // tree is read a leaf at a time); stops at the first error fn or a page
  // returns. Needs no identity: the ledger names documents only by number,
  // and recipients are public.
  Status ForEachCopy(const std::function<Status(const CopyInfo&)>& fn) const;

  // --- the mount (tools/mount; ops/mount.cc; FORMAT.md R178-R180) ---
  // Records that `actor` (any live member) mounted the vault on `host`;
  // returns the event's sequence, which names the session in later events.
  Result<uint64_t> RecordMount(const Identity& actor, const std::string& host, bool read_only);
  // Records the first open of each of `reg_nos` in the session, one event
  // each, all in one commit, after the same checks as a read (kNotFound,
  // kNotCleared: then nothing is recorded). The caller reads a document's
  // content only after this returned ok for it.
  Status RecordOpened(const Identity& actor, uint64_t mounted_at,
                      const std::vector<std::string>& reg_nos);
  Status RecordUnmount(const Identity& actor, uint64_t mounted_at, const std::string& reason,
                       uint32_t documents_opened);
  // Random access to `reg_no`'s plaintext, a chunk at a time: the checks of
  // a read (as Extract), then the whole extent hashed against its
  // registered root (R140) before the reader is returned. Records nothing:
  // RecordOpened does. The reader refers to this Vault's container and must
  // not outlive the Vault; its reads are thread-safe.
  Result<std::unique_ptr<ExtentReader>> OpenContent(const Identity& actor,
                                                    const std::string& reg_no) const;

  // --- a document's life in a folder (ops/document_life.cc; FORMAT.md
  // R189-R192, format v8): the mount's writes, and the officer's answer
  // to a withdrawal. Each call is one commit.
  // Renames and withdrawals, all in one commit, in order. A rename seals
  // the new folder and name in a new key record (the data key unchanged);
  // a withdrawal takes a document out of its folder, keeping it registered
  // with its bytes until an officer destroys or restores it (ListDue lists
  // it). Any live member cleared for the document's level; kNotFound for an
  // unknown, destroyed or already withdrawn document; kUsage for a name that
  // could not be a file name or a folder that could not be a path.
  Status ChangeFolders(const Identity& actor, const std::vector<FolderChange>& changes);
  // An officer cleared for the level puts a withdrawn document back.
  Status Restore(const Identity& officer, const std::string& reg_no);
  // A StreamingExtent for the next version of document `reg_no` (empty: a
  // document not registered yet), its unnamed file beside the vault, for
  // an Add or Revise to take as ContentSource::streamed. No key is used.
  // `recycle` gets each chunk's plaintext buffer back once it is sealed.
  Result<std::unique_ptr<StreamingExtent>> StreamContent(const std::string& reg_no,
                                                         std::function<void(crypto::SecretBytes)> recycle) const;
  // Stores `content` as the next version of `reg_no` under a new data key;
  // the earlier versions stay until the document is destroyed. Returns the
  // new version's number. The checks of a rename.
  Result<uint32_t> Revise(const Identity& actor, const std::string& reg_no, const ContentSource& content);

  // Rewrites the vault without dead space (destroyed documents, superseded
  // key records, old checkpoints): the ledger is copied byte for byte, live
  // ciphertext and key records verbatim (no level key is used), and a
  // signed compaction event records where everything moved. The new file is
  // built beside the old one and renamed over it, so a crash leaves either
  // the old or the new vault, whole; then the old file's blocks are
  // overwritten with zeros. Officers only. The Vault must not be used
  // afterwards (reopen it).
  Result<CompactResult> Compact(const Identity& actor);

  // --- approved media and hosts (ops/bindings.cc; FORMAT.md §3.8, R182-
  // R188). Once a vault has a registered medium, a write from any other
  // medium is refused (kAuth) and a read is warned; once it has a bound
  // host, every keyed act on another machine is refused (kAuth). Each such
  // open is kept by this client and recorded (OpenOutsideBindings) by its
  // next write to the vault; a refused host is recorded at once when the
  // vault's medium allows writing. Keyless audit is never bound.
  std::vector<MediumInfo> Media() const;
  std::vector<HostInfo> Hosts() const;
  // Registers the medium the vault file is on now, or the one holding the
  // path `at` (a backup drive, the drive a vault moves to). Officers only;
  // allowed from an unregistered medium (that is how one gets registered).
  Status RegisterMedium(const Identity& officer, const std::string& number, const std::string& label,
                        const std::string& at = "");
  Status CheckOutMedium(const Identity& officer, const std::string& number, const std::string& holder,
                        const std::string& purpose, int64_t return_by_unix);
  Status CheckInMedium(const Identity& officer, const std::string& number, const std::string& note);
  // Binds the host of id `host_id` (16 bytes) named `name`, or this machine
  // when `host_id` is empty. Officers only.
  Status BindHost(const Identity& officer, const std::string& host_id, const std::string& name);
  // Clause 3.3: commits a BackupMade event, then copies the vault file as it
  // now is to `destination` (which must not exist; on a registered medium
  // once the vault has any). Officers only.
  Result<BackupResult> Backup(const Identity& officer, const std::string& destination,
                              const std::string& purpose);

  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // For tests only: the replayed ledger state and the container file.
  const VaultState& TEST_state() const { return *state_; }
  const Container& TEST_container() const { return *container_; }

 private:
  // ForEachVerifiedEvent; with `bytes`, each event's stored bytes are also
  // handed to it during the first (verifying) pass.
  Status WalkVerifiedEvents(const LedgerEventVisitor& visit, const AuditAnchor* expect, LedgerWalk walk,
                            const std::function<Status(std::string_view)>* bytes) const;
  Vault();
  class WriteScope;

  // --- opening (ops/open.cc) ---
  static Result<std::unique_ptr<Vault>> OpenAs(const std::string& path, Access access, Env* env,
                                               const Clock* clock, bool for_upgrade);
  // Compares with `memory` (see Open) and remembers the state if it holds.
  Status CheckRemembered(ClientMemory* memory, Access access);
  // True if this vault's verified history extends the remembered one.
  Result<bool> ExtendsRemembered(uint64_t count, const std::string& head, uint64_t head_offset) const;
  // Stores the current state in memory_ (after open and every commit).
  // `durable` false: without a sync (ClientMemory::Save).
  void Remember(bool durable = true);
  // Authority from the chain the newest checkpoint indexes, then its
  // catalog; sets where the replay of later events starts.
  Status LoadCheckpoint(uint64_t* scan_from);
  // Replays every EVENT record from `scan_from` under every rule.
  Status ReplayFrom(uint64_t scan_from);

  // --- bindings (ops/bindings.cc) ---
  // At open: compares this host and the file's medium with the bindings;
  // sets outside_, and warns a read from an unregistered medium.
  Status CheckBindings(Access access, ClientMemory* memory);
  Status RefuseWritingToBackup() const;
  // Within Unlock: kAuth if `actor` may not act here; keeps the note of an
  // open outside the bindings (once per open) and, for a refused host,
  // records it at once if it can.
  Status EnforceBindings(const Identity& actor) const;
  // Appends the notes this client keeps, once per commit (CommitAll calls
  // it unless the operation did first); the commit then drops them.
  Status AppendOutsideNotes(const Identity& actor);
  // Records the kept notes in a commit of their own (a refused host).
  Status RecordOutsideNow(const Identity& actor);

  // --- access (ops/vault.cc) ---
  // The level keys `actor` holds; kAuth if not a live member.
  Result<std::unique_ptr<KeyRing>> Unlock(const Identity& actor) const;
  // Unlock, then kAuth unless `officer` is an officer ("only a secrecy
  // officer may <act>").
  Result<std::unique_ptr<KeyRing>> UnlockOfficer(const Identity& officer, std::string_view act) const;
  // kUsage unless `level` is one of this vault's levels.
  Status CheckLevel(Level level) const;
  std::string MemberName(const std::string& ed25519) const;

  // --- the roster (ops/roster.cc) ---
  // kUsage for the officer themself, kNotCleared for a member cleared
  // above the officer (whose levels they could not rotate).
  Status CheckRevocable(const Identity& actor, const format::Member& me, const format::Member& target,
                        const PublicIdentity& who) const;
  // Appends the Revoked event of live member `who_key`: a fresh key (in
  // `new_keys`, lowest level first) for every level they held, sealed to
  // every other member cleared for it and linked to the old one.
  Status AppendRevocation(const Identity& actor, const KeyRing& ring, const std::string& who_key,
                          std::vector<crypto::SecretBytes>& new_keys,
                          int reason = 0 /* format::RevokeReason */);
  // Inside a WriteScope, before an officer's act: a Revoked event (reason
  // REVOKE_EXPIRED) for every live member whose grant has expired and
  // whom `actor` may revoke, as Revoke does; `ring` is then re-unlocked so
  // it holds the new keys. Nothing for a non-officer or no expired grant.
  Status RotateExpiredGrants(const Identity& actor, std::unique_ptr<KeyRing>& ring);

  // --- writing (ops/commit.cc) ---
  // Fills in sequence, chain, time (unless set) and actor, signs with every signer,
  // applies the event to the state (same rules as an auditor) and returns
  // the record payload.
  Result<std::string> SealEvent(format::Event event,
                                const std::vector<const Identity*>& signers);
  Status AppendEvent(format::Event event, const std::vector<const Identity*>& signers);
  // Records that the last sealed event was stored at header `offset`.
  void NoteEventAt(uint64_t offset);
  std::string SignedCheckpoint(const Identity& actor) const;
  // The superblock the next commit writes (before its sequence and end).
  format::Superblock NextSuperblock() const;
  // kAuto: the changed catalog pages and a checkpoint with every commit
  // (FORMAT.md §3.9); kNever: the events alone (Destroy).
  enum class CheckpointPolicy { kAuto, kNever };
  // `durable_memory` false: the client's memory is replaced without a sync.
  Status CommitAll(const Identity& actor, WriteScope& scope,
                   CheckpointPolicy policy = CheckpointPolicy::kAuto, bool durable_memory = true);

  // --- reading content (ops/extract.cc) ---
  struct Readable;  // ops/internal.h
  // The checks before any read of `reg_no`'s content (member, cleared, not
  // destroyed) and its unwrapped data key and size.
  // `version`: an earlier version's extent and key instead (v8); 0 or the
  // current version's number: the current one. kNotFound for no such version.
  Result<Readable> PrepareRead(const Identity& actor, const std::string& reg_no, uint32_t version = 0) const;
  Status DecryptTo(const Readable& r,
                   const std::function<Status(std::span<const uint8_t>)>& sink,
                   const ChunkRewrite* rewrite = nullptr) const;
  CopyInfo DescribeCopy(const format::CopyState& c) const;  // ops/copies.cc
  std::string NotOutstanding(const format::CopyState& c) const;  // ops/copies.cc
  Status CheckCopyCosigner(const Identity& actor, const Identity* cosigner, uint32_t level,
                           const std::string& reg_no) const;  // ops/copies.cc
  // The keyless part of a document's listing: registration details,
  // declassification state, copy counts (ops/documents.cc).
  void DescribeRegistration(const format::DocumentState& d, DocumentInfo& info) const;

  // --- documents (ops/documents.cc, ops/destroy.cc) ---
  // `window`: bytes read ahead (Container::ReadWindowAt), or null.
  Result<std::string> ReadKeyRecord(const format::KeyRef& ref, const ReadWindow* window = nullptr) const;
  // The current key record of a live document, parsed and checked to belong
  // to it (doc id and level). kCorrupt naming the document otherwise.
  Result<format::WrappedDocumentKey> LoadWrap(const format::DocumentState& doc,
                                              const ReadWindow* window = nullptr) const;
  // One document's listing (ForEachDocument's), false if it is not listed
  // (above the clearance, or destroyed and not `include_destroyed`).
  // Thread-safe: `level_keys` keeps each unwrapped level key for the next.
  struct LevelKeyCache;  // ops/internal.h
  Result<bool> DescribeDocument(const KeyRing& ring, bool auditor, bool include_destroyed,
                                const format::DocumentState& d, LevelKeyCache& level_keys,
                                const ReadWindow* window, DocumentInfo& info) const;
  // ForEachDocument (fn) and ListDocuments (format and write).
  Status ListWith(const Identity& actor, bool include_destroyed,
                  const std::function<void(const DocumentInfo&, std::string&)>* format,
                  const std::function<Status(DocumentInfo&&)>* fn,
                  const std::function<Status(std::string_view)>* write) const;
  // Overwrites a destroyed document's ciphertext, then its key records, with
  // zeros, syncing after each; idempotent.
  Status EraseDestroyed(const format::DocumentState& doc);
  // kCorrupt unless the extent and key records a destroyed document names
  // are EXTENT and KEY records of the right size (nothing is overwritten).
  Status CheckErasable(const format::DocumentState& doc) const;
  // True if one of a destroyed document's key records (current or old)
  // still holds its key (a crash came between the committed destruction and
  // the durable end of its overwrite).
  Result<bool> ErasurePending(const format::DocumentState& doc) const;
  // The live, not withdrawn document `reg_no` that `actor` (unlocked as
  // `ring`) may rename, withdraw or revise (ops/document_life.cc).
  Result<const format::DocumentState*> ChangeTarget(const Identity& actor, const KeyRing& ring,
                                                    const std::string& reg_no) const;
  // The extent of `content` for version `version` of document `doc_id`
  // and its data key: from content.streamed when it was made for them.
  Result<std::pair<format::Extent, crypto::SecretBytes>> SealContent(const ContentSource& content,
                                                                    const std::string& doc_id, uint32_t version,
                                                                    const std::string& what);
  // A new key record for `d`: its data key `data_key` (or, if null, the
  // current one's) and metadata `meta`, wrapped at the level's current
  // epoch; appended, uncommitted. Returns its reference.
  Result<format::KeyRef> AppendKeyRecord(const KeyRing& ring, const format::DocumentState& d,
                                         const crypto::SecretBytes& data_key,
                                         const format::DocumentMetadata& meta);
  // The current key record's data key and metadata.
  Result<std::pair<crypto::SecretBytes, format::DocumentMetadata>> OpenCurrentKey(
      const KeyRing& ring, const format::DocumentState& d) const;
  // An officer cleared for live document `reg_no` (ops/declassify.cc).
  Result<const format::DocumentState*> DeclassificationTarget(const Identity& officer,
                                                              const KeyRing& ring,
                                                              const std::string& reg_no,
                                                              std::string_view act) const;
  // A declassified document's superseded key records (erased_keys):
  // overwritten with zeros if any still holds bytes, after checking each
  // is a KEY record; idempotent (ops/declassify.cc).
  Status EraseSupersededKeys(const format::DocumentState& doc);

  Env* env_ = nullptr;
  const Clock* clock_ = nullptr;
  std::unique_ptr<Container> container_;
  std::unique_ptr<PageReader> pages_;  // the catalog's pages, in container_
  // Level keys opened from key slots (Unlock), kept while the Vault is open.
  std::unique_ptr<SlotCache> slot_cache_;
  std::unique_ptr<VaultState> state_;
  uint64_t checkpoint_events_ = 0;  // event count covered by the newest checkpoint
  uint64_t checkpoint_offset_ = 0;
  uint64_t head_offset_ = 0;        // EVENT header of the last event
  // Used by Open only (ExtendsRemembered): the ledger head after each event
  // replayed on top of the checkpoint, and the head at the checkpoint.
  std::vector<std::string> replay_heads_;
  std::string checkpoint_head_;
  ClientMemory* memory_ = nullptr;
  mutable std::vector<std::string> warnings_;  // EnforceBindings adds from const Unlock
  // Set by Open (CheckBindings): how this open stands against the vault's
  // bindings; nullopt when inside them (or the vault has none).
  std::unique_ptr<format::OpenOutsideBindings> outside_;
  Access access_ = Access::kRead;
  bool registering_medium_ = false;  // RegisterMedium's own Unlock
  mutable bool outside_noted_ = false;
  // Where opens outside the bindings are kept (Open's `memory`, even when
  // memory_ is not set because the vault went backwards).
  ClientMemory* memory_for_notes_ = nullptr;
  bool notes_appended_ = false;   // AppendOutsideNotes ran for the coming commit
  size_t notes_to_drop_ = 0;      // notes it took, dropped once committed
  bool poisoned_ = false;
};

}  // namespace custody::vault
