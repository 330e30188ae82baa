// The age ASCII armor: RFC 7468 strict PEM with the label "AGE ENCRYPTED
// FILE". See https://age-encryption.org/v1, "ASCII armor": armored files are
// malleable unless the parser is strict, so it is (crypto/age_internal.h lists
// what is accepted; the CCTV armor_* vectors pin it down).
#include <algorithm>

#include "base/encoding.h"
#include "crypto/age_internal.h"

namespace custody::crypto::age_internal {

namespace {

// Whitespace allowed around the PEM block, and how much of it: without a
// bound a stream of spaces would keep the reader busy forever.
constexpr size_t kMaxSurroundingWhitespace = 1024;
// A body line is 64 columns; leave room for CR and the longer marker lines.
constexpr size_t kMaxArmorLine = 80;

bool IsSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Base64Line(std::span<const uint8_t> bytes) {
  return ToBase64({reinterpret_cast<const char*>(bytes.data()), bytes.size()}) + "\n";
}

// The fast path for the 64-column lines that make up nearly all of an
// armored file: no allocation per line (the generic codec in base/ allocates
// a string per call, which made the armor 3x slower than age). Full lines
// carry no padding and no spare bits, so every spelling is canonical and the
// only check is the alphabet; anything else takes the generic, strict path.
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendFullLine(std::span<const uint8_t, kArmorLineBytes> in, std::string& out) {
  for (size_t i = 0; i < kArmorLineBytes; i += 3) {
    const uint32_t n = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  out += '\n';
}

// Value of each base64 character, -1 for any other byte: a table, because
// the branches of a range test mispredict on random text.
constexpr std::array<int8_t, 256> kSextets = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}();

int Sextet(uint8_t c) { return kSextets[c]; }

// Decodes 64 base64 columns into 48 bytes; false on any other character.
bool DecodeFullLine(std::span<const uint8_t> text, std::span<uint8_t, kArmorLineBytes> out) {
  for (size_t i = 0, o = 0; i < kArmorColumns; i += 4, o += 3) {
    const int a = Sextet(text[i]), b = Sextet(text[i + 1]), c = Sextet(text[i + 2]),
              d = Sextet(text[i + 3]);
    if ((a | b | c | d) < 0) return false;
    const uint32_t n = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
                       (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d);
    out[o] = static_cast<uint8_t>(n >> 16);
    out[o + 1] = static_cast<uint8_t>(n >> 8);
    out[o + 2] = static_cast<uint8_t>(n);
  }
  return true;
}

Status WriteString(AgeSink& out, const std::string& text) {
  return out.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

}  // namespace

// --- Writer -----------------------------------------------------------------

Status ArmorSink::Begin() { return WriteString(out_, std::string(kArmorBegin) + "\n"); }

Status ArmorSink::Write(std::span<const uint8_t> bytes) {
  std::string lines;
  lines.reserve((pending_size_ + bytes.size()) / kArmorLineBytes * (kArmorColumns + 1));
  while (!bytes.empty()) {
    if (pending_size_ == 0 && bytes.size() >= kArmorLineBytes) {
      AppendFullLine(bytes.first<kArmorLineBytes>(), lines);
      bytes = bytes.subspan(kArmorLineBytes);
      continue;
    }
    const size_t n = std::min(bytes.size(), kArmorLineBytes - pending_size_);
    std::copy_n(bytes.begin(), n, pending_.begin() + static_cast<std::ptrdiff_t>(pending_size_));
    pending_size_ += n;
    bytes = bytes.subspan(n);
    if (pending_size_ == kArmorLineBytes) {
      AppendFullLine(pending_, lines);
      pending_size_ = 0;
    }
  }
  if (lines.empty()) return {};
  return WriteString(out_, lines);
}

Status ArmorSink::Close() {
  std::string tail;
  // The last line is the remainder (with padding); when the data filled its
  // last line exactly, END follows it directly.
  if (pending_size_ > 0) tail = Base64Line(std::span(pending_).first(pending_size_));
  tail += std::string(kArmorEnd) + "\n";
  pending_size_ = 0;
  return WriteString(out_, tail);
}

// --- Reader -----------------------------------------------------------------

Status ArmorSource::Fail(std::string message) {
  failed_ = true;
  failure_ = "age armor: " + std::move(message);
  return custody::Fail(Code::kCorrupt, failure_);
}

Result<size_t> ArmorSource::Read(std::span<uint8_t> out) {
  if (failed_) return custody::Fail(Code::kCorrupt, failure_);
  size_t done = 0;
  while (done < out.size()) {
    if (line_pos_ == line_size_) {
      if (done_) break;
      CUSTODY_TRY(DecodeNextLine());
      continue;
    }
    const size_t n = std::min(out.size() - done, line_size_ - line_pos_);
    std::copy_n(line_.begin() + static_cast<std::ptrdiff_t>(line_pos_), n,
                out.begin() + static_cast<std::ptrdiff_t>(done));
    line_pos_ += n;
    done += n;
  }
  return done;
}

Status ArmorSource::DecodeNextLine() {
  // One line without its line end (LF or CRLF). The END line may lack one.
  auto next = [&](bool* had_lf) -> Result<std::string> {
    auto line = in_.ReadLine(kMaxArmorLine);
    if (!line) {
      if (line.error().code == Code::kCorrupt)
        return std::unexpected(Fail("line longer than 64 columns").error());
      return std::unexpected(line.error());
    }
    if (!*line) return std::unexpected(Fail("truncated: no END line").error());
    std::string text = std::move((*line)->text);
    *had_lf = (*line)->ended_with_lf;
    if (*had_lf && !text.empty() && text.back() == '\r') text.pop_back();
    return text;
  };
  bool had_lf = false;

  if (!started_) {
    size_t skipped = 0;
    while (true) {
      CUSTODY_ASSIGN(auto peek, in_.Peek(1));
      if (peek.empty()) return Fail("no \"-----BEGIN AGE ENCRYPTED FILE-----\" line");
      if (!IsSpace(peek[0])) break;
      if (++skipped > kMaxSurroundingWhitespace)
        return Fail("more than 1 KiB of whitespace before the BEGIN line");
      in_.Skip(1);
    }
    CUSTODY_ASSIGN(std::string begin, next(&had_lf));
    if (begin != kArmorBegin || !had_lf)
      return Fail("the first line is not \"-----BEGIN AGE ENCRYPTED FILE-----\"");
    started_ = true;
  }

  // Fast path: 64 base64 columns and LF or CRLF, decoded in place.
  CUSTODY_ASSIGN(auto window, in_.Peek(kArmorColumns + 2));
  if (window.size() > kArmorColumns) {
    const size_t eol = window[kArmorColumns] == '\n' ? 1
                       : (window.size() > kArmorColumns + 1 && window[kArmorColumns] == '\r' &&
                          window[kArmorColumns + 1] == '\n')
                           ? 2
                           : 0;
    if (eol > 0 && DecodeFullLine(window, line_)) {
      in_.Skip(kArmorColumns + eol);
      line_size_ = kArmorLineBytes;
      line_pos_ = 0;
      return {};
    }
  }

  CUSTODY_ASSIGN(std::string line, next(&had_lf));
  if (line == kArmorEnd) return CheckTrailer();
  if (!had_lf) return Fail("truncated: no END line");
  if (line.empty()) return Fail("empty line inside the armor");
  if (line.size() > kArmorColumns) return Fail("line longer than 64 columns");
  auto bytes = FromBase64(line);
  if (!bytes) return Fail("line is not canonical base64 (" + std::to_string(line.size()) +
                          " columns)");
  std::copy(bytes->begin(), bytes->end(), line_.begin());
  line_size_ = bytes->size();
  line_pos_ = 0;
  if (line_size_ < kArmorLineBytes) {
    // A short line (or one with padding) is the last: END must follow.
    CUSTODY_ASSIGN(std::string end, next(&had_lf));
    if (end != kArmorEnd)
      return Fail("a line shorter than 64 columns is not followed by the END line");
    return CheckTrailer();
  }
  return {};
}

Status ArmorSource::CheckTrailer() {
  done_ = true;
  // Only whitespace may follow END, and only a little of it.
  CUSTODY_ASSIGN(auto rest, in_.Peek(kMaxSurroundingWhitespace + 1));
  if (!std::all_of(rest.begin(), rest.end(), IsSpace)) return Fail("data after the END line");
  if (rest.size() > kMaxSurroundingWhitespace)
    return Fail("more than 1 KiB of whitespace after the END line");
  in_.Skip(rest.size());
  return {};
}

}  // namespace custody::crypto::age_internal
