// The age v1 header: unpadded base64, line reading, the grammar and its MAC.
// See https://age-encryption.org/v1, "Header".
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "base/encoding.h"
#include "crypto/age_internal.h"
#include "crypto/hkdf.h"
#include "crypto/sodium_check.h"

namespace custody::crypto::age_internal {

namespace {

// The ABNF's VCHAR: printable ASCII without space.
bool IsValidArgument(std::string_view arg) {
  if (arg.empty()) return false;
  return std::all_of(arg.begin(), arg.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

std::unexpected<Error> HeaderError(std::string message) {
  return Fail(Code::kCorrupt, "age header: " + std::move(message));
}

// For quoting file content in a message: printable ASCII only, bounded.
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return out;
}

std::vector<std::string> SplitOnSpace(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t space = text.find(' ', start);
    parts.emplace_back(text.substr(start, space - start));
    if (space == std::string_view::npos) return parts;
    start = space + 1;
  }
}

}  // namespace

std::string EncodeBase64Raw(std::span<const uint8_t> bytes) {
  std::string text = ToBase64({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::optional<std::string> DecodeBase64Raw(std::string_view text) {
  // Restore the padding and let the strict padded decoder check the rest
  // (alphabet, zero trailing bits). A length of 1 mod 4 is never base64.
  if (text.size() % 4 == 1 || text.find('=') != std::string_view::npos) return std::nullopt;
  std::string padded(text);
  padded.append((4 - text.size() % 4) % 4, '=');
  return FromBase64(padded);
}

void ChaChaSeal(std::span<const uint8_t> key, std::span<const uint8_t, 12> nonce,
                std::span<const uint8_t> plaintext, std::span<uint8_t> out) {
  if (key.size() != crypto_aead_chacha20poly1305_ietf_KEYBYTES ||
      out.size() != plaintext.size() + crypto_aead_chacha20poly1305_ietf_ABYTES)
    std::abort();  // programmer error
  internal::MustSucceed(crypto_aead_chacha20poly1305_ietf_encrypt(
                            out.data(), nullptr, plaintext.data(), plaintext.size(), nullptr, 0,
                            nullptr, nonce.data(), key.data()),
                        "crypto_aead_chacha20poly1305_ietf_encrypt");
}

bool ChaChaOpen(std::span<const uint8_t> key, std::span<const uint8_t, 12> nonce,
                std::span<const uint8_t> sealed, std::span<uint8_t> out) {
  if (key.size() != crypto_aead_chacha20poly1305_ietf_KEYBYTES ||
      sealed.size() < crypto_aead_chacha20poly1305_ietf_ABYTES ||
      out.size() != sealed.size() - crypto_aead_chacha20poly1305_ietf_ABYTES)
    std::abort();  // programmer error: callers check lengths first
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), nullptr, nullptr, sealed.data(),
                                                sealed.size(), nullptr, 0, nonce.data(),
                                                key.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  return true;
}

// --- BufferedSource ---------------------------------------------------------

Result<std::span<const uint8_t>> BufferedSource::Peek(size_t n) {
  while (buffer_.size() - start_ < n && !eof_) {
    // Compact, then read at least a block: keeps reads large and the buffer
    // bounded by max(n, 2 blocks).
    if (start_ > 0) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
      start_ = 0;
    }
    const size_t want = std::max<size_t>(n - buffer_.size(), 16 * 1024);
    const size_t old = buffer_.size();
    buffer_.resize(old + want);
    auto got = in_.Read(std::span(buffer_).subspan(old));
    if (!got) {
      buffer_.resize(old);
      return std::unexpected(got.error());
    }
    buffer_.resize(old + *got);
    if (*got == 0) eof_ = true;
  }
  const size_t available = std::min(n, buffer_.size() - start_);
  return std::span<const uint8_t>(buffer_.data() + start_, available);
}

void BufferedSource::Skip(size_t n) {
  n = std::min(n, buffer_.size() - start_);
  start_ += n;
  consumed_ += n;
}

Result<size_t> BufferedSource::Read(std::span<uint8_t> out) {
  if (buffer_.size() == start_) {
    if (eof_) return size_t{0};
    // Nothing buffered: pass large reads straight through (the payload).
    if (out.size() >= 16 * 1024) {
      CUSTODY_ASSIGN(size_t got, in_.Read(out));
      if (got == 0) eof_ = true;
      consumed_ += got;
      return got;
    }
    CUSTODY_TRY(Peek(out.size()));
  }
  // Hand out what is buffered; never read more just to fill `out`.
  const size_t n = std::min(out.size(), buffer_.size() - start_);
  std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(start_), n, out.begin());
  Skip(n);
  return n;
}

Result<size_t> BufferedSource::ReadFull(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    CUSTODY_ASSIGN(size_t got, Read(out.subspan(done)));
    if (got == 0) break;
    done += got;
  }
  return done;
}

Result<std::optional<BufferedSource::Line>> BufferedSource::ReadLine(size_t max_length) {
  size_t scanned = 0;
  while (true) {
    // Look one byte past the limit so that a line of exactly max_length
    // bytes and its LF fit.
    CUSTODY_ASSIGN(auto window, Peek(std::min(max_length + 1, scanned + 4096)));
    auto lf = std::find(window.begin() + static_cast<std::ptrdiff_t>(scanned), window.end(),
                        uint8_t{'\n'});
    if (lf != window.end()) {
      Line line{std::string(window.begin(), lf), true};
      Skip(line.text.size() + 1);
      return line;
    }
    if (window.size() > max_length) return Fail(Code::kCorrupt, "line too long");
    if (window.size() == scanned) {  // end of input
      if (window.empty()) return std::optional<Line>();
      Line line{std::string(window.begin(), window.end()), false};
      Skip(window.size());
      return line;
    }
    scanned = window.size();
  }
}

// --- Header -----------------------------------------------------------------

Result<Header> ReadHeader(BufferedSource& in) {
  Header header;
  std::string raw;  // every header byte read so far
  // Reads one LF-terminated line, within what is left of the size bound.
  auto next_line = [&](const char* what) -> Result<std::string> {
    const size_t left = kAgeMaxHeaderSize - std::min(raw.size(), kAgeMaxHeaderSize);
    auto line = in.ReadLine(left);
    if (!line) {
      if (line.error().code == Code::kCorrupt)
        return HeaderError("longer than " + std::to_string(kAgeMaxHeaderSize) + " bytes");
      return std::unexpected(line.error());
    }
    if (!*line || !(*line)->ended_with_lf)
      return HeaderError(std::string("truncated: end of file in ") + what);
    raw += (*line)->text;
    raw += '\n';
    return std::move((*line)->text);
  };

  CUSTODY_ASSIGN(auto peek, in.Peek(1));
  if (peek.empty()) return HeaderError("empty file, not an age file");
  CUSTODY_ASSIGN(std::string version, next_line("the version line"));
  if (version != kVersionLine) {
    if (version.starts_with("age-encryption.org/"))
      return HeaderError("unsupported version \"" + Printable(std::string_view(version).substr(19)) +
                         "\" (only v1 is supported)");
    return HeaderError("not an age file (no \"age-encryption.org/v1\" line)");
  }

  while (true) {
    CUSTODY_ASSIGN(std::string line, next_line("a recipient stanza"));
    if (line.starts_with("---")) {
      // end = "--- " 43base64char LF
      if (!line.starts_with("--- ") || line.find(' ', 4) != std::string::npos)
        return HeaderError("malformed MAC line (expected \"--- \" and one base64 MAC)");
      auto mac = DecodeBase64Raw(std::string_view(line).substr(4));
      if (!mac) return HeaderError("MAC is not canonical unpadded base64");
      if (mac->size() != kHeaderMacSize)
        return HeaderError("MAC is " + std::to_string(mac->size()) + " bytes, expected 32");
      if (header.stanzas.empty()) return HeaderError("no recipient stanza");
      std::memcpy(header.mac.data(), mac->data(), kHeaderMacSize);
      header.mac_input = raw.substr(0, raw.size() - line.size() - 1) + "---";
      break;
    }
    if (!line.starts_with("-> "))
      return HeaderError("line " + std::to_string(header.stanzas.size() + 2) +
                         " is neither a stanza (\"-> \") nor the MAC (\"--- \")");
    AgeStanza stanza;
    stanza.args = SplitOnSpace(std::string_view(line).substr(3));
    for (const auto& arg : stanza.args)
      if (!IsValidArgument(arg))
        return HeaderError("stanza argument is empty or not printable ASCII");
    // Body: full 64-column lines, then one shorter line (possibly empty).
    while (true) {
      CUSTODY_ASSIGN(std::string body_line, next_line("a stanza body"));
      if (body_line.size() > kStanzaColumns)
        return HeaderError("stanza body line longer than 64 columns");
      if (body_line.starts_with("-> ") || body_line.starts_with("---"))
        return HeaderError("stanza body does not end with a line shorter than 64 columns");
      auto bytes = DecodeBase64Raw(body_line);
      if (!bytes) return HeaderError("stanza body is not canonical unpadded base64");
      stanza.body += *bytes;
      if (body_line.size() < kStanzaColumns) break;
    }
    header.stanzas.push_back(std::move(stanza));
  }

  // "An scrypt stanza, if present, MUST be the only stanza in the header",
  // whichever identities the caller has: a passphrase-encrypted file must not
  // also open with someone's key.
  const bool has_scrypt = std::any_of(header.stanzas.begin(), header.stanzas.end(),
                                      [](const AgeStanza& s) { return s.args[0] == "scrypt"; });
  if (has_scrypt && header.stanzas.size() != 1)
    return HeaderError("an scrypt stanza must be the only stanza (found " +
                       std::to_string(header.stanzas.size()) + ")");
  return header;
}

std::string EncodeHeaderWithoutMac(std::span<const AgeStanza> stanzas) {
  std::string out(kVersionLine);
  out += '\n';
  for (const auto& stanza : stanzas) {
    out += "->";
    for (const auto& arg : stanza.args) out += " " + arg;
    out += '\n';
    const std::string body = EncodeBase64Raw(
        {reinterpret_cast<const uint8_t*>(stanza.body.data()), stanza.body.size()});
    // Wrapped at 64 columns; the final line is shorter, hence empty when the
    // body fills its last line.
    for (size_t i = 0; i <= body.size(); i += kStanzaColumns) {
      out += body.substr(i, kStanzaColumns);
      out += '\n';
    }
  }
  out += "---";
  return out;
}

std::array<uint8_t, kHeaderMacSize> HeaderMac(const SecretBytes& file_key,
                                              std::string_view mac_input) {
  SecretBytes key = HkdfSha256Key(file_key.span(), {}, "header");
  return HmacSha256(key.span(), {reinterpret_cast<const uint8_t*>(mac_input.data()),
                                 mac_input.size()});
}

}  // namespace custody::crypto::age_internal
