// Generates tests/vectors/: one scenario per file, `key: value` header, an
// empty line, then the file under test (vault, identity file, or public
// identity line). Usage: custody_vector_gen OUTDIR. The outputs are random
// (keys, nonces, ids) but every header states what must happen; the runner
// (tests/tamper/vectors_test.cc) checks them. See tests/vectors/README.md.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "base/encoding.h"
#include "crypto/hardening.h"
#include "crypto/sealed_box.h"
#include "tests/vectors/generate/craft.h"
#include "vault/ledger/state.h"
#include "vault/storage/container.h"
#include "vault/vault.h"
#include "tests/testutil/vault_levels.h"

using namespace custody;
using craft::Raw;
namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

fs::path g_out, g_work;
int g_count = 0;
const std::string kPass = "vector";

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Write(const fs::path& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}
void Must(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "generate: %s failed\n", what.c_str());
    std::exit(1);
  }
}

// The `reason:` header of every failure vector (tests/vectors/README.md): a
// substring of the error (or audit problem) the vector's rule calls for.
// The runner requires the message to contain it. Kept in one table, by
// vector name, so the scenario code above stays as it is; a failure vector
// without an entry stops the generator.
const std::map<std::string, std::string>& Reasons() {
  static const std::map<std::string, std::string> kReasons = {
    {"R10_header_past_end", "lies past the committed end"},
    {"R11_bad_record_magic", "bad record magic at offset 9826"},
    {"R12_record_type_0", "unknown record type 0"},
    {"R12_record_type_6", "unknown record type 6"},
    {"R13_length_past_end", "runs past the committed end"},
    {"R15_event_checksum", "record checksum mismatch at offset 8192"},
    {"R15_key_header_checksum", "record checksum mismatch at offset 9930"},
    {"R16_misaligned", "bad record magic at offset 9931"},
    {"R17_event_not_protobuf", "event does not parse"},
    {"R18_replayed", "event has sequence 1, expected 4"},
    {"R18_sequence", "event has sequence 5, expected 4"},
    {"R19_prev_hash", "event does not chain to the previous one"},
    {"R1_empty_file", "is not a Custody vault (only 0 bytes)"},
    {"R1_short_file", "is not a Custody vault (only 8191 bytes)"},
    {"R20_vault_id", "event belongs to another vault"},
    {"R21_bad_signature", "event signature is invalid"},
    {"R21_outsider", "event signed by an identity not in the roster"},
    {"R22_first_signer_not_actor", "not signed by its actor"},
    {"R22_no_signature", "not signed by its actor"},
    {"R24_event_count", "the ledger does not end where the superblock says"},
    {"R24_ledger_head", "the ledger does not end where the superblock says"},
    {"R25_vault_created_twice", "vault created twice"},
    {"R26_grant_by_staff", "grant by someone who is not an officer"},
    {"R26_grant_unknown_level", "grant of an unknown level"},
    {"R27_revoke_non_member", "revoke of a non-member"},
    {"R112_revoke_without_lineage", "revoke must link every rotated level's new key to its old one"},
    {"R28_duplicate_doc_id", "duplicate or malformed document P-9"},
    {"R28_duplicate_reg_no", "duplicate or malformed document S-1"},
    {"R28_unknown_level", "document at an unknown level"},
    {"R29_extract_above_clearance", "extract by someone not cleared"},
    {"R29_extract_destroyed", "extract of a destroyed document"},
    {"R29_extract_unknown", "extract of an unknown document"},
    {"R2_bad_magic", "B: bad superblock magic"},
    {"R28a_due_pushed", "document due at another time than the vault's profile gives"},
    {"R173_copy_destroyed_alone", "copy destroyed without a distinct witness from the roster"},
    {"R173_lost_twice", "a copy not outstanding declared lost"},
    {"R174_review_by_staff", "declassification review by someone who is not an officer"},
    {"R174_review_raises", "declassification that does not lower the level"},
    {"R175_approved_by_reviewer", "declassification approved by its reviewer"},
    {"R175_approved_unreviewed", "declassification approved with no pending review"},
    {"R176_handled_not_cleared", "document handled by someone not cleared"},
    {"R178_host_256", "mount host name over 255 bytes"},
    {"R179_unmount_later_mount", "unmount of a mount that comes later"},
    {"R180_open_not_cleared", "open by someone not cleared"},
    {"R180_open_later_mount", "open of a mount that comes later"},
    {"R182_staff_registers_medium", "medium registration by someone who is not an officer"},
    {"R182_medium_registered_twice", "medium already registered as M-1"},
    {"R183_checkout_unregistered", "medium M-9 is not registered"},
    {"R184_checkin_not_out", "medium M-1 checked in without being out"},
    {"R185_staff_binds_host", "host binding by someone who is not an officer"},
    {"R186_open_inside_bindings", "an open outside the bindings that was inside them"},
    {"R187_backup_marked_low", "backup marked with a level other than the highest held"},
    {"R189_rename_not_cleared", "renaming by someone not cleared"},
    {"R189_rename_withdrawn", "renaming of a withdrawn document"},
    {"R190_withdrawn_twice", "withdrawal of a withdrawn document"},
    {"R191_staff_restores", "restoring by someone who is not an officer"},
    {"R191_restore_not_withdrawn", "restoring a document that is not withdrawn"},
    {"R192_revision_skips_version", "revision that is not the next version"},
    {"R192_revision_replayed", "revision that is not the next version"},
    {"R192_revise_withdrawn", "revision of a withdrawn document"},
    {"R188_host_id_short", "host id that is not 16 bytes"},
    {"R170_copy_unknown_document", "copy of an unknown document"},
    {"R170_copy_other_doc_id", "copy of an unknown document"},
    {"R170_copy_by_uncleared", "copy issued by someone not cleared"},
    {"R170_copy_of_destroyed", "copy of a destroyed document"},
    {"R170_copy_number_skipped", "copy number out of sequence"},
    {"R170_copy_number_reused", "copy number out of sequence"},
    {"R170_copy_beyond_of", "copy number out of sequence"},
    {"R170_copy_number_in_forged_tree", "copy number out of sequence"},
    {"R170_copy_level_mismatch", "copy marked with another level than its document's"},
    {"R170_copy_no_scope", "copy without a distribution scope"},
    {"R170_sealed_hash_short", "copy's sealed-file hash does not match its kind"},
    {"R170_plaintext_with_hash", "copy's sealed-file hash does not match its kind"},
    {"R170_return_by_negative", "copy with a negative return-by date"},
    {"R170_recipient_malformed", "copy to a malformed identity"},
    {"R170_plaintext_not_cleared", "plaintext copy to someone not cleared"},
    {"R170_plaintext_to_outsider", "plaintext copy to someone not cleared"},
    {"R170a_no_cosignature", "copy without the co-signature of a second officer cleared for its level"},
    {"R170a_cosigner_not_signing", "copy without the co-signature of a second officer cleared for its level"},
    {"R170a_cosigner_is_actor", "copy without the co-signature of a second officer cleared for its level"},
    {"R170a_cosigner_not_cleared", "copy without the co-signature of a second officer cleared for its level"},
    {"R170a_cosigner_staff", "copy without the co-signature of a second officer cleared for its level"},
    {"R171_return_by_staff", "return a copy by someone who is not an officer"},
    {"R171_return_never_issued", "return of a copy never issued"},
    {"R171_return_other_doc_id", "return of a copy never issued"},
    {"R171_return_none_outstanding", "return of a copy never issued"},
    {"R171_returned_twice", "copy returned twice"},
    {"R171_return_lost", "copy returned twice"},
    {"R171_return_destroyed", "copy returned twice"},
    {"R171_sealed_return_other_bytes", "sealed copy returned with other bytes than issued"},
    {"R172_inline_out_of_order", "checkpoint does not match the state replayed from the ledger"},
    {"R172_inline_copy_twice", "checkpoint lists copy P-1/1 twice"},
    {"R172_inline_copy_no_0", "checkpoint's copy entry P-1/0 out of range"},
    {"R172_inline_status_unknown", "checkpoint's copy entry P-1/1 out of range"},
    {"R172_copy_tree_out_of_order", "entries are not in strictly ascending order"},
    {"R172_copy_tree_copy_no_0", "entry P-1/0 out of range"},
    {"R172_copy_tree_status_unknown", "entry P-1/1 out of range"},
    {"R172_copy_leaf_holds_document", "is not a leaf of at most 64 copy entries"},
    {"R172_copy_tree_count_lies", "holds another count than its parent says"},
    {"R177_copy_root_hash_short", "checkpoint's copy tree root out of range"},
    {"R177_copy_root_offset_low", "checkpoint's copy tree root out of range"},
    {"R177_copy_root_height_9", "checkpoint's copy tree root out of range"},
    {"R177_copy_root_count_huge", "checkpoint's copy tree root out of range"},
    {"R177_copy_tree_and_inline", "checkpoint's copy tree root out of range"},
    {"R177_copy_tree_without_catalog", "checkpoint's copy tree root out of range"},
    {"R177_copy_root_hash_mismatch", "does not hash to its reference"},
    {"R166a_copy_never_issued", "lists copy P-1/5, which the ledger never issued"},
    {"R166a_copy_state_changed", "copy P-1/4 differs from the state replayed from the ledger"},
    {"R166a_copy_omitted", "the copy tree holds 4 copies, the ledger issued 5"},
    {"R166a_stale_copy_tree", "is stale: copy P-1/2 changed since it was written"},
    {"R30_no_witness", "destroy without a distinct witness"},
    {"R30_self_witness", "destroy without a distinct witness"},
    {"R31_compacted", "compaction does not name the ledger it follows"},
    {"R31_no_kind", "unknown event kind"},
    {"R32_checkpoint_offset_event", "superblock points at a record that is not a checkpoint"},
    {"R106_checkpoint_carries_slots", "a format v2 checkpoint carries roster, key slots or levels"},
    {"R33_checkpoint_vault_id_15", "checkpoint belongs to another vault"},
    {"R109_index_omits_grant", "the authority index is incomplete"},
    {"R113_small_order_key", "grant to a signing key that is not a valid Ed25519 key"},
    {"R114_signature_S_plus_L", "event signature is invalid"},
    {"R150_catalog_extent_over_superblock", "entry S-1: extent out of range"},
    {"R150_catalog_level_huge", "entry S-1: level out of range"},
    {"R150_catalog_counters_short", "checkpoint fields out of range"},
    {"R109_index_into_extent", "authority index entry 1 does not point at a ledger event"},
    {"R120_checkpoint_hidden_in_extent", "points at a checkpoint that is not one of the vault's records"},
    {"R120_outsider_checkpoint_hidden_in_extent", "checkpoint signed by an identity not in the roster"},
    {"R103_zeroed_newer_slot", "the newer commit was erased"},
    {"R100_vault_id_not_derived", "the vault id is not derived from the genesis"},
    {"R101_stale_authority_head", "names authority event 1 but the authority chain holds 2"},
    {"R34_checkpoint_outsider", "checkpoint signed by an identity not in the roster"},
    {"R36_revoked_identity", "was revoked from vault"},
    {"R36_slot_does_not_open", "key slot for level public of 'carol' does not open"},
    {"R37_key_hash", "does not match its hash"},
    {"R38_key_other_doc_id", "key record is damaged"},
    {"R39_wrap_garbage", "its data key does not unwrap"},
    {"R3_version_2", "B: unsupported format version 2"},
    {"R40_geometry", "document extent geometry out of range"},
    {"R41_size_mismatch", "its extent does not match its recorded size"},
    {"R42_chunk_forged", "chunk 0 of 1 failed authentication"},
    {"R43_extract_destroyed", "document S-1 was destroyed on"},
    {"R46_checkpoint_lies", "document S-1 differs from the state replayed from the ledger"},
    {"R160_page_hash_mismatch", "does not hash to its reference"},
    {"R160_root_not_a_page", "does not point at a catalog page"},
    {"R161_leaf_claims_height", "is not at the height its parent says"},
    {"R162_entries_out_of_order", "entries are not in strictly ascending order"},
    {"R163_count_lies", "holds another count than its parent says"},
    {"R164_entry_level_huge", "level out of range"},
    {"R165_live_counts_short", "checkpoint's catalog root out of range"},
    {"R166_stale_tree", "is stale: document S-1 changed since it was written"},
    {"R167_unreached_page", "a catalog page that no checkpoint's tree reaches"},
    {"R47_checkpoint_offset_key", "superblock points at a record that is not a checkpoint"},
    {"R47_highest_level_held", "the outer marking names the wrong highest level held"},
    {"R48_destroyed_not_zero", "destroyed, but its ciphertext was not overwritten"},
    {"R48_extent_flipped", "chunk 0 of 1 failed authentication"},
    {"R49_too_large", "(65537 bytes, at most 65536)"},
    {"R4_payload_len_4049", "superblock payload length 4049 out of bounds"},
    {"R4_payload_len_4294967295", "superblock payload length 4294967295 out of bounds"},
    {"R50_bad_magic", "is not a Custody identity file (bad magic)"},
    {"R50_ed25519_33", "is damaged (fields out of range)"},
    {"R50_name_201", "is damaged (fields out of range)"},
    {"R50_name_control", "is damaged (fields out of range)"},
    {"R50_name_empty", "is damaged (fields out of range)"},
    {"R50_salt_15", "is damaged (fields out of range)"},
    {"R50_sealed_103", "is damaged (fields out of range)"},
    {"R50_version_2", "is damaged (fields out of range)"},
    {"R50_x25519_31", "is damaged (fields out of range)"},
    {"R51_kdf_both_max", "KDF parameters out of bounds"},
    {"R51_kdf_mem_1GiB_plus_1", "KDF parameters out of bounds"},
    {"R51_kdf_mem_2_62", "KDF parameters out of bounds"},
    {"R51_kdf_mem_8191", "KDF parameters out of bounds"},
    {"R51_kdf_ops_0", "KDF parameters out of bounds"},
    {"R51_kdf_ops_11", "KDF parameters out of bounds"},
    {"R51_keys_do_not_match", "is inconsistent (keys do not match)"},
    {"R51_wrong_passphrase", "wrong passphrase for identity"},
    {"R52_bad_checksum", "(bad age1 recipient)"},
    {"R52_base64_not_canonical", "(bad ed25519 key)"},
    {"R52_ed25519_31", "(bad ed25519 key)"},
    {"R52_mixed_case", "(bad age1 recipient)"},
    {"R52_name_control", "(bad name)"},
    {"R52_no_name", "(missing name)"},
    {"R52_wrong_hrp", "(bad age1 recipient)"},
    {"R5_checksum", "B: superblock checksum mismatch"},
    {"R5_padding_nonzero", "B: superblock padding is not zero"},
    {"R5_slot_moved", "A: superblock checksum mismatch"},
    {"R6_committed_end_8191", "B: superblock fields out of range"},
    {"R6_format_version", "B: superblock fields out of range"},
    {"R6_ledger_head_31", "B: superblock fields out of range"},
    {"R6_payload_not_protobuf", "B: superblock payload does not parse"},
    {"R6_vault_id_15", "B: superblock fields out of range"},
    {"R7_no_valid_slot", "A: bad superblock magic (not a Custody vault); B: bad superblock magic"},
    {"R8_truncated", "is truncated: committed end"},
  };
  return kReasons;
}

void Vector(const std::string& name, const Headers& h, const std::string& body) {
  std::string out;
  std::string expect;
  for (const auto& [k, v] : h) {
    out += k + ": " + v + "\n";
    if (k == "expect") expect = v;
  }
  if (expect.ends_with(" failure")) {
    auto it = Reasons().find(name);
    Must(it != Reasons().end(), "reason: for failure vector " + name);
    out += "reason: " + it->second + "\n";
  }
  out += "\n" + body;
  Write(g_out / name, out);
  ++g_count;
}

struct Ids {
  std::unique_ptr<vault::Identity> alice = vault::Identity::Generate("alice");
  std::unique_ptr<vault::Identity> bob = vault::Identity::Generate("bob");
  std::unique_ptr<vault::Identity> carol = vault::Identity::Generate("carol");
  std::map<std::string, std::string> file_b64;  // name -> identity file (base64)
  Ids() {
    for (auto* id : {alice.get(), bob.get(), carol.get()})
      file_b64[id->public_identity().name] =
          custody::ToBase64(craft::IdentityFileBytes(*id, kPass, 1, 8192));
  }
};
Ids* g_ids;

Headers VaultH(const std::string& expect, const std::string& rule, const std::string& comment) {
  return {{"expect", expect}, {"rule", rule}, {"comment", comment}};
}
Headers ExtractH(const std::string& expect, const std::string& rule, const std::string& who,
                 const std::string& reg, const std::string& comment, const std::string& plain = "") {
  Headers h{{"expect", expect}, {"rule", rule}, {"identity", g_ids->file_b64[who]},
            {"passphrase", kPass}, {"extract", reg}};
  if (!plain.empty()) h.push_back({"payload", custody::ToHex(craft::H(plain))});
  h.push_back({"comment", comment});
  return h;
}

struct RecInfo {
  uint64_t offset;
  format::RecordType type;
  uint64_t length;
};
std::vector<RecInfo> Recs(const std::string& b) {
  auto sb = craft::Sb(b, craft::Active(b));
  std::vector<RecInfo> out;
  uint64_t at = format::kLogStart;
  while (at < sb.committed_end()) {
    auto h = format::DecodeRecordHeader(std::string_view(b).substr(at, 48), at, sb.committed_end());
    Must(h.has_value(), "record scan");
    out.push_back({at, h->type, h->length});
    at += 48 + h->length;
  }
  return out;
}
RecInfo First(const std::string& b, format::RecordType t, int nth = 0) {
  for (const auto& r : Recs(b))
    if (r.type == t && nth-- == 0) return r;
  Must(false, "record of type");
  return {};
}

std::unique_ptr<vault::Vault> OpenW(const std::string& p) {
  auto v = vault::Vault::Open(p, vault::Vault::Access::kWrite);
  Must(v.has_value(), "open " + p + (v ? "" : ": " + v.error().message));
  return std::move(*v);
}

// Re-encodes slot `slot` of `b` after editing its raw header fields and
// payload, with a correct checksum (as any writer-capable attacker could).
void RawSlot(std::string& b, int slot, uint32_t version, const std::string& payload,
             uint32_t claimed_len) {
  std::string s("CUSTODY\x01", 8);
  format::PutLe32(s, version);
  format::PutLe32(s, claimed_len);
  s += payload;
  std::string pre;
  format::PutLe64(pre, static_cast<uint64_t>(slot) * 4096);
  s += craft::H(pre + s);
  s.resize(4096, '\0');
  b.replace(static_cast<size_t>(slot) * 4096, 4096, s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: custody_vector_gen OUTDIR\n");
    return 2;
  }
  Must(crypto::InitializeProcess().has_value(), "init");
  g_out = argv[1];
  fs::create_directories(g_out);
  g_work = g_out / ".work";
  fs::remove_all(g_work);
  fs::create_directories(g_work);
  Ids ids;
  g_ids = &ids;
  const auto& alice = *ids.alice;
  const auto& bob = *ids.bob;
  const auto& carol = *ids.carol;

  // ---- base vaults -------------------------------------------------------
  const std::string pfresh = (g_work / "fresh.cv").string();
  Must(vault::Vault::Create(pfresh, alice, {"public", "secret"}, "Vectors").has_value(), "create");
  const std::string fresh = Read(pfresh);

  const std::string pbase = (g_work / "base.cv").string();
  const std::string plain_p = "public document\n", plain_s = "secret document, level 1\n";
  Write(g_work / "p.txt", plain_p);
  Write(g_work / "s.txt", plain_s);
  std::string base_before_s;
  {
    Must(vault::Vault::Create(pbase, alice, {"public", "secret"}, "Vectors").has_value(), "create");
    auto v = OpenW(pbase);
    Must(v->Grant(alice, bob.public_identity(), vault::Role::kStaff, custody::testutil::ClearanceAt(*v, 0)).has_value(), "grant");
    Must(v->Add(alice, {{(g_work / "p.txt").string(), "Public", "P-1", ""}}, custody::testutil::LevelAt(*v, 0)).has_value(), "add");
    base_before_s = Read(pbase);
    Must(v->Add(alice, {{(g_work / "s.txt").string(), "Secret", "S-1", ""}}, custody::testutil::LevelAt(*v, 1)).has_value(), "add");
  }
  const std::string base = Read(pbase);
  auto open_state = [&](const std::string& bytes) {
    const std::string p = (g_work / "state.cv").string();
    Write(p, bytes);
    auto v = vault::Vault::Open(p, vault::Vault::Access::kRead);
    Must(v.has_value(), "open state");
    return std::move(*v);
  };

  // ---- valid -------------------------------------------------------------
  Vector("valid_fresh", VaultH("success", "R1-R9", "a freshly created vault (FORMAT.md §3.12): slot A zero, slot B sequence 1"), fresh);
  Vector("valid_base", ExtractH("success", "R1-R48", "alice", "S-1", "grant, two documents at two levels; alice extracts S-1", plain_s), base);
  Vector("valid_base_staff_extract", ExtractH("success", "R36", "bob", "P-1", "bob (staff, cleared for public) extracts P-1", plain_p), base);
  Vector("R9_torn_tail", ExtractH("success", "R9", "alice", "S-1", "1000 bytes of garbage past committed_end are ignored", plain_s),
         base + std::string(1000, '\xA5'));
  std::string destroyed;
  {
    const std::string p = (g_work / "destroyed.cv").string();
    Write(p, base);
    auto v = OpenW(p);
    Must(v->Destroy(alice, bob, "S-1", "vector").has_value(), "destroy");
    v.reset();
    destroyed = Read(p);
  }
  Vector("valid_destroyed", VaultH("success", "R48", "S-1 destroyed with a witness: keys and extent zero, audit clean"), destroyed);
  Vector("R43_extract_destroyed", ExtractH("extract failure", "R43", "alice", "S-1", "a destroyed document is never decrypted"), destroyed);

  // ---- R1-R8 superblock --------------------------------------------------
  Vector("R1_short_file", VaultH("open failure", "R1", "8191 bytes"), base.substr(0, 8191));
  Vector("R1_empty_file", VaultH("open failure", "R1", "0 bytes"), "");
  {
    std::string b = fresh;
    b[4096] = 'X';
    Vector("R2_bad_magic", VaultH("open failure", "R2", "the only valid slot's magic altered"), b);
  }
  {
    std::string b = fresh;
    auto sb = craft::Sb(b, 1);
    RawSlot(b, 1, 2, sb.SerializeAsString(), static_cast<uint32_t>(sb.ByteSizeLong()));
    Vector("R3_version_2", VaultH("open failure", "R3", "slot version field 2, checksum valid"), b);
  }
  for (uint32_t len : {4049u, 0xFFFFFFFFu}) {
    std::string b = fresh;
    std::string l;
    format::PutLe32(l, len);
    b.replace(4096 + 12, 4, l);
    Vector("R4_payload_len_" + std::to_string(len), VaultH("open failure", "R4", "payload_len " + std::to_string(len) + " > 4048"), b);
  }
  {
    std::string b = fresh;
    b[4096 + 16 + craft::Sb(fresh, 1).ByteSizeLong() + 3] ^= 1;
    Vector("R5_checksum", VaultH("open failure", "R5", "one bit of the slot checksum flipped"), b);
    b = fresh;
    b.replace(0, 4096, fresh.substr(4096, 4096));
    b.replace(4096, 4096, std::string(4096, '\0'));
    Vector("R5_slot_moved", VaultH("open failure", "R5", "slot B copied to slot A's position (checksum binds the slot offset)"), b);
    b = fresh;
    b[4096 + 4000] = 1;
    Vector("R5_padding_nonzero", VaultH("open failure", "R5",
                                        "a non-zero padding byte; NOTE FORMAT.md §3.2 says padding is ignored by readers, "
                                        "the code (format/superblock.cc) rejects it"), b);
  }
  auto sb_edit = [&](const std::string& name, const std::string& comment,
                     const std::function<void(format::Superblock&)>& f) {
    std::string b = fresh;
    auto sb = craft::Sb(b, 1);
    f(sb);
    std::string payload = sb.SerializeAsString();
    RawSlot(b, 1, 1, payload, static_cast<uint32_t>(payload.size()));
    Vector(name, VaultH("open failure", "R6", comment), b);
  };
  sb_edit("R6_format_version", "Superblock.format_version " + std::to_string(format::kFormatVersion + 1) +
                                   " (newer than this reader)",
          [](auto& sb) { sb.set_format_version(format::kFormatVersion + 1); });
  sb_edit("R6_vault_id_15", "vault_id of 15 bytes", [](auto& sb) { sb.set_vault_id(sb.vault_id().substr(1)); });
  sb_edit("R6_ledger_head_31", "ledger_head of 31 bytes", [](auto& sb) { sb.set_ledger_head(sb.ledger_head().substr(1)); });
  sb_edit("R6_committed_end_8191", "committed_end below 8192", [](auto& sb) { sb.set_committed_end(8191); });
  {
    std::string b = fresh;
    RawSlot(b, 1, 1, "\xff\xff\xff", 3);
    Vector("R6_payload_not_protobuf", VaultH("open failure", "R6", "payload does not parse, checksum valid"), b);
  }
  {
    std::string b = base;
    b.replace(0, 8192, std::string(8192, '\0'));
    Vector("R7_no_valid_slot", VaultH("open failure", "R7", "both slots zero"), b);
  }
  {
    const std::string p = (g_work / "fallback.cv").string();
    Write(p, base);
    Write(g_work / "n.txt", "newer\n");
    auto v = OpenW(p);
    Must(v->Add(alice, {{(g_work / "n.txt").string(), "", "P-2", ""}}, custody::testutil::LevelAt(*v, 0)).has_value(), "add");
    v.reset();
    std::string b = Read(p).substr(0, base.size());
    Vector("R8_fallback", ExtractH("open success", "R8",  "alice", "S-1",
                                   "the newest slot points past the end of the file: the older slot is used "
                                   "(audit reports the fallback)", plain_s), b);
    Vector("R8_truncated", VaultH("open failure", "R8", "the only valid slot points past the end"), fresh.substr(0, fresh.size() - 1));
  }

  // ---- R10-R16 records ---------------------------------------------------
  auto recs = Recs(base);
  {
    std::string b = base;
    auto last = recs.back();
    craft::PutSb(b, craft::Active(b), [&] { auto sb = craft::Sb(b, craft::Active(b)); sb.set_committed_end(last.offset + 20); return sb; }());
    Vector("R10_header_past_end", VaultH("open failure", "R10", "committed_end cuts the last record's header"), b);
  }
  auto ext = First(base, format::RecordType::kExtent);
  {
    std::string b = base;
    b[ext.offset] ^= 0x01;
    Vector("R11_bad_record_magic", VaultH("audit failure", "R11", "magic of the first EXTENT header altered"), b);
  }
  for (uint32_t t : {0u, 6u}) {
    std::string b = base;
    std::string hdr = format::EncodeExtentHeader(ext.length, ext.offset);
    std::string tl;
    format::PutLe32(tl, t);
    hdr.replace(4, 4, tl);
    std::string pre;
    format::PutLe64(pre, ext.offset);
    hdr.replace(16, 32, craft::H(pre + hdr.substr(0, 16)));
    b.replace(ext.offset, 48, hdr);
    Vector("R12_record_type_" + std::to_string(t), VaultH("audit failure", "R12", "record type " + std::to_string(t) + ", checksum valid"), b);
  }
  {
    std::string b = base;
    auto last = recs.back();
    std::string l;
    format::PutLe64(l, last.length + 1);
    b.replace(last.offset + 8, 8, l);
    Vector("R13_length_past_end", VaultH("open failure", "R13", "last record's length runs 1 byte past committed_end"), b);
  }
  auto ev0 = First(base, format::RecordType::kEvent);
  {
    std::string b = base;
    b[ev0.offset + 48 + 10] ^= 0x20;
    Vector("R15_event_checksum", VaultH("open failure", "R15", "one bit of the VaultCreated payload flipped"), b);
    b = base;
    auto key = First(base, format::RecordType::kKey);
    b[key.offset + 20] ^= 0x01;
    Vector("R15_key_header_checksum", VaultH("audit failure", "R15", "one bit of a KEY header checksum flipped"), b);
    b = base;
    b.replace(ext.offset, 48, format::EncodeExtentHeader(ext.length + 1, ext.offset));
    Vector("R16_misaligned", VaultH("audit failure", "R16", "EXTENT length +1 with a valid checksum: the next record starts a byte late"), b);
  }

  // ---- R17-R31 ledger ----------------------------------------------------
  auto sbase = open_state(base);
  const std::string vid = sbase->TEST_state().vault_id;
  auto extracted = [&](const std::string& reg) {
    format::Event e;
    e.mutable_document_extracted()->set_reg_no(reg);
    e.mutable_document_extracted()->set_doc_id(sbase->TEST_state().FindDocument(reg).value()->added().doc_id());
    e.mutable_document_extracted()->set_purpose("vector");
    return e;
  };
  {
    std::string b = base;
    craft::AppendEvent(b, extracted("S-1"), {&alice});
    Vector("valid_forged_extract_event", VaultH("success", "R17-R23", "a well-formed DocumentExtracted appended by the generator"), b);
  }
  {
    std::string b = base;
    std::string junk = "not a protobuf \xff\xff";
    craft::Commit(b, {{format::RecordType::kEvent, junk}}, [&](auto& sb) { sb.set_event_count(sb.event_count() + 1); sb.set_ledger_head(craft::H(junk)); });
    Vector("R17_event_not_protobuf", VaultH("open failure", "R17", "EVENT payload does not parse"), b);
  }
  auto raw_event = [&](const std::function<void(format::Event&)>& f) {
    auto cur = craft::Sb(base, craft::Active(base));
    format::Event e = extracted("S-1");
    e.set_sequence(cur.event_count());
    e.set_prev_hash(cur.ledger_head());
    e.set_vault_id(cur.vault_id());
    e.set_time_unix(1767225600);
    e.set_actor_ed25519(Raw(alice.public_identity().ed25519));
    const auto tip = craft::AuthorityAt(base);
    e.set_authority_seq(tip.count);
    e.set_authority_head(tip.head);
    f(e);
    return e;
  };
  auto bad_event = [&](const std::string& name, const std::string& rule, const std::string& comment,
                       const format::Event& e, std::vector<const vault::Identity*> signers,
                       const std::string& expect = "open failure") {
    std::string b = base;
    craft::AppendEvent(b, e, signers, true);
    Vector(name, VaultH(expect, rule, comment), b);
  };
  bad_event("R101_stale_authority_head", "R101", "an event made after bob's grant naming the authority state before it",
            raw_event([&](auto& e) {
              e.set_authority_seq(1);
              e.set_authority_head(craft::H(base.substr(First(base, format::RecordType::kEvent).offset + 48, First(base, format::RecordType::kEvent).length)));
            }), {&alice});
  bad_event("R18_sequence", "R18", "event sequence one too high", raw_event([](auto& e) { e.set_sequence(e.sequence() + 1); }), {&alice});
  bad_event("R18_replayed", "R18", "an event with the sequence of an earlier one", raw_event([](auto& e) { e.set_sequence(1); }), {&alice});
  bad_event("R19_prev_hash", "R19", "prev_hash is not the ledger head", raw_event([](auto& e) { e.set_prev_hash(std::string(32, '\x11')); }), {&alice});
  bad_event("R20_vault_id", "R20", "event names another vault", raw_event([](auto& e) { e.set_vault_id(std::string(16, '\x22')); }), {&alice});
  bad_event("R21_outsider", "R21", "signed by carol, who is not in the roster",
            raw_event([&](auto& e) { e.set_actor_ed25519(Raw(carol.public_identity().ed25519)); }), {&carol});
  {
    std::string b = base;
    auto e = raw_event([](auto&) {});
    format::SignedEvent se;
    se.ParseFromString(craft::SignedEventBytes(e, {&alice}));
    se.mutable_signatures(0)->mutable_signature()->at(5) ^= 1;
    std::string p = se.SerializeAsString();
    craft::Commit(b, {{format::RecordType::kEvent, p}}, [&](auto& sb) { sb.set_event_count(sb.event_count() + 1); sb.set_ledger_head(craft::H(p)); });
    Vector("R21_bad_signature", VaultH("open failure", "R21", "one bit of alice's signature flipped"), b);
  }
  bad_event("R22_no_signature", "R22", "an event with no signatures", raw_event([](auto&) {}), {});
  bad_event("R22_first_signer_not_actor", "R22", "actor alice, signed only by bob (a member)", raw_event([](auto&) {}), {&bob});
  {
    std::string b = base;
    auto a = craft::Active(b);
    auto sb = craft::Sb(b, a);
    sb.set_event_count(sb.event_count() + 1);
    craft::PutSb(b, a, sb);
    Vector("R24_event_count", VaultH("open failure", "R24", "superblock claims one more event than the ledger holds"), b);
    b = base;
    sb = craft::Sb(b, a);
    sb.set_ledger_head(std::string(32, '\x33'));
    craft::PutSb(b, a, sb);
    Vector("R24_ledger_head", VaultH("open failure", "R24", "superblock ledger_head is not the hash of the last event"), b);
  }
  {
    format::Event vc;
    auto* c = vc.mutable_vault_created();
    c->set_vault_id(vid);
    c->add_level_names("x");
    c->mutable_creator()->mutable_keys()->set_ed25519(Raw(alice.public_identity().ed25519));
    bad_event("R25_vault_created_twice", "R25", "a second VaultCreated", raw_event([&](auto& e) { *e.mutable_vault_created() = *c; }), {&alice});
  }
  auto grant_of = [&](const vault::Identity& who, int clearance, format::Role role) {
    format::Event e;
    auto* g = e.mutable_granted();
    g->mutable_member()->mutable_keys()->set_name(who.public_identity().name);
    g->mutable_member()->mutable_keys()->set_x25519(Raw(who.public_identity().x25519));
    g->mutable_member()->mutable_keys()->set_ed25519(Raw(who.public_identity().ed25519));
    g->mutable_member()->set_role(role);
    g->mutable_member()->set_clearance(clearance);
    for (int l = 0; l <= clearance; ++l) {
      auto* s = g->add_slots();
      s->set_member_ed25519(Raw(who.public_identity().ed25519));
      s->set_level(static_cast<uint32_t>(l));
      s->set_sealed_key(crypto::RandomString(80));
    }
    return e;
  };
  {
    std::string b = base;
    auto e = grant_of(carol, 0, format::ROLE_STAFF);
    craft::AppendEvent(b, e, {&bob});
    Vector("R26_grant_by_staff", VaultH("open failure", "R26", "bob (staff) grants carol"), b);
    b = base;
    craft::AppendEvent(b, grant_of(carol, 2, format::ROLE_STAFF), {&alice});
    Vector("R26_grant_unknown_level", VaultH("open failure", "R26", "clearance 2 in a two-level vault"), b);
    {
      // R113: the identity point (small order) as the grantee's signing key.
      b = base;
      auto small = grant_of(carol, 0, format::ROLE_STAFF);
      std::string identity_point(32, '\0');
      identity_point[0] = 1;
      small.mutable_granted()->mutable_member()->mutable_keys()->set_ed25519(identity_point);
      for (auto& s : *small.mutable_granted()->mutable_slots()) s.set_member_ed25519(identity_point);
      craft::AppendEvent(b, small, {&alice});
      Vector("R113_small_order_key", VaultH("open failure", "R113", "grant of a member whose Ed25519 key is the identity point (small order): it would verify forged signatures"), b);
    }
    {
      // R114: alice's valid signature of an extract event with S replaced
      // by S + L (the same point equation holds; not canonical).
      b = base;
      craft::AppendEvent(b, grant_of(carol, 0, format::ROLE_STAFF), {&alice});
      // Re-sign the last event with S + L.
      auto ev = First(b, format::RecordType::kEvent, static_cast<int>(craft::Sb(b, craft::Active(b)).event_count() - 1));
      format::SignedEvent se;
      Must(se.ParseFromString(b.substr(ev.offset + 48, ev.length)), "signed event");
      std::string sig = se.signatures(0).signature();
      static const uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                     0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
      unsigned carry = 0;
      for (int i = 0; i < 32; ++i) {
        unsigned v = static_cast<uint8_t>(sig[32 + i]) + kL[i] + carry;
        sig[32 + i] = static_cast<char>(v & 0xff);
        carry = v >> 8;
      }
      se.mutable_signatures(0)->set_signature(sig);
      const std::string payload = se.SerializeAsString();
      Must(payload.size() == ev.length, "same size");
      b.replace(ev.offset, 48 + ev.length, format::EncodeRecord(format::RecordType::kEvent, payload, ev.offset));
      const int a = craft::Active(b);
      auto sb = craft::Sb(b, a);
      sb.set_ledger_head(craft::H(payload));
      craft::PutSb(b, a, sb);
      Vector("R114_signature_S_plus_L", VaultH("open failure", "R114", "alice's grant of carol with the signature's S replaced by S + L"), b);
    }
    b = base;
    craft::AppendEvent(b, grant_of(carol, 0, format::ROLE_STAFF), {&alice});
    Vector("R36_slot_does_not_open", ExtractH("extract failure", "R36", "carol", "P-1",
                                              "carol granted with an 80-byte slot that is not a sealed box to her key"), b);
  }
  {
    std::string b = base;
    format::Event e;
    e.mutable_revoked()->set_member_ed25519(Raw(carol.public_identity().ed25519));
    e.mutable_revoked()->add_rotated_levels(0);
    craft::AppendEvent(b, e, {&alice});
    Vector("R27_revoke_non_member", VaultH("open failure", "R27", "revoke of carol, not a member"), b);
    b = base;
    format::Event r;
    r.mutable_revoked()->set_member_ed25519(Raw(bob.public_identity().ed25519));
    r.mutable_revoked()->add_rotated_levels(0);
    auto* s = r.mutable_revoked()->add_slots();
    s->set_member_ed25519(Raw(alice.public_identity().ed25519));
    s->set_level(0);
    s->set_epoch(1);
    s->set_sealed_key(*crypto::SealTo(alice.public_identity().x25519, crypto::AsBytes(crypto::RandomString(32))));
    craft::AppendEvent(b, r, {&alice});
    Vector("R112_revoke_without_lineage", VaultH("open failure", "R27 R112", "revoke rotates level 0 but carries no lineage link from the new key to the old one"), b);
  }
  auto added_copy = [&](const std::string& reg, const std::function<void(format::DocumentAdded&)>& f) {
    format::Event e;
    *e.mutable_document_added() = sbase->TEST_state().FindDocument("P-1").value()->added();
    e.mutable_document_added()->set_reg_no(reg);
    f(*e.mutable_document_added());
    return e;
  };
  bad_event("R28_duplicate_reg_no", "R28", "DocumentAdded reusing S-1 with a new doc id",
            raw_event([&](auto& e) { *e.mutable_document_added() = added_copy("S-1", [](auto& a) { a.set_doc_id(std::string(16, '\x44')); a.mutable_key()->set_doc_id(a.doc_id()); }).document_added(); }), {&alice});
  // A reader that opens from a checkpoint holds only the documents it read,
  // so a reused document id is found by audit (FORMAT.md §3.16, R28).
  bad_event("R28_duplicate_doc_id", "R28", "DocumentAdded reusing P-1's doc id under a new number",
            raw_event([&](auto& e) { *e.mutable_document_added() = added_copy("P-9", [](auto&) {}).document_added(); }), {&alice},
            "audit failure");
  bad_event("R28_unknown_level", "R28", "DocumentAdded at level 2 of 2",
            raw_event([&](auto& e) { *e.mutable_document_added() = added_copy("P-9", [](auto& a) { a.set_level(2); a.set_doc_id(std::string(16, '\x45')); a.mutable_key()->set_doc_id(a.doc_id()); }).document_added(); }), {&alice});
  bad_event("R29_extract_unknown", "R29", "DocumentExtracted of a number that does not exist",
            raw_event([](auto& e) { e.mutable_document_extracted()->set_reg_no("NOPE-1"); }), {&alice});
  bad_event("R29_extract_above_clearance", "R29", "bob (cleared for public) records extracting S-1 (secret)",
            raw_event([&](auto& e) { e.set_actor_ed25519(Raw(bob.public_identity().ed25519)); }), {&bob});
  {
    std::string b = destroyed;
    auto sd = open_state(destroyed);
    format::Event e;
    e.mutable_document_extracted()->set_reg_no("S-1");
    e.mutable_document_extracted()->set_doc_id(sd->TEST_state().FindDocument("S-1").value()->added().doc_id());
    craft::AppendEvent(b, e, {&alice});
    Vector("R29_extract_destroyed", VaultH("open failure", "R29", "DocumentExtracted of a destroyed document"), b);
  }
  {
    format::Event d;
    d.mutable_document_destroyed()->set_reg_no("P-1");
    d.mutable_document_destroyed()->set_doc_id(sbase->TEST_state().FindDocument("P-1").value()->added().doc_id());
    d.mutable_document_destroyed()->set_reason("vector");
    d.mutable_document_destroyed()->set_witness_ed25519(Raw(bob.public_identity().ed25519));
    bad_event("R30_no_witness", "R30", "DocumentDestroyed signed by the officer only",
              raw_event([&](auto& e) { *e.mutable_document_destroyed() = d.document_destroyed(); }), {&alice});
    bad_event("R30_self_witness", "R30", "DocumentDestroyed witnessed by the officer herself",
              raw_event([&](auto& e) { *e.mutable_document_destroyed() = d.document_destroyed(); e.mutable_document_destroyed()->set_witness_ed25519(Raw(alice.public_identity().ed25519)); }), {&alice, &alice});
  }
  // ---- R28a, R173-R176: the register (format v4) ----------------------
  bad_event("R28a_due_pushed", "R28a", "DocumentAdded giving itself 30 days where the vault's profile gives 5",
            raw_event([&](auto& e) {
              *e.mutable_document_added() = added_copy("P-9", [&](auto& a) {
                a.set_doc_id(std::string(16, '\x46'));
                a.mutable_key()->set_doc_id(a.doc_id());
                a.set_due_unix(1767225600 + 30 * 86400);
              }).document_added();
            }), {&alice});
  {
    const std::string s1 = sbase->TEST_state().FindDocument("S-1").value()->added().doc_id();
    const std::string p1 = sbase->TEST_state().FindDocument("P-1").value()->added().doc_id();
    auto review = [&](const std::string& reg, const std::string& id, uint32_t from, uint32_t to, bool pub) {
      format::Event e;
      auto* r = e.mutable_declassification_reviewed();
      r->set_doc_id(id);
      r->set_reg_no(reg);
      r->set_from_level(from);
      r->set_to_level(to);
      r->set_to_public(pub);
      r->set_reason("vector");
      return e;
    };
    format::Event approve;
    approve.mutable_declassification_approved()->set_reg_no("S-1");
    approve.mutable_declassification_approved()->set_doc_id(s1);
    approve.mutable_declassification_approved()->mutable_key()->set_offset(format::kLogStart);
    approve.mutable_declassification_approved()->mutable_key()->set_hash(std::string(32, 'k'));
    approve.mutable_declassification_approved()->mutable_key()->set_doc_id(s1);
    {
      std::string b = base;
      format::Event r = review("P-1", p1, 0, 0, true);
      r.set_actor_ed25519(Raw(bob.public_identity().ed25519));
      craft::AppendEvent(b, r, {&bob});
      Vector("R174_review_by_staff", VaultH("open failure", "R174", "bob (staff) signs a review declassifying P-1 to public"), b);
      b = base;
      craft::AppendEvent(b, review("P-1", p1, 0, 0, false), {&alice});
      Vector("R174_review_raises", VaultH("open failure", "R174", "a review of P-1 from level 0 to level 0: nothing lowered"), b);
      b = base;
      craft::AppendEvent(b, approve, {&alice});
      Vector("R175_approved_unreviewed", VaultH("open failure", "R175", "alice approves a declassification of S-1 nobody reviewed"), b);
      b = base;
      craft::AppendEvent(b, review("S-1", s1, 1, 0, false), {&alice});
      craft::AppendEvent(b, approve, {&alice});
      Vector("R175_approved_by_reviewer", VaultH("open failure", "R175", "alice reviews S-1 down to public's level 0, then approves her own review"), b);
    }
    {
      // A sealed copy of S-1 to carol, valid; then its disposal forged.
      std::string b = base;
      format::Event c;
      auto* x = c.mutable_copy_issued();
      x->set_doc_id(s1);
      x->set_reg_no("S-1");
      x->set_copy_no(1);
      x->set_of(1);
      x->mutable_recipient()->set_name("carol");
      x->mutable_recipient()->set_ed25519(Raw(carol.public_identity().ed25519));
      x->mutable_recipient()->set_x25519(Raw(carol.public_identity().x25519));
      x->set_level(1);
      x->set_scope("vector liaison");
      x->set_sealed(true);
      x->set_sealed_hash(std::string(32, 'a'));
      craft::AppendEvent(b, c, {&alice});
      const std::string issued = b;
      format::Event d;
      auto* y = d.mutable_copy_disposed();
      y->set_doc_id(s1);
      y->set_reg_no("S-1");
      y->set_copy_no(1);
      y->set_reason("shredded");
      y->set_witness_ed25519(Raw(bob.public_identity().ed25519));
      craft::AppendEvent(b, d, {&alice});
      Vector("R173_copy_destroyed_alone", VaultH("open failure", "R173", "copy S-1/1 recorded destroyed with bob named as witness, signed by alice only"), b);
      b = issued;
      y->set_lost(true);
      y->clear_witness_ed25519();
      craft::AppendEvent(b, d, {&alice});
      craft::AppendEvent(b, d, {&alice});
      Vector("R173_lost_twice", VaultH("open failure", "R173", "copy S-1/1 declared lost twice"), b);
    }
    format::Event h;
    h.mutable_document_handled()->set_reg_no("S-1");
    h.mutable_document_handled()->set_doc_id(s1);
    h.set_actor_ed25519(Raw(bob.public_identity().ed25519));
    std::string b = base;
    craft::AppendEvent(b, h, {&bob});
    Vector("R176_handled_not_cleared", VaultH("open failure", "R176", "bob (cleared for public) records handling S-1 (secret)"), b);
  }
  {
    // v6: the mount's session events. A valid session by bob (staff, public),
    // then one forged event per check of R178-R180.
    const uint64_t mounted_at = sbase->TEST_state().event_count;
    format::Event m;
    m.mutable_vault_mounted()->set_host("ws-12");
    auto opened = [&](const std::string& reg, uint64_t at) {
      format::Event e;
      e.mutable_document_opened()->set_reg_no(reg);
      e.mutable_document_opened()->set_doc_id(sbase->TEST_state().FindDocument(reg).value()->added().doc_id());
      e.mutable_document_opened()->set_mounted_at(at);
      return e;
    };
    format::Event u;
    u.mutable_vault_unmounted()->set_mounted_at(mounted_at);
    u.mutable_vault_unmounted()->set_reason("unmount");
    u.mutable_vault_unmounted()->set_documents_opened(1);
    std::string b = base;
    craft::AppendEvent(b, m, {&bob});
    const std::string session = b;
    craft::AppendEvent(b, opened("P-1", mounted_at), {&bob});
    craft::AppendEvent(b, u, {&bob});
    Vector("valid_mount_session", VaultH("success", "R178-R180", "bob mounts, opens P-1 (public), unmounts"), b);
    b = session;
    craft::AppendEvent(b, opened("S-1", mounted_at), {&bob});
    Vector("R180_open_not_cleared", VaultH("open failure", "R180", "bob (cleared for public) records opening S-1 (secret) in his mount"), b);
    b = session;
    craft::AppendEvent(b, opened("P-1", mounted_at + 1), {&bob});
    Vector("R180_open_later_mount", VaultH("open failure", "R180", "an open naming its own sequence as the mount it belongs to"), b);
    b = session;
    format::Event late = u;
    late.mutable_vault_unmounted()->set_mounted_at(mounted_at + 7);
    craft::AppendEvent(b, late, {&bob});
    Vector("R179_unmount_later_mount", VaultH("open failure", "R179", "an unmount naming a mount after itself"), b);
    b = base;
    format::Event long_host = m;
    long_host.mutable_vault_mounted()->set_host(std::string(256, 'h'));
    craft::AppendEvent(b, long_host, {&bob});
    Vector("R178_host_256", VaultH("open failure", "R178", "a mount whose host name is 256 bytes"), b);
  }
  {
    // v7: approved media and hosts, backups. A valid history by alice
    // (officer), with an open outside the bindings recorded by bob; then one
    // forged event per rule R182-R188.
    format::Medium drive;
    drive.set_fs_id("00c0ffee00000001");
    drive.set_filesystem("ext4");
    drive.set_serial("WD-WX12345");
    drive.set_size_bytes(uint64_t{1} << 40);
    drive.set_transport("usb");
    auto reg = [&](const std::string& number, const format::Medium& m) {
      format::Event e;
      e.mutable_medium_registered()->set_number(number);
      e.mutable_medium_registered()->set_label("SECRET");
      *e.mutable_medium_registered()->mutable_medium() = m;
      return e;
    };
    format::Event out;
    out.mutable_medium_checked_out()->set_number("M-1");
    out.mutable_medium_checked_out()->set_holder("courier");
    out.mutable_medium_checked_out()->set_purpose("off-site store");
    format::Event in;
    in.mutable_medium_checked_in()->set_number("M-1");
    format::Event bind;
    bind.mutable_host_bound()->set_host_id(std::string(16, '\x42'));
    bind.mutable_host_bound()->set_name("ws-12");
    format::Event outside;
    outside.set_actor_ed25519(Raw(bob.public_identity().ed25519));
    outside.mutable_open_outside_bindings()->set_attempt_unix(1);
    outside.mutable_open_outside_bindings()->mutable_host()->set_id(std::string(16, '\x07'));
    outside.mutable_open_outside_bindings()->set_host_unapproved(true);
    format::Event backup;
    backup.mutable_backup_made()->set_destination("/mnt/backup/v.vault");
    backup.mutable_backup_made()->set_purpose("weekly");
    backup.mutable_backup_made()->set_highest_level(sbase->TEST_state().HighestLevelHeld());
    // Made on the bound host (audit reports an act elsewhere once bound).
    backup.mutable_host()->set_id(std::string(16, '\x42'));
    backup.mutable_host()->set_name("ws-12");
    std::string b = base;
    craft::AppendEvent(b, reg("M-1", drive), {&alice});
    const std::string registered = b;
    craft::AppendEvent(b, out, {&alice});
    craft::AppendEvent(b, in, {&alice});
    craft::AppendEvent(b, bind, {&alice});
    craft::AppendEvent(b, outside, {&bob});
    craft::AppendEvent(b, backup, {&alice});
    Vector("valid_bindings", VaultH("success", "R182-R188",
                                    "alice registers M-1, checks it out and in, binds a host; bob records an open "
                                    "from another host; alice records a backup"), b);
    auto staff = [&](format::Event e) {
      e.set_actor_ed25519(Raw(bob.public_identity().ed25519));
      return e;
    };
    b = base;
    craft::AppendEvent(b, staff(reg("M-9", drive)), {&bob});
    Vector("R182_staff_registers_medium", VaultH("open failure", "R182", "bob (staff) registers his own drive"), b);
    b = registered;
    craft::AppendEvent(b, reg("M-2", drive), {&alice});
    Vector("R182_medium_registered_twice", VaultH("open failure", "R182", "the medium M-1 registered again as M-2"), b);
    b = registered;
    format::Event out9 = out;
    out9.mutable_medium_checked_out()->set_number("M-9");
    craft::AppendEvent(b, out9, {&alice});
    Vector("R183_checkout_unregistered", VaultH("open failure", "R183", "a check-out of a medium never registered"), b);
    b = registered;
    craft::AppendEvent(b, in, {&alice});
    Vector("R184_checkin_not_out", VaultH("open failure", "R184", "a check-in of a medium that never left"), b);
    b = base;
    craft::AppendEvent(b, staff(bind), {&bob});
    Vector("R185_staff_binds_host", VaultH("open failure", "R185", "bob (staff) approves his own machine"), b);
    b = base;
    format::Event inside = outside;
    inside.mutable_open_outside_bindings()->set_host_unapproved(false);
    craft::AppendEvent(b, inside, {&bob});
    Vector("R186_open_inside_bindings", VaultH("open failure", "R186", "an open outside the bindings that names no binding"), b);
    b = base;
    format::Event low = backup;
    low.mutable_backup_made()->set_highest_level(-1);
    craft::AppendEvent(b, low, {&alice});
    Vector("R187_backup_marked_low", VaultH("open failure", "R187", "a backup of secret material marked as holding nothing"), b);
    b = base;
    format::Event short_host = in;
    short_host.clear_kind();
    *short_host.mutable_host_bound() = bind.host_bound();
    short_host.mutable_host()->set_id("short");
    craft::AppendEvent(b, short_host, {&alice});
    Vector("R188_host_id_short", VaultH("open failure", "R188", "an event whose Event.host id is 5 bytes"), b);
  }
  {
    // v8: a document's life in a mounted folder. A valid life of S-1 by
    // alice (officer, secret): renamed, withdrawn, restored, revised; then
    // one forged event per check of R189-R192. The key and extent references
    // are S-1's own (the rules check their form and the document; only a
    // reader holding the level key can tell a key record's content).
    const format::DocumentState* d = sbase->TEST_state().FindDocument("S-1").value();
    const std::string s1 = d->added().doc_id();
    const format::KeyRef key = d->key();
    const format::Extent extent = d->added().extent();
    format::Event renamed;
    renamed.mutable_document_renamed()->set_reg_no("S-1");
    renamed.mutable_document_renamed()->set_doc_id(s1);
    *renamed.mutable_document_renamed()->mutable_key() = key;
    format::Event withdrawn;
    withdrawn.mutable_document_withdrawn()->set_reg_no("S-1");
    withdrawn.mutable_document_withdrawn()->set_doc_id(s1);
    format::Event restored;
    restored.mutable_document_restored()->set_reg_no("S-1");
    restored.mutable_document_restored()->set_doc_id(s1);
    format::Event revised;
    revised.mutable_document_revised()->set_reg_no("S-1");
    revised.mutable_document_revised()->set_doc_id(s1);
    revised.mutable_document_revised()->set_version(2);
    *revised.mutable_document_revised()->mutable_extent() = extent;
    *revised.mutable_document_revised()->mutable_key() = key;
    auto by_bob = [&](format::Event e) {
      e.set_actor_ed25519(Raw(bob.public_identity().ed25519));
      return e;
    };
    std::string b = base;
    craft::AppendEvent(b, renamed, {&alice});
    craft::AppendEvent(b, withdrawn, {&alice});
    const std::string was_withdrawn = b;
    craft::AppendEvent(b, restored, {&alice});
    craft::AppendEvent(b, revised, {&alice});
    Vector("valid_document_life", VaultH("success", "R189-R192",
                                         "alice renames S-1, withdraws it, restores it, revises it (version 2)"), b);
    b = base;
    craft::AppendEvent(b, by_bob(renamed), {&bob});
    Vector("R189_rename_not_cleared", VaultH("open failure", "R189", "bob (cleared for public) renames S-1 (secret)"), b);
    b = was_withdrawn;
    craft::AppendEvent(b, renamed, {&alice});
    Vector("R189_rename_withdrawn", VaultH("open failure", "R189", "a rename of a withdrawn document"), b);
    b = was_withdrawn;
    craft::AppendEvent(b, withdrawn, {&alice});
    Vector("R190_withdrawn_twice", VaultH("open failure", "R190", "S-1 withdrawn twice"), b);
    b = was_withdrawn;
    format::Event staff_restores = by_bob(restored);
    craft::AppendEvent(b, staff_restores, {&bob});
    Vector("R191_staff_restores", VaultH("open failure", "R191", "bob (staff) restores a withdrawn document"), b);
    b = base;
    craft::AppendEvent(b, restored, {&alice});
    Vector("R191_restore_not_withdrawn", VaultH("open failure", "R191", "a restore of a document never withdrawn"), b);
    b = base;
    format::Event skip = revised;
    skip.mutable_document_revised()->set_version(3);
    craft::AppendEvent(b, skip, {&alice});
    Vector("R192_revision_skips_version", VaultH("open failure", "R192", "a revision of S-1 (version 1) numbered 3"), b);
    b = base;
    craft::AppendEvent(b, revised, {&alice});
    craft::AppendEvent(b, revised, {&alice});
    Vector("R192_revision_replayed", VaultH("open failure", "R192", "the revision to version 2 appended twice"), b);
    b = was_withdrawn;
    craft::AppendEvent(b, revised, {&alice});
    Vector("R192_revise_withdrawn", VaultH("open failure", "R192", "a revision of a withdrawn document"), b);
  }
  bad_event("R31_compacted", "R55", "a Compacted event that does not name the ledger it follows (previous_event_count 1)",
            raw_event([](auto& e) { e.mutable_compacted()->set_previous_event_count(1); }), {&alice});
  bad_event("R31_no_kind", "R31", "an event with no kind set", raw_event([](auto& e) { e.clear_kind(); }), {&alice});
  {
    // MUST NOT depend on canonical serialization: body with the kind first,
    // then the header fields, plus an unknown field #99 — all signed.
    auto e = raw_event([](auto&) {});
    format::Event kind_only;
    *kind_only.mutable_document_extracted() = e.document_extracted();
    format::Event rest = e;
    rest.clear_kind();
    std::string body = kind_only.SerializeAsString() + rest.SerializeAsString() + std::string("\x98\x06\x01", 3);
    format::SignedEvent se;
    se.set_body(body);
    auto* s = se.add_signatures();
    s->set_signer_ed25519(Raw(alice.public_identity().ed25519));
    s->set_signature(alice.Sign(body));
    std::string p = se.SerializeAsString();
    std::string b = base;
    craft::Commit(b, {{format::RecordType::kEvent, p}}, [&](auto& sb) { sb.set_event_count(sb.event_count() + 1); sb.set_ledger_head(craft::H(p)); });
    Vector("valid_noncanonical_event", VaultH("success", "§1 Protobuf", "event body with fields out of order and an unknown field: readers MUST NOT depend on canonical serialization"), b);
  }

  // ---- R32-R35, R46, R47 checkpoints -------------------------------------
  // A checkpoint of base's state edited by `f`, signed by `signer`; with
  // `docs`, its catalog rewritten as a new tree of the edited documents.
  auto with_checkpoint = [&](const std::function<void(format::Checkpoint&)>& f, const vault::Identity& signer,
                             const std::function<void(std::vector<format::DocumentState>&)>& docs = {}) {
    std::string b = base;
    format::Checkpoint cp = sbase->TEST_state().ToCheckpoint(craft::AuthorityAt(base).last_event);
    std::vector<std::pair<format::RecordType, std::string>> records;
    if (docs) {
      auto all = craft::CatalogDocuments(b, cp.catalog());
      docs(all);
      auto [pages, root] = craft::CatalogTree(all, craft::Sb(b, craft::Active(b)).committed_end());
      records = pages;
      *cp.mutable_catalog() = root;
    }
    f(cp);
    craft::CommitCheckpoint(b, cp, signer, records);
    return b;
  };
  const std::string cpv = with_checkpoint([](auto&) {}, alice);
  Vector("valid_checkpoint", ExtractH("success", "R32-R35", "alice", "S-1", "a checkpoint after 4 events; open starts from it, audit re-derives it", plain_s), cpv);
  {
    std::string b = cpv;
    craft::AppendEvent(b, extracted("S-1"), {&alice});
    Vector("R35_events_after_checkpoint", VaultH("success", "R35", "one event after the checkpoint is replayed on top of it"), b);
    b = cpv;
    auto a = craft::Active(b);
    auto sb = craft::Sb(b, a);
    sb.set_checkpoint_offset(format::kLogStart);
    craft::PutSb(b, a, sb);
    Vector("R32_checkpoint_offset_event", VaultH("open failure", "R32", "checkpoint_offset points at the VaultCreated EVENT"), b);
    b = cpv;
    sb = craft::Sb(b, a);
    sb.set_checkpoint_offset(First(b, format::RecordType::kKey).offset);
    craft::PutSb(b, a, sb);
    Vector("R47_checkpoint_offset_key", VaultH("open failure", "R32 R47", "checkpoint_offset points at a KEY record"), b);
  }
  // The attack of issue 8: a checkpoint, validly signed by a live member,
  // that seals a key of the signer's choosing into the officer's slot.
  Vector("R106_checkpoint_carries_slots", VaultH("open failure", "R106", "signed by bob (live staff) and carrying a key slot for alice at level 1: a v2 checkpoint carries no authority"),
         with_checkpoint([&](auto& cp) {
           auto* slot = cp.add_slots();
           slot->set_member_ed25519(Raw(alice.public_identity().ed25519));
           slot->set_level(1);
           slot->set_sealed_key(std::string(80, '\x42'));
         }, bob));
  // Hostile catalog values in a checkpoint a live member signed (R150):
  // bounded before use, never indexed or looped by.
  Vector("R150_catalog_extent_over_superblock", VaultH("open failure", "R150", "signed by bob: S-1 marked destroyed with its extent over the superblocks, so that the next writer would zero them"),
         with_checkpoint([](auto&) {}, bob, [](auto& docs) {
           for (auto& d : docs)
             if (d.added().reg_no() == "S-1") {
               d.set_destroyed(true);
               d.mutable_added()->mutable_extent()->set_offset(0);
               d.mutable_added()->mutable_extent()->set_length(8192);
             }
         }));
  Vector("R150_catalog_level_huge", VaultH("open failure", "R150", "signed by bob: S-1 at level 2^31"),
         with_checkpoint([](auto&) {}, bob, [](auto& docs) {
           for (auto& d : docs)
             if (d.added().reg_no() == "S-1") d.mutable_added()->set_level(0x80000000u);
         }));
  Vector("R150_catalog_counters_short", VaultH("open failure", "R150", "signed by alice: one registration counter for two levels"),
         with_checkpoint([](auto& cp) { cp.mutable_reg_counters()->RemoveLast(); }, alice));
  Vector("R109_index_omits_grant", VaultH("open failure", "R109", "the checkpoint's authority index leaves out bob's grant: the head event names 2 authority events"),
         with_checkpoint([](auto& cp) { cp.mutable_authority()->RemoveLast(); }, alice));
  Vector("R109_index_into_extent", VaultH("open failure", "R109", "an authority index entry points into an EXTENT payload"),
         with_checkpoint([&](auto& cp) { cp.mutable_authority(1)->set_offset(First(base, format::RecordType::kExtent).offset + 60); }, alice));
  // The same valid checkpoint, framed inside the payload of an orphan EXTENT
  // record, the superblock pointing at it: open may use it (its content is
  // right), but audit must see that no scan reaches it.
  auto hidden_checkpoint = [&](const vault::Identity& signer) {
    std::string b = base;
    format::Checkpoint cp = sbase->TEST_state().ToCheckpoint(craft::AuthorityAt(base).last_event);
    const std::string scp = craft::SignedCheckpointBytes(cp, signer);
    const uint64_t ext_at = craft::Sb(b, craft::Active(b)).committed_end();
    const std::string inner = format::EncodeRecord(format::RecordType::kCheckpoint, scp, ext_at + 48);
    craft::Commit(b, {{format::RecordType::kExtent, inner}}, [&](auto& sb) { sb.set_checkpoint_offset(ext_at + 48); });
    return b;
  };
  Vector("R120_checkpoint_hidden_in_extent", VaultH("audit failure", "R120", "a valid checkpoint signed by alice, inside an orphan EXTENT payload, pointed at by the superblock"),
         hidden_checkpoint(alice));
  Vector("R120_outsider_checkpoint_hidden_in_extent", VaultH("open failure", "R120 R106", "the same, signed by carol (not a member)"),
         hidden_checkpoint(carol));
  {
    // Zeroing the newer superblock slot makes the older one active: the last
    // commit (S-1's add) silently disappears unless audit refuses the zero.
    std::string b = base;
    const int a = craft::Active(b);
    b.replace(static_cast<size_t>(a) * 4096, 4096, std::string(4096, '\0'));
    Vector("R103_zeroed_newer_slot", VaultH("audit failure", "R103", "the active superblock slot zeroed after four commits"), b);
  }
  {
    // A v2 genesis whose vault id is not the one its nonce and creator derive.
    std::string b = fresh;
    auto rec = First(b, format::RecordType::kEvent);
    format::SignedEvent se;
    format::Event ev;
    Must(se.ParseFromString(b.substr(rec.offset + 48, rec.length)) && ev.ParseFromString(se.body()), "genesis");
    const std::string other_id(16, '\x07');
    ev.set_vault_id(other_id);
    ev.mutable_vault_created()->set_vault_id(other_id);
    const std::string payload = craft::SignedEventBytes(ev, {&alice});
    Must(payload.size() == rec.length, "same size genesis");
    b.replace(rec.offset, 48 + rec.length, format::EncodeRecord(format::RecordType::kEvent, payload, rec.offset));
    const int a = craft::Active(b);
    auto sb = craft::Sb(b, a);
    sb.set_vault_id(other_id);
    sb.set_ledger_head(craft::H(payload));
    craft::PutSb(b, a, sb);
    Vector("R100_vault_id_not_derived", VaultH("open failure", "R100", "genesis re-signed by its creator with a vault id not derived from its nonce"), b);
  }
  Vector("R33_checkpoint_vault_id_15", VaultH("open failure", "R33", "signed checkpoint with a 15-byte vault id"),
         with_checkpoint([](auto& cp) { cp.set_vault_id(cp.vault_id().substr(1)); }, alice));
  Vector("R34_checkpoint_outsider", VaultH("open failure", "R34", "checkpoint signed by carol, who is not in its roster"),
         with_checkpoint([](auto&) {}, carol));
  Vector("R46_checkpoint_lies", VaultH("audit failure", "R46",
                                       "checkpoint validly signed by alice but with S-1's extract count 7: open trusts it (R35 caveat), audit must not"),
         with_checkpoint([](auto&) {}, alice, [](auto& docs) { for (auto& d : docs) if (d.added().reg_no() == "S-1") d.set_extract_count(7); }));

  // ---- R160-R167 catalog pages (v3) ---------------------------------------
  // A checkpoint signed by alice whose root is base's root page, edited by
  // `page` (and the root reference by `root`), as a new CATALOG_PAGE record.
  auto forged_root = [&](const std::function<void(format::CatalogPage&)>& page,
                         const std::function<void(format::CatalogRoot&)>& root) {
    std::string b = base;
    format::Checkpoint cp = sbase->TEST_state().ToCheckpoint(craft::AuthorityAt(base).last_event);
    craft::BytesPages reader(b, 0);
    auto payload = reader.ReadPage(cp.catalog().offset());
    Must(payload.has_value(), "base root page");
    format::CatalogPage p;
    Must(p.ParseFromString(*payload), "base root page parses");
    page(p);
    const std::string edited = p.SerializeAsString();
    format::CatalogRoot r = cp.catalog();
    r.set_offset(craft::Sb(b, craft::Active(b)).committed_end());
    r.set_hash(craft::H(edited));
    root(r);
    *cp.mutable_catalog() = r;
    craft::CommitCheckpoint(b, cp, alice, {{format::RecordType::kCatalogPage, edited}});
    return b;
  };
  Must(sbase->TEST_state().catalog.root()->height() == 0, "base's catalog is one leaf");
  Vector("R160_page_hash_mismatch", VaultH("open failure", "R160", "checkpoint signed by alice naming the root page with a wrong hash"),
         with_checkpoint([](auto& cp) { cp.mutable_catalog()->set_hash(std::string(32, '\x5a')); }, alice));
  Vector("R160_root_not_a_page", VaultH("open failure", "R160", "the catalog root points at the VaultCreated EVENT"),
         with_checkpoint([](auto& cp) { cp.mutable_catalog()->set_offset(format::kLogStart); }, alice));
  Vector("R161_leaf_claims_height", VaultH("open failure", "R161", "the root leaf says height 1, the checkpoint height 0"),
         forged_root([](auto& p) { p.set_height(1); }, [](auto&) {}));
  Vector("R162_entries_out_of_order", VaultH("open failure", "R162", "root leaf with its first two entries swapped, re-signed by alice"),
         forged_root([](auto& p) { p.mutable_entries()->SwapElements(0, 1); }, [](auto&) {}));
  Vector("R163_count_lies", VaultH("open failure", "R163", "the root claims one document more than its leaf holds"),
         forged_root([](auto&) {}, [](auto& r) { r.set_count(r.count() + 1); }));
  Vector("R164_entry_level_huge", VaultH("open failure", "R164 R150", "an entry of the root leaf at level 2^31"),
         forged_root([](auto& p) { p.mutable_entries(0)->mutable_added()->set_level(0x80000000u); }, [](auto&) {}));
  Vector("R165_live_counts_short", VaultH("open failure", "R165", "a v3 checkpoint with one live count for two levels"),
         with_checkpoint([](auto& cp) { cp.mutable_live_documents()->RemoveLast(); }, alice));
  {
    // An extraction committed with a checkpoint that presents the old tree:
    // its leaf still says S-1 was never extracted.
    std::string b = base;
    const uint64_t ev_at = craft::AppendEvent(b, extracted("S-1"), {&alice});
    auto after = open_state(b);
    format::Checkpoint cp = after->TEST_state().ToCheckpoint(ev_at);  // root: the old tree's
    Must(cp.catalog().hash() == sbase->TEST_state().catalog.root()->hash(), "stale root");
    craft::CommitCheckpoint(b, cp, alice);
    Vector("R166_stale_tree", VaultH("audit failure", "R166", "an extract of S-1 committed with a checkpoint (signed by alice) that reuses the tree from before it"), b);
  }
  {
    std::string b = base;
    craft::BytesPages reader(b, 0);
    auto root_page = reader.ReadPage(sbase->TEST_state().catalog.root()->offset());
    Must(root_page.has_value(), "base root page");
    craft::Commit(b, {{format::RecordType::kCatalogPage, *root_page}});
    Vector("R167_unreached_page", VaultH("audit failure", "R167", "a copy of the root page committed where no checkpoint's tree reaches it"), b);
  }
  {
    std::string b = base;
    auto a = craft::Active(b);
    auto sb = craft::Sb(b, a);
    sb.set_highest_level_held(0);
    craft::PutSb(b, a, sb);
    Vector("R47_highest_level_held", VaultH("audit failure", "R47", "outer marking says public while a secret document is live"), b);
  }

  // ---- R170-R172, R177, R166a: tracked copies (v4, v5) -------------------
  // A vault whose profile has secret copies co-signed, with carol a second
  // officer cleared for secret; copies of P-1 in every state and a sealed,
  // co-signed copy of S-1, all written by the library. Forged copy events
  // are appended to it, and forged checkpoints (copy trees, inline copies)
  // committed after it, signed by alice.
  {
    const std::string pc = (g_work / "copies.cv").string();
    const auto erin = vault::Identity::Generate("erin");  // an officer cleared for public only
    vault::VaultProfile profile;
    profile.cosign_copies_from = 1;  // copies at secret need a second officer
    Must(vault::Vault::Create(pc, alice, {"public", "secret"}, "Vectors", DefaultEnv(), SystemClock(), profile)
             .has_value(), "create copies");
    {
      auto v = OpenW(pc);
      Must(v->Grant(alice, bob.public_identity(), vault::Role::kStaff, custody::testutil::ClearanceAt(*v, 0)).has_value(), "grant bob");
      Must(v->Grant(alice, carol.public_identity(), vault::Role::kOfficer, custody::testutil::ClearanceAt(*v, 1)).has_value(), "grant carol");
      Must(v->Grant(alice, erin->public_identity(), vault::Role::kOfficer, custody::testutil::ClearanceAt(*v, 0)).has_value(), "grant erin");
      Must(v->Add(alice, {{(g_work / "p.txt").string(), "Public", "P-1", ""}}, custody::testutil::LevelAt(*v, 0)).has_value(), "add P-1");
      Must(v->Add(alice, {{(g_work / "s.txt").string(), "Secret", "S-1", ""}}, custody::testutil::LevelAt(*v, 1)).has_value(), "add S-1");
      Must(v->Add(alice, {{(g_work / "p.txt").string(), "Gone", "P-2", ""}}, custody::testutil::LevelAt(*v, 0)).has_value(), "add P-2");
      Must(v->Destroy(alice, bob, "P-2", "vector").has_value(), "destroy P-2");
      vault::CopyRequest plain;
      plain.reg_no = "P-1";
      plain.recipient = bob.public_identity();
      plain.copies = 4;
      plain.scope = "vector liaison";
      plain.purpose = "vector";
      plain.out_path = (g_work / "p1-copy.txt").string();
      auto issued = v->IssueCopies(alice, plain);
      Must(issued.has_value(), "issue P-1 copies" + (issued ? "" : ": " + issued.error().message));
      vault::CopyRequest sealed;
      sealed.reg_no = "S-1";
      sealed.recipient = carol.public_identity();
      sealed.scope = "vector liaison";
      sealed.sealed = true;
      sealed.cosigner = &carol;
      sealed.out_path = (g_work / "s1-copy.age").string();
      auto s_issued = v->IssueCopies(alice, sealed);
      Must(s_issued.has_value(), "issue S-1 copy" + (s_issued ? "" : ": " + s_issued.error().message));
      auto ret = v->ReturnCopy(alice, "P-1", 2, "");
      Must(ret.has_value(), "return P-1/2" + (ret ? "" : ": " + ret.error().message));
      Must(v->DisposeCopy(alice, &bob, "P-1", 3, "shredded").has_value(), "destroy P-1/3");
      Must(v->DisposeCopy(alice, nullptr, "P-1", 4, "lost in transit").has_value(), "lose P-1/4");
    }
    const std::string copies = Read(pc);
    Vector("valid_copies", ExtractH("success", "R170-R173 R166a R177", "alice", "S-1",
                                    "erin an officer cleared for public; copies P-1/1 issued, P-1/2 returned, P-1/3 destroyed under bob's witness, P-1/4 lost, "
                                    "S-1/1 sealed and co-signed by carol, P-2 destroyed; every commit's checkpoint pages the copies; "
                                    "alice extracts S-1", plain_s),
           copies);
    // Opened from its own file: open_state's is rewritten by later calls.
    auto open_copies = [&](const std::string& bytes, const std::string& name) {
      const std::string p = (g_work / name).string();
      Write(p, bytes);
      auto v = vault::Vault::Open(p, vault::Vault::Access::kRead);
      Must(v.has_value(), "open " + name);
      return std::move(*v);
    };
    auto sc = open_copies(copies, "copies-state.cv");
    const auto& st = sc->TEST_state();
    Must(st.copies.root().has_value() && st.copies.root()->height() == 0 && st.copies.root()->count() == 5,
         "the copy tree is one leaf of five copies");
    auto doc_id = [&](const std::string& reg) { return st.FindDocument(reg).value()->added().doc_id(); };
    const auto dave = vault::Identity::Generate("dave");  // in no roster
    auto keys_of = [](const vault::Identity& id, format::PublicKeys* k) {
      k->set_name(id.public_identity().name);
      k->set_ed25519(Raw(id.public_identity().ed25519));
      k->set_x25519(Raw(id.public_identity().x25519));
    };
    // Copy `no` of `reg` as a writer would issue it (plaintext to bob),
    // then edited by `f`.
    auto issue = [&](const std::string& reg, uint32_t no, const std::function<void(format::CopyIssued&)>& f) {
      format::Event e;
      auto* x = e.mutable_copy_issued();
      x->set_doc_id(doc_id(reg));
      x->set_reg_no(reg);
      x->set_copy_no(no);
      x->set_of(no);
      keys_of(bob, x->mutable_recipient());
      x->set_level(st.FindDocument(reg).value()->added().level());
      x->set_scope("vector liaison");
      x->set_purpose("vector");
      f(*x);
      return e;
    };
    // S-1's next copy, sealed to carol and co-signed by her.
    auto sealed_s1 = [&](const std::function<void(format::CopyIssued&)>& f) {
      return issue("S-1", 2, [&](auto& x) {
        keys_of(carol, x.mutable_recipient());
        x.set_sealed(true);
        x.set_sealed_hash(std::string(32, 'a'));
        x.set_cosigner_ed25519(Raw(carol.public_identity().ed25519));
        f(x);
      });
    };
    auto returned = [&](const std::string& reg, uint32_t no, const std::function<void(format::CopyReturned&)>& f) {
      format::Event e;
      auto* x = e.mutable_copy_returned();
      x->set_doc_id(doc_id(reg));
      x->set_reg_no(reg);
      x->set_copy_no(no);
      f(*x);
      return e;
    };
    auto none = [](auto&) {};
    auto forged = [&](const std::string& name, const std::string& rule, const std::string& comment,
                      const std::vector<std::pair<format::Event, std::vector<const vault::Identity*>>>& events,
                      const std::string& expect = "open failure") {
      std::string b = copies;
      for (const auto& [e, signers] : events) craft::AppendEvent(b, e, signers);
      Vector(name, VaultH(expect, rule, comment), b);
    };
    // The control: the events the failure vectors below edit, as they are
    // valid, replayed on top of the last checkpoint.
    forged("valid_forged_copy_events", "R170 R170a R171",
           "generator-made: P-1/5 plaintext to bob by alice; S-1/2 sealed to carol, co-signed by carol; "
           "P-1/1 returned to carol",
           {{issue("P-1", 5, none), {&alice}}, {sealed_s1(none), {&alice, &carol}},
            {returned("P-1", 1, none), {&carol}}},
           "success");
    // R170, one vector per check, in the rule's order.
    forged("R170_copy_unknown_document", "R170", "a copy of NOPE-1, a number never registered",
           {{issue("P-1", 5, [](auto& x) { x.set_reg_no("NOPE-1"); }), {&alice}}});
    forged("R170_copy_other_doc_id", "R170", "a copy of P-1 naming S-1's document id",
           {{issue("P-1", 5, [&](auto& x) { x.set_doc_id(doc_id("S-1")); }), {&alice}}});
    forged("R170_copy_by_uncleared", "R170", "bob (staff, cleared for public) issues S-1/2 (secret), co-signed by carol",
           {{sealed_s1(none), {&bob, &carol}}});
    forged("R170_copy_of_destroyed", "R170", "a copy of P-2, which was destroyed",
           {{issue("P-2", 1, none), {&alice}}});
    forged("R170_copy_number_skipped", "R170", "P-1/6 of 6 where P-1's next copy is 5: copy 5 hidden",
           {{issue("P-1", 6, none), {&alice}}});
    forged("R170_copy_number_reused", "R170", "P-1/4 (lost) issued again",
           {{issue("P-1", 4, none), {&alice}}});
    forged("R170_copy_beyond_of", "R170", "P-1/5 of 4",
           {{issue("P-1", 5, [](auto& x) { x.set_of(4); }), {&alice}}});
    forged("R170_copy_level_mismatch", "R170", "P-1/5 marked secret (level 1); P-1 is public",
           {{issue("P-1", 5, [](auto& x) { x.set_level(1); }), {&alice}}});
    forged("R170_copy_no_scope", "R170", "P-1/5 with an empty scope",
           {{issue("P-1", 5, [](auto& x) { x.clear_scope(); }), {&alice}}});
    forged("R170_sealed_hash_short", "R170", "P-1/5 sealed, with a 31-byte sealed_hash",
           {{issue("P-1", 5, [](auto& x) { x.set_sealed(true); x.set_sealed_hash(std::string(31, 'a')); }), {&alice}}});
    forged("R170_plaintext_with_hash", "R170", "P-1/5 plaintext, with a 16-byte sealed_hash",
           {{issue("P-1", 5, [](auto& x) { x.set_sealed_hash(std::string(16, 'a')); }), {&alice}}});
    forged("R170_return_by_negative", "R170", "P-1/5 due back at -1",
           {{issue("P-1", 5, [](auto& x) { x.set_return_by_unix(-1); }), {&alice}}});
    forged("R170_recipient_malformed", "R170", "P-1/5 to a recipient whose x25519 key is 31 bytes",
           {{issue("P-1", 5, [](auto& x) { x.mutable_recipient()->set_x25519(std::string(31, 'x')); }), {&alice}}});
    forged("R170_plaintext_not_cleared", "R170", "S-1/2 in plaintext to bob (cleared for public), co-signed by carol",
           {{sealed_s1([&](auto& x) { keys_of(bob, x.mutable_recipient()); x.set_sealed(false); x.clear_sealed_hash(); }),
             {&alice, &carol}}});
    forged("R170_plaintext_to_outsider", "R170", "P-1/5 in plaintext to dave, who is in no roster",
           {{issue("P-1", 5, [&](auto& x) { keys_of(*dave, x.mutable_recipient()); }), {&alice}}});
    // R170a: the profile has copies at secret co-signed.
    forged("R170a_no_cosignature", "R170a", "S-1/2 sealed to carol, signed by alice alone, naming no co-signer",
           {{sealed_s1([](auto& x) { x.clear_cosigner_ed25519(); }), {&alice}}});
    forged("R170a_cosigner_not_signing", "R170a", "S-1/2 naming carol as co-signer, signed by alice alone",
           {{sealed_s1(none), {&alice}}});
    forged("R170a_cosigner_is_actor", "R170a", "S-1/2 co-signed by alice, its issuer",
           {{sealed_s1([&](auto& x) { x.set_cosigner_ed25519(Raw(alice.public_identity().ed25519)); }), {&alice, &alice}}});
    forged("R170a_cosigner_not_cleared", "R170a", "S-1/2 co-signed by erin, an officer cleared for public only",
           {{sealed_s1([&](auto& x) { x.set_cosigner_ed25519(Raw(erin->public_identity().ed25519)); }), {&alice, erin.get()}}});
    forged("R170a_cosigner_staff", "R170a", "P-1/5 (public: no co-signature needed) naming bob (staff) as co-signer, signed by both",
           {{issue("P-1", 5, [&](auto& x) { x.set_cosigner_ed25519(Raw(bob.public_identity().ed25519)); }), {&alice, &bob}}});
    // R171.
    forged("R171_return_by_staff", "R171", "bob (staff, the holder) records P-1/1 returned",
           {{returned("P-1", 1, none), {&bob}}});
    forged("R171_return_never_issued", "R171", "P-1/9 returned; P-1 has four copies",
           {{returned("P-1", 9, none), {&alice}}});
    forged("R171_return_other_doc_id", "R171", "P-1/1 returned naming S-1's document id",
           {{returned("P-1", 1, [&](auto& x) { x.set_doc_id(doc_id("S-1")); }), {&alice}}});
    forged("R171_returned_twice", "R171", "P-1/2, returned already, returned again",
           {{returned("P-1", 2, none), {&alice}}});
    forged("R171_return_lost", "R171 R173", "P-1/4, declared lost, returned",
           {{returned("P-1", 4, none), {&alice}}});
    forged("R171_return_destroyed", "R171", "P-1/3, destroyed, returned",
           {{returned("P-1", 3, none), {&alice}}});
    forged("R171_sealed_return_other_bytes", "R171", "S-1/1 (sealed) returned with another file's hash",
           {{returned("S-1", 1, [](auto& x) { x.set_returned_hash(std::string(32, 'b')); }), {&alice}}});

    // Forged checkpoints of the same state, signed by alice. `page` edits
    // the copy tree's root leaf (rewritten as a new page, named by the
    // checkpoint), `cp_edit` the checkpoint last; `inline_copies` lists the
    // copies in `copies` (#16) instead, as 0.4.0 wrote them.
    auto copy_checkpoint = [&](const std::function<void(format::Checkpoint&)>& cp_edit,
                               const std::function<void(format::CatalogPage&)>& page = {}) {
      std::string b = copies;
      format::Checkpoint cp = st.ToCheckpoint(craft::AuthorityAt(b).last_event);
      std::vector<std::pair<format::RecordType, std::string>> records;
      if (page) {
        craft::BytesPages reader(b, 0);
        auto payload = reader.ReadPage(cp.copy_catalog().offset());
        Must(payload.has_value(), "copy root page");
        format::CatalogPage p;
        Must(p.ParseFromString(*payload), "copy root page parses");
        page(p);
        const std::string edited = p.SerializeAsString();
        cp.mutable_copy_catalog()->set_offset(craft::Sb(b, craft::Active(b)).committed_end());
        cp.mutable_copy_catalog()->set_hash(craft::H(edited));
        cp.mutable_copy_catalog()->set_count(static_cast<uint64_t>(p.copies_size()));
        records.emplace_back(format::RecordType::kCatalogPage, edited);
      }
      cp_edit(cp);
      craft::CommitCheckpoint(b, cp, alice, records);
      return b;
    };
    const auto all_copies = craft::CatalogDocuments<vault::CopyCatalog>(copies, st.ToCheckpoint(0).copy_catalog());
    auto inline_copies = [&](const std::function<void(std::vector<format::CopyState>&)>& f) {
      return [&, f](format::Checkpoint& cp) {
        cp.clear_copy_catalog();
        auto cs = all_copies;
        f(cs);
        for (const auto& c : cs) *cp.add_copies() = c;
      };
    };
    // R172: copies inline.
    Vector("valid_inline_copies", ExtractH("success", "R172", "alice", "S-1",
                                           "a checkpoint signed by alice with the five copies inline and no copy tree, "
                                           "as 0.4.0 wrote it", plain_s),
           copy_checkpoint(inline_copies([](auto&) {})));
    Vector("R172_inline_out_of_order", VaultH("audit failure", "R172 R46", "a checkpoint with the copies inline, P-1/1 and P-1/2 swapped"),
           copy_checkpoint(inline_copies([](auto& cs) { std::swap(cs[0], cs[1]); })));
    Vector("R172_inline_copy_twice", VaultH("open failure", "R172", "a checkpoint with the copies inline, P-1/1 listed twice"),
           copy_checkpoint(inline_copies([](auto& cs) { cs.insert(cs.begin(), cs[0]); })));
    Vector("R172_inline_copy_no_0", VaultH("open failure", "R172", "a checkpoint with the copies inline, P-1/1 numbered 0"),
           copy_checkpoint(inline_copies([](auto& cs) { cs[0].mutable_issued()->set_copy_no(0); })));
    Vector("R172_inline_status_unknown", VaultH("open failure", "R172", "a checkpoint with the copies inline, P-1/1 of status COPY_UNKNOWN"),
           copy_checkpoint(inline_copies([](auto& cs) { cs[0].set_status(format::COPY_UNKNOWN); })));
    // R177: the copy tree's root.
    auto root_edit = [&](const std::function<void(format::CatalogRoot&)>& f) {
      return [f](format::Checkpoint& cp) { f(*cp.mutable_copy_catalog()); };
    };
    Vector("R177_copy_root_hash_short", VaultH("open failure", "R177", "the copy tree's root with a 31-byte hash"),
           copy_checkpoint(root_edit([](auto& r) { r.set_hash(r.hash().substr(1)); })));
    Vector("R177_copy_root_offset_low", VaultH("open failure", "R177", "the copy tree's root at offset 4096 (a superblock)"),
           copy_checkpoint(root_edit([](auto& r) { r.set_offset(4096); })));
    Vector("R177_copy_root_height_9", VaultH("open failure", "R177", "the copy tree's root at height 9"),
           copy_checkpoint(root_edit([](auto& r) { r.set_height(9); })));
    Vector("R177_copy_root_count_huge", VaultH("open failure", "R177", "the copy tree's root counts 2^48 + 1 copies"),
           copy_checkpoint(root_edit([](auto& r) { r.set_count((uint64_t{1} << 48) + 1); })));
    Vector("R177_copy_tree_and_inline", VaultH("open failure", "R177", "a checkpoint with both a copy tree and the copies inline"),
           copy_checkpoint([&](auto& cp) { for (const auto& c : all_copies) *cp.add_copies() = c; }));
    Vector("R177_copy_tree_without_catalog", VaultH("open failure", "R177", "a checkpoint with a copy tree but no catalog tree (no documents inline either)"),
           copy_checkpoint([](auto& cp) { cp.clear_catalog(); cp.clear_live_documents(); }));
    Vector("R177_copy_root_hash_mismatch", VaultH("open failure", "R177 R160", "the copy tree's root page named with a wrong hash"),
           copy_checkpoint(root_edit([](auto& r) { r.set_hash(std::string(32, '\x5a')); })));
    // R160-R164 on the copy tree's pages (§3.16 "The copy tree", R172's bounds).
    // The control for the page vectors: the copy tree's leaf written again,
    // unchanged, at a new offset.
    Vector("valid_copy_tree_rewritten", ExtractH("success", "R166a R177", "alice", "S-1",
                                                 "a checkpoint signed by alice whose copy tree is its leaf "
                                                 "rewritten unchanged as a new page", plain_s),
           copy_checkpoint(none, [](auto&) {}));
    Vector("R172_copy_tree_out_of_order", VaultH("open failure", "R172 R162", "the copy tree's leaf with P-1/1 and P-1/2 swapped"),
           copy_checkpoint(none, [](auto& p) { p.mutable_copies()->SwapElements(0, 1); }));
    Vector("R172_copy_tree_copy_no_0", VaultH("open failure", "R172 R164", "the copy tree's leaf with P-1/1 numbered 0"),
           copy_checkpoint(none, [](auto& p) { p.mutable_copies(0)->mutable_issued()->set_copy_no(0); }));
    Vector("R172_copy_tree_status_unknown", VaultH("open failure", "R172 R164", "the copy tree's leaf with P-1/1 of status COPY_UNKNOWN"),
           copy_checkpoint(none, [](auto& p) { p.mutable_copies(0)->set_status(format::COPY_UNKNOWN); }));
    Vector("R172_copy_leaf_holds_document", VaultH("open failure", "R172 R161", "the copy tree's leaf also holds a document entry"),
           copy_checkpoint(none, [&](auto& p) { *p.add_entries() = *st.FindDocument("P-1").value(); }));
    Vector("R172_copy_tree_count_lies", VaultH("open failure", "R172 R163", "the copy tree's root counts one copy more than its leaf holds"),
           copy_checkpoint(root_edit([](auto& r) { r.set_count(r.count() + 1); }), [](auto&) {}));
    // R166a: trees within every bound that lie about the copies.
    Vector("R166a_copy_never_issued", VaultH("audit failure", "R166a", "the copy tree lists P-1/5 (never issued) in place of P-1/4: the count still five"),
           copy_checkpoint(none, [](auto& p) {
             for (auto& c : *p.mutable_copies())
               if (c.issued().reg_no() == "P-1" && c.issued().copy_no() == 4) c.mutable_issued()->set_copy_no(5);
           }));
    Vector("R166a_copy_state_changed", VaultH("audit failure", "R166a", "the copy tree shows P-1/4 (lost) as returned"),
           copy_checkpoint(none, [&](auto& p) {
             for (auto& c : *p.mutable_copies())
               if (c.issued().reg_no() == "P-1" && c.issued().copy_no() == 4) {
                 c.set_status(format::COPY_RETURNED);
                 c.clear_reason();
                 c.clear_disposed_by();
                 c.clear_disposed_unix();
                 c.set_returned_by(Raw(alice.public_identity().ed25519));
                 c.set_returned_unix(c.issued_unix());
               }
           }));
    Vector("R166a_copy_omitted", VaultH("audit failure", "R166a", "the copy tree leaves out P-1/4 (lost), its count four"),
           copy_checkpoint(none, [](auto& p) { p.mutable_copies()->DeleteSubrange(3, 1); }));
    {
      // R170 against a forged tree (§3.16 "Trust"): a checkpoint signed by
      // alice whose copy tree already holds P-1/5, which P-1's counter
      // says is the next number; issuing P-1/5 must not count it twice.
      std::string b = copy_checkpoint(none, [](auto& p) {
        format::CopyState extra = p.copies(0);
        extra.mutable_issued()->set_copy_no(5);
        extra.mutable_issued()->set_of(5);
        p.mutable_copies()->Add(std::move(extra));
        // After P-1/4, before S-1/1: the leaf stays in key order.
        for (int i = p.copies_size() - 1; i > 4; --i) p.mutable_copies()->SwapElements(i, i - 1);
      });
      craft::AppendEvent(b, issue("P-1", 5, none), {&alice});
      Vector("R170_copy_number_in_forged_tree", VaultH("open failure", "R170", "a checkpoint signed by alice whose copy tree holds a P-1/5 never issued, then P-1/5 issued"), b);
    }
    {
      // R171's last check: a checkpoint (signed by alice) whose catalog
      // says P-1 has no copy outstanding while its copy tree holds P-1/1
      // issued; the return replayed on it must not wrap the counter.
      std::string b = copies;
      format::Checkpoint cp = st.ToCheckpoint(craft::AuthorityAt(b).last_event);
      auto docs = craft::CatalogDocuments(b, cp.catalog());
      for (auto& d : docs)
        if (d.added().reg_no() == "P-1") d.set_copies_outstanding(0);
      auto [pages, root] = craft::CatalogTree(docs, craft::Sb(b, craft::Active(b)).committed_end());
      *cp.mutable_catalog() = root;
      craft::CommitCheckpoint(b, cp, alice, pages);
      craft::AppendEvent(b, returned("P-1", 1, none), {&alice});
      Vector("R171_return_none_outstanding", VaultH("open failure", "R171", "a checkpoint signed by alice counting no copy of P-1 outstanding, then P-1/1 (issued) returned"), b);
    }
    {
      // P-1/2 (returned) destroyed under bob's witness, committed with a
      // checkpoint that presents the copy tree from before it (the
      // document's counters are unchanged: a returned copy was not
      // outstanding, so the catalog tree is still right).
      std::string b = copies;
      format::Event d;
      auto* y = d.mutable_copy_disposed();
      y->set_doc_id(doc_id("P-1"));
      y->set_reg_no("P-1");
      y->set_copy_no(2);
      y->set_reason("shredded");
      y->set_witness_ed25519(Raw(bob.public_identity().ed25519));
      const uint64_t ev_at = craft::AppendEvent(b, d, {&alice, &bob});
      auto after = open_copies(b, "copies-after.cv");
      format::Checkpoint cp = after->TEST_state().ToCheckpoint(ev_at);
      Must(cp.copy_catalog().hash() == st.copies.root()->hash(), "stale copy root");
      Must(cp.catalog().hash() == st.catalog.root()->hash(), "catalog unchanged");
      craft::CommitCheckpoint(b, cp, alice);
      Vector("R166a_stale_copy_tree", VaultH("audit failure", "R166a", "P-1/2 destroyed, committed with a checkpoint (signed by alice) that reuses the copy tree from before it"), b);
    }
  }

  // ---- R36-R42, R48 documents --------------------------------------------
  {
    const std::string p = (g_work / "revoked.cv").string();
    Write(p, base);
    auto v = OpenW(p);
    Must(v->Revoke(alice, bob.public_identity()).has_value(), "revoke");
    v.reset();
    Vector("R36_revoked_identity", ExtractH("extract failure", "R36", "bob", "P-1", "bob was revoked: no keys"), Read(p));
    Vector("valid_after_revoke", ExtractH("success", "R27", "alice", "P-1", "after revoking bob, alice reaches P-1's epoch-0 key record through the lineage link", plain_p), Read(p));
  }
  auto key_s = [&](const std::string& b) {
    auto off = sbase->TEST_state().FindDocument("S-1").value()->key().offset();
    for (const auto& r : Recs(b))
      if (r.offset == off) return r;
    Must(false, "key of S-1");
    return RecInfo{};
  };
  {
    std::string b = base;
    auto k = key_s(b);
    b[k.offset + 48 + 30] ^= 0x04;
    Vector("R37_key_hash", ExtractH("extract failure", "R37 R48", "alice", "S-1", "one bit of S-1's KEY payload flipped (does not match KeyRef.hash)"), b);
    b = base;
    auto e = sbase->TEST_state().FindDocument("S-1").value()->added().extent();
    b[e.offset() + 30] ^= 0x04;
    Vector("R48_extent_flipped", ExtractH("extract failure", "R42 R48", "alice", "S-1", "one bit of S-1's ciphertext flipped"), b);
    b = destroyed;
    auto ed = open_state(destroyed)->TEST_state().FindDocument("S-1").value()->added().extent();
    b[ed.offset() + 3] = 1;
    Vector("R48_destroyed_not_zero", VaultH("audit failure", "R48", "a destroyed document's extent has a non-zero byte"), b);
  }
  // Crafted documents: the generator holds alice's level keys, so it can
  // write KEY records and extents that are well-signed but wrong inside.
  {
    crypto::X25519KeyPair kp;
    kp.public_key = alice.x25519().public_key;
    kp.secret_key = crypto::SecretBytes::CopyOf(alice.x25519().secret_key.span());
    auto* slot = vault::FindSlot(sbase->TEST_state(), Raw(alice.public_identity().ed25519), 1);
    Must(slot != nullptr, "slot");
    auto lk = crypto::OpenSealed(kp, slot->sealed_key());
    Must(lk.has_value(), "level key");
    auto doc = [&](const std::string& name, const std::string& rule, const std::string& comment,
                   const std::string& expect, int mode) {
      // mode: 38 wrong doc id in KEY, 39 garbage wrap, 41 size mismatch,
      // 42 forged chunk, 40 geometry
      std::string doc_id = crypto::RandomString(16);
      std::string plain = "crafted document\n";
      auto dk = crypto::SecretBytes::Random(32);
      std::string ad = std::string(format::kAdChunk) + vid + doc_id;
      format::PutLe32(ad, 1);
      format::PutLe64(ad, 0);
      ad.push_back('\1');
      std::string chunk = crypto::AeadSealString(dk.span(), plain, ad);
      if (mode == 42) chunk = crypto::RandomString(chunk.size());
      format::WrappedDocumentKey w;
      w.set_doc_id(mode == 38 ? std::string(16, '\x55') : doc_id);
      w.set_level(1);
      auto lad = [&](std::string_view dom) {
        std::string s(dom);
        s += vid + w.doc_id();
        format::PutLe32(s, 1);
        format::PutLe32(s, 0);
        return s;
      };
      w.set_wrapped_key(mode == 39 ? crypto::RandomString(72)
                                   : crypto::AeadSealString(lk->span(), Raw(dk.span()), lad(format::kAdWrap)));
      format::DocumentMetadata m;
      m.set_title("crafted");
      m.set_file_name("crafted.txt");
      m.set_size(plain.size() + (mode == 41 ? 1 : 0));
      w.set_sealed_metadata(crypto::AeadSealString(lk->span(), m.SerializeAsString(), lad(format::kAdMetadata)));
      std::string kp_bytes = w.SerializeAsString();
      std::string b = base;
      auto sb = craft::Sb(b, craft::Active(b));
      uint64_t ext_at = sb.committed_end();
      uint64_t key_at = ext_at + 48 + chunk.size();
      format::Event e;
      auto* a = e.mutable_document_added();
      a->set_doc_id(doc_id);
      a->set_reg_no("C-1");
      a->set_level(1);
      a->set_version(1);
      a->mutable_extent()->set_offset(ext_at + 48);
      a->mutable_extent()->set_length(chunk.size());
      a->mutable_extent()->set_chunk_size(format::kChunkSize);
      a->mutable_extent()->set_chunk_count(mode == 40 ? 2 : 1);
      std::string root(format::kHashExtentRoot);
      format::PutLe64(root, 1);
      root += craft::H(chunk);
      a->mutable_extent()->set_root_hash(craft::H(root));
      a->mutable_key()->set_offset(key_at);
      a->mutable_key()->set_hash(craft::H(kp_bytes));
      a->mutable_key()->set_doc_id(doc_id);
      e.set_sequence(sb.event_count());
      e.set_prev_hash(sb.ledger_head());
      e.set_vault_id(vid);
      e.set_time_unix(1767225600);
      e.set_actor_ed25519(Raw(alice.public_identity().ed25519));
      const auto tip = craft::AuthorityAt(b);
      e.set_authority_seq(tip.count);
      e.set_authority_head(tip.head);
      std::string ep = craft::SignedEventBytes(e, {&alice});
      b.resize(ext_at);
      b += format::EncodeExtentHeader(chunk.size(), ext_at) + chunk;
      b += format::EncodeRecord(format::RecordType::kKey, kp_bytes, key_at);
      b += format::EncodeRecord(format::RecordType::kEvent, ep, b.size());
      auto a2 = craft::Active(b);
      auto nsb = craft::Sb(b, a2);
      nsb.set_sequence(nsb.sequence() + 1);
      nsb.set_committed_end(b.size());
      nsb.set_event_count(nsb.event_count() + 1);
      nsb.set_ledger_head(craft::H(ep));
      craft::PutSb(b, 1 - a2, nsb);
      Headers h = expect == "success"        ? ExtractH("success", rule, "alice", "C-1", comment, plain)
                  : expect == "open failure" ? VaultH(expect, rule, comment)
                                             : ExtractH(expect, rule, "alice", "C-1", comment);
      Vector(name, h, b);
    };
    doc("valid_crafted_document", "R36-R42", "a document written by the generator (not the library): decrypts", "success", 0);
    doc("R38_key_other_doc_id", "R38", "KEY record names another doc_id (its hash matches the signed KeyRef); audit cannot see this", "extract failure", 38);
    doc("R39_wrap_garbage", "R39", "wrapped_key is 72 random bytes (hash matches)", "extract failure", 39);
    doc("R40_geometry", "R40", "chunk_count 2 for a one-chunk extent (rejected when the event is replayed, before any buffer is sized)", "open failure", 40);
    doc("R41_size_mismatch", "R41", "metadata size is one more than the extent implies", "extract failure", 41);
    doc("R42_chunk_forged", "R42", "ciphertext is random bytes; root_hash matches them, AEAD does not", "extract failure", 42);
  }

  // ---- R49-R51 identity files --------------------------------------------
  auto idh = [&](const std::string& expect, const std::string& rule, const std::string& comment) {
    return Headers{{"expect", expect}, {"rule", rule}, {"passphrase", kPass}, {"comment", comment}};
  };
  Vector("identity_valid", idh("identity success", "R50 R51", "ops 1, mem 8 KiB"), craft::IdentityFileBytes(alice, kPass, 1, 8192));
  Vector("R51_wrong_passphrase", idh("identity failure", "R51", "sealed under another passphrase"), craft::IdentityFileBytes(alice, "other", 1, 8192));
  {
    std::string big = craft::IdentityFileBytes(alice, kPass, 1, 8192);
    big += std::string("\xfa\x07", 2);  // field 127, length-delimited
    std::string pad(65537 - big.size() - 3, 'x');
    std::string len;
    uint64_t n = pad.size();
    while (n >= 0x80) { len.push_back(static_cast<char>(n | 0x80)); n >>= 7; }
    len.push_back(static_cast<char>(n));
    big += len + pad;
    big.resize(65537, 'x');
    Vector("R49_too_large", idh("identity failure", "R49", "65537 bytes"), big);
  }
  auto tweak = [&](const std::string& name, const std::string& comment, const std::function<void(format::IdentityFile&)>& f) {
    Vector(name, idh("identity failure", "R50", comment), craft::IdentityFileBytes(alice, kPass, 1, 8192, f));
  };
  {
    std::string b = craft::IdentityFileBytes(alice, kPass, 1, 8192);
    b[16] = '\x02';
    Vector("R50_bad_magic", idh("identity failure", "R50", "magic ends in \\x02"), b);
  }
  tweak("R50_version_2", "IdentityFile.version 2", [](auto& f) { f.set_version(2); });
  tweak("R50_x25519_31", "31-byte x25519 key", [](auto& f) { f.mutable_keys()->set_x25519(f.keys().x25519().substr(1)); });
  tweak("R50_ed25519_33", "33-byte ed25519 key", [](auto& f) { f.mutable_keys()->set_ed25519(f.keys().ed25519() + "x"); });
  tweak("R50_salt_15", "15-byte salt", [](auto& f) { f.set_salt(f.salt().substr(1)); });
  tweak("R50_sealed_103", "103-byte sealed_secrets", [](auto& f) { f.set_sealed_secrets(f.sealed_secrets().substr(1)); });
  tweak("R50_name_empty", "empty name", [](auto& f) { f.mutable_keys()->set_name(""); });
  tweak("R50_name_control", "name with a control byte", [](auto& f) { f.mutable_keys()->set_name("al\x01ice"); });
  tweak("R50_name_201", "201-byte name", [](auto& f) { f.mutable_keys()->set_name(std::string(201, 'a')); });
  for (auto [ops, mem, tag] : std::vector<std::tuple<uint64_t, uint64_t, std::string>>{
           {0, 8192, "ops_0"}, {11, 8192, "ops_11"}, {1, 8191, "mem_8191"},
           {1, (1ull << 30) + 1, "mem_1GiB_plus_1"}, {1, 1ull << 62, "mem_2_62"}, {~0ull, ~0ull, "both_max"}})
    Vector("R51_kdf_" + tag, idh("identity failure", "R51", "KDF parameters out of bounds: must be rejected before Argon2id runs"),
           craft::IdentityFileBytes(alice, kPass, ops, mem, {}, false));
  {
    // Valid seal (AD over the stored keys) of secrets that belong to bob.
    format::IdentityFile f;
    std::string a = craft::IdentityFileBytes(bob, kPass, 1, 8192);
    f.ParseFromString(a.substr(17));
    f.mutable_keys()->set_name("alice");
    f.mutable_keys()->set_x25519(Raw(alice.public_identity().x25519));
    f.mutable_keys()->set_ed25519(Raw(alice.public_identity().ed25519));
    auto k = crypto::DeriveKeyFromPassphrase(craft::Pass(kPass), f.salt(), {1, 8192});
    std::string secrets = Raw(bob.x25519().secret_key.span()) + Raw(bob.signing().seed());
    std::string ad = craft::IdentityAd(f);
    f.set_sealed_secrets(crypto::AeadSealString(k->span(), secrets, ad));
    Vector("R51_keys_do_not_match", idh("identity failure", "R51", "secrets authenticate but derive other public keys"),
           std::string(format::kIdentityMagic) + f.SerializeAsString());
  }

  // ---- R52 public identity lines -----------------------------------------
  const std::string line = alice.public_identity().ToLine();
  auto lh = [](const std::string& e, const std::string& c) { return Headers{{"expect", e}, {"rule", "R52"}, {"comment", c}}; };
  Vector("line_valid", lh("line success", "as printed by custody id public"), line + "\n");
  Vector("line_valid_spaces_in_name", lh("line success", "name with spaces, surrounding whitespace"),
         "  " + line.substr(0, line.rfind(' ')) + " Alice Q. Public \r\n");
  {
    std::string up = line.substr(0, 62);
    for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Vector("line_valid_upper_case", lh("line success", "all-upper-case Bech32 is accepted"), up + line.substr(62));
    std::string mixed = line;
    // The first letter of the data part upper-cased (a digit has no case).
    for (size_t i = 5; i < 62; ++i)
      if (std::islower(static_cast<unsigned char>(mixed[i]))) {
        mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
        break;
      }
    Vector("R52_mixed_case", lh("line failure", "mixed-case Bech32"), mixed);
    std::string bad = line;
    bad[61] = bad[61] == 'q' ? 'p' : 'q';
    Vector("R52_bad_checksum", lh("line failure", "Bech32 checksum wrong"), bad);
    std::string hrp = line;
    hrp.replace(0, 3, "agf");
    Vector("R52_wrong_hrp", lh("line failure", "HRP is not age"), hrp);
    auto b64at = line.find("ed25519:") + 8;
    std::string nc = line;
    // The last base64 char before '=' encodes 2 padding bits; set one.
    size_t last = b64at + 42;
    static const std::string alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    nc[last] = alpha[(alpha.find(nc[last]) | 1)];
    if (nc == line) nc[last] = alpha[alpha.find(nc[last]) ^ 2];
    Vector("R52_base64_not_canonical", lh("line failure", "base64 with non-zero padding bits"), nc);
    std::string short_key = line;
    short_key.replace(b64at, 44, custody::ToBase64(std::string(31, 'k')));
    Vector("R52_ed25519_31", lh("line failure", "31-byte ed25519 key"), short_key);
    Vector("R52_no_name", lh("line failure", "no name"), line.substr(0, line.rfind(' ')));
    Vector("R52_name_control", lh("line failure", "name with a control byte"), line.substr(0, line.rfind(' ')) + " al\x7fice");
  }

  fs::remove_all(g_work);
  std::printf("generate: %d vectors -> %s\n", g_count, g_out.c_str());
  return 0;
}
