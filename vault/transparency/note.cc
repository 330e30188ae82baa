// See note.h and the C2SP specs it names.
#include "vault/transparency/note.h"

#include <charconv>

#include "base/encoding.h"

namespace custody::transparency {

namespace {

constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space

Error Corrupt(const std::string& message) { return Error{Code::kCorrupt, message}; }

// Strict UTF-8 (no overlongs, no surrogates); false also for any control
// character other than "\n", which a note's text may not hold.
bool IsNoteText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > s.size()) return false;
    for (int j = 1; j < len; ++j) {
      const auto d = static_cast<unsigned char>(s[i + j]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string_view AsChars(const crypto::Ed25519Public& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

uint32_t BigEndian32(std::string_view b) {
  return (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) | (uint32_t(uint8_t(b[2])) << 8) |
         uint32_t(uint8_t(b[3]));
}

std::string Be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string Be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = char(v & 0xff);
  return out;
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  // Spaces (any Unicode white space would do; a name is ASCII in practice,
  // so the ASCII ones and control characters are refused) and '+' (the
  // vkey separator).
  if (name.empty() || !IsNoteText(name)) return false;
  for (char c : name)
    if (c == ' ' || c == '+' || c == '\n' || c == '\t') return false;
  // U+00A0, U+2000..U+200A, U+3000 and friends: refuse any multi-byte
  // space by refusing the lead bytes of their blocks' encodings.
  return name.find("\xC2\xA0") == std::string_view::npos && name.find("\xE2\x80") == std::string_view::npos &&
         name.find("\xE3\x80\x80") == std::string_view::npos;
}

uint32_t KeyId(std::string_view name, uint8_t alg, const crypto::Ed25519Public& key) {
  crypto::Sha256Hasher h;
  h.Update(name);
  h.Update(std::string_view("\n"));
  h.Update(std::span<const uint8_t>(&alg, 1));
  h.Update(key);
  const Hash256 d = h.Final();
  return BigEndian32({reinterpret_cast<const char*>(d.data()), 4});
}

Result<Note> ParseNote(std::string_view message) {
  if (message.size() > kMaxNoteBytes)
    return std::unexpected(Corrupt("note is " + std::to_string(message.size()) + " bytes, more than " +
                                   std::to_string(kMaxNoteBytes)));
  const size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos || message.empty() || message.back() != '\n')
    return std::unexpected(Corrupt("note has no signature block (text, a blank line, signature lines)"));
  Note note;
  note.text = std::string(message.substr(0, split + 1));
  if (!IsNoteText(note.text))
    return std::unexpected(Corrupt("note text is not UTF-8 or holds a control character"));
  std::string_view rest = message.substr(split + 2);
  if (rest.empty()) return std::unexpected(Corrupt("note has no signature"));
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (note.signatures.size() == kMaxNoteSignatures)
      return std::unexpected(Corrupt("note has more than " + std::to_string(kMaxNoteSignatures) + " signatures"));
    if (!line.starts_with(kDash)) return std::unexpected(Corrupt("note signature line does not start with '— '"));
    line.remove_prefix(kDash.size());
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return std::unexpected(Corrupt("note signature line has no signature"));
    NoteSignature sig;
    sig.name = std::string(line.substr(0, sp));
    if (!IsValidKeyName(sig.name)) return std::unexpected(Corrupt("note signature has an invalid name"));
    auto bytes = FromBase64(line.substr(sp + 1));
    if (!bytes || bytes->size() < 5)
      return std::unexpected(Corrupt("note signature of " + sig.name + " is not base64 of a key ID and a signature"));
    sig.key_id = BigEndian32(*bytes);
    sig.signature = bytes->substr(4);
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

std::string FormatNote(const Note& note) {
  std::string out = note.text + "\n";
  for (const auto& s : note.signatures)
    out += std::string(kDash) + s.name + " " + ToBase64(Be32(s.key_id) + s.signature) + "\n";
  return out;
}

NoteSignature SignNote(std::string_view text, std::string_view name, const crypto::SigningKeyPair& key) {
  return {std::string(name), KeyId(name, kAlgEd25519, key.public_key), crypto::Sign(key, text)};
}

std::string CosignedMessage(std::string_view text, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(text);
}

NoteSignature Cosign(std::string_view text, std::string_view name, const crypto::SigningKeyPair& key,
                     uint64_t timestamp) {
  return {std::string(name), KeyId(name, kAlgCosignatureV1, key.public_key),
          Be64(timestamp) + crypto::Sign(key, CosignedMessage(text, timestamp))};
}

std::string VerifierKey::ToString() const {
  char id[9];
  snprintf(id, sizeof id, "%08x", key_id());
  return name + "+" + id + "+" + ToBase64(std::string(1, char(alg)) + std::string(AsChars(key)));
}

Result<VerifierKey> VerifierKey::Parse(std::string_view vkey) {
  auto bad = [&](const std::string& why) {
    return Fail(Code::kUsage, "verifier key '" + std::string(vkey) + "': " + why +
                                  " (expected NAME+KEYID+BASE64, as 'custody checkpoint key' prints)");
  };
  // A name holds no '+', base64 may: the first two '+' separate the fields.
  const size_t p1 = vkey.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad("not three fields separated by '+'");
  VerifierKey k;
  k.name = std::string(vkey.substr(0, p1));
  if (!IsValidKeyName(k.name)) return bad("invalid name");
  auto id = FromHex(vkey.substr(p1 + 1, p2 - p1 - 1));
  auto raw = FromBase64(vkey.substr(p2 + 1));
  if (!id || id->size() != 4) return bad("the key ID is not 8 lowercase hex digits");
  if (!raw || raw->size() != 1 + crypto::kEd25519PublicSize) return bad("the key is not base64 of 33 bytes");
  k.alg = uint8_t((*raw)[0]);
  if (k.alg != kAlgEd25519 && k.alg != kAlgCosignatureV1)
    return bad("algorithm " + std::to_string(k.alg) + " is neither Ed25519 (1) nor cosignature/v1 (4)");
  std::copy(raw->begin() + 1, raw->end(), k.key.begin());
  if (!crypto::IsValidSigningKey(k.key)) return bad("not a valid Ed25519 public key");
  if (BigEndian32(*id) != k.key_id()) return bad("the key ID does not match the name and key");
  return k;
}

SignatureCheck CheckSignature(std::string_view text, const NoteSignature& sig, const VerifierKey& key,
                              uint64_t* timestamp) {
  if (sig.name != key.name || sig.key_id != key.key_id()) return SignatureCheck::kNotThisKey;
  if (key.alg == kAlgEd25519)
    return crypto::Verify(key.key, text, sig.signature) ? SignatureCheck::kValid : SignatureCheck::kInvalid;
  if (sig.signature.size() != 8 + crypto::kSignatureSize) return SignatureCheck::kInvalid;
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | uint8_t(sig.signature[i]);
  if (t > uint64_t(INT64_MAX)) return SignatureCheck::kInvalid;
  if (!crypto::Verify(key.key, CosignedMessage(text, t), std::string_view(sig.signature).substr(8)))
    return SignatureCheck::kInvalid;
  if (timestamp) *timestamp = t;
  return SignatureCheck::kValid;
}

std::string FormatCheckpoint(const TreeHead& head) {
  std::string out = head.origin + "\n" + std::to_string(head.size) + "\n" +
                    ToBase64(std::string_view(reinterpret_cast<const char*>(head.root.data()), head.root.size())) +
                    "\n";
  for (const auto& e : head.extensions) out += e + "\n";
  return out;
}

Result<TreeHead> ParseCheckpoint(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    if (eol == std::string_view::npos) return std::unexpected(Corrupt("checkpoint does not end with a newline"));
    lines.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  if (lines.size() < 3)
    return std::unexpected(Corrupt("checkpoint has " + std::to_string(lines.size()) +
                                   " lines, expected at least 3 (origin, size, root hash)"));
  TreeHead h;
  if (lines[0].empty()) return std::unexpected(Corrupt("checkpoint origin line is empty"));
  h.origin = std::string(lines[0]);
  auto size = ParseDecimal(lines[1]);
  if (!size) return std::unexpected(Corrupt("checkpoint tree size '" + std::string(lines[1]) + "' is not a decimal number"));
  h.size = *size;
  auto root = FromBase64(lines[2]);
  if (!root || root->size() != h.root.size())
    return std::unexpected(Corrupt("checkpoint root hash is not base64 of 32 bytes"));
  std::copy(root->begin(), root->end(), h.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return std::unexpected(Corrupt("checkpoint has an empty extension line"));
    h.extensions.emplace_back(lines[i]);
  }
  return h;
}

}  // namespace custody::transparency
