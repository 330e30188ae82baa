#include "vault/client_memory.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/encoding.h"
#include "base/json.h"
#include "base/state_dir.h"

namespace custody::vault {

namespace {
constexpr size_t kMaxStateFile = 64 * 1024;  // R133

Result<std::string> HexField(const Json& j, const char* name, size_t bytes, const std::string& file) {
  const Json* f = FindMember(j, name);
  if (f == nullptr || !f->is_string()) return Fail(Code::kCorrupt, file + ": no " + name);
  auto raw = FromHex(f->get_ref<const std::string&>(), HexCase::kLowerOnly);
  if (!raw || raw->size() != bytes) return Fail(Code::kCorrupt, file + ": bad " + name);
  return *raw;
}

Result<uint64_t> IntField(const Json& j, const char* name, const std::string& file) {
  const Json* f = FindMember(j, name);
  if (f == nullptr || !f->is_number_unsigned()) return Fail(Code::kCorrupt, file + ": no " + name);
  return f->get<uint64_t>();
}
}  // namespace

ClientMemory::ClientMemory(std::string dir, Env* env) : dir_(std::move(dir)), env_(env) {}

Result<std::unique_ptr<ClientMemory>> ClientMemory::ForThisUser() {
  CUSTODY_ASSIGN(std::string dir, EnsureStateDir("vaults"));
  return std::make_unique<ClientMemory>(dir);
}

std::string ClientMemory::PathFor(const std::string& vault_id) const {
  return dir_ + "/" + ToHex(vault_id) + ".json";
}

Result<std::optional<RememberedState>> ClientMemory::Load(const std::string& vault_id) const {
  const std::string path = PathFor(vault_id);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<RememberedState>();
  std::string text(kMaxStateFile + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxStateFile)
    return Fail(Code::kCorrupt, "remembered vault state " + path + " is larger than 64 KiB");
  const std::string what = "remembered vault state " + path;
  auto j = ParseCanonicalJson(text);
  if (!j || !j->is_object()) return Fail(Code::kCorrupt, what + " does not parse (remove it with care: "
                                                                "it is what detects a rolled-back vault)");
  RememberedState s;
  CUSTODY_ASSIGN(s.vault_id, HexField(*j, "vault_id", 16, what));
  CUSTODY_ASSIGN(s.genesis, HexField(*j, "genesis", 32, what));
  CUSTODY_ASSIGN(s.head, HexField(*j, "head", 32, what));
  CUSTODY_ASSIGN(s.event_count, IntField(*j, "event_count", what));
  CUSTODY_ASSIGN(s.head_offset, IntField(*j, "head_offset", what));
  if (s.vault_id != vault_id) return Fail(Code::kCorrupt, what + " names another vault");
  return std::optional<RememberedState>(std::move(s));
}

Status ClientMemory::Save(const RememberedState& state, bool durable) const {
  // Never lowered: a second client that verified more keeps its state.
  CUSTODY_ASSIGN(auto stored, Load(state.vault_id));
  if (stored && stored->genesis == state.genesis && stored->event_count >= state.event_count)
    return {};
  Json j = Json::object();
  j["event_count"] = state.event_count;
  j["format"] = uint64_t{1};
  j["genesis"] = ToHex(state.genesis);
  j["head"] = ToHex(state.head);
  j["head_offset"] = state.head_offset;
  j["vault_id"] = ToHex(state.vault_id);
  return WriteFileAtomically(env_, PathFor(state.vault_id), WriteCanonicalJson(j), /*replace=*/true, 0600, durable);
}

namespace {
std::string NotesPath(const std::string& dir, const std::string& vault_id) {
  return dir + "/" + ToHex(vault_id) + ".outside.json";
}
}  // namespace

Result<std::vector<std::string>> ClientMemory::LoadOutsideNotes(const std::string& vault_id) const {
  const std::string path = NotesPath(dir_, vault_id);
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> notes;
  if (!in) return notes;
  std::string text(kMaxStateFile + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  Result<Json> j = Fail(Code::kCorrupt, "too large");
  if (text.size() <= kMaxStateFile) j = ParseCanonicalJson(text);
  const Json* list = j && j->is_object() ? FindMember(*j, "notes") : nullptr;
  if (list == nullptr || !list->is_array())
    return Fail(Code::kCorrupt, "kept record of opens outside the bindings " + path + " does not parse");
  for (const Json& n : *list) {
    auto raw = n.is_string() ? FromHex(n.get_ref<const std::string&>(), HexCase::kLowerOnly) : std::nullopt;
    if (!raw) return Fail(Code::kCorrupt, "kept record of opens outside the bindings " + path + " holds a bad note");
    notes.push_back(std::move(*raw));
  }
  return notes;
}

namespace {
Status WriteNotes(Env* env, const std::string& path, const std::vector<std::string>& notes) {
  if (notes.empty()) {
    ::unlink(path.c_str());
    return {};
  }
  Json list = Json::array();
  for (const auto& n : notes) list.push_back(ToHex(n));
  Json j = Json::object();
  j["format"] = uint64_t{1};
  j["notes"] = std::move(list);
  return WriteFileAtomically(env, path, WriteCanonicalJson(j), /*replace=*/true, 0600);
}
}  // namespace

Status ClientMemory::AddOutsideNote(const std::string& vault_id, const std::string& note) const {
  CUSTODY_ASSIGN(auto notes, LoadOutsideNotes(vault_id));
  notes.push_back(note);
  if (notes.size() > kMaxOutsideNotes) notes.erase(notes.begin(), notes.end() - kMaxOutsideNotes);
  return WriteNotes(env_, NotesPath(dir_, vault_id), notes);
}

Status ClientMemory::DropOutsideNotes(const std::string& vault_id, size_t count) const {
  CUSTODY_ASSIGN(auto notes, LoadOutsideNotes(vault_id));
  notes.erase(notes.begin(), notes.begin() + static_cast<std::ptrdiff_t>(std::min(count, notes.size())));
  return WriteNotes(env_, NotesPath(dir_, vault_id), notes);
}

}  // namespace custody::vault
