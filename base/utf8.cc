#include "base/utf8.h"

#include <locale.h>
#include <wchar.h>
#include <wctype.h>

#include <cstdint>
#include <cstdio>

namespace custody {

// The length of the well-formed UTF-8 sequence at text[i], or 0 if there is
// none: overlong forms, surrogates and values past U+10FFFF are second
// spellings or not characters at all.
size_t Utf8SequenceAt(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
  else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
  else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
  else return 0;
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  return len;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t len = Utf8SequenceAt(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string RepairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = Utf8SequenceAt(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

namespace {
// Code points a terminal acts on or reorders by rather than showing: C0
// and C1 controls, DEL, and the bidirectional embeddings, overrides and
// isolates (a title holding U+202E shows its tail reversed, so
// "S-2026-00001" could be made to read as another number).
bool ActsOnTerminal(uint32_t cp) {
  return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

uint32_t CodePointAt(std::string_view text, size_t i, size_t len) {
  auto c = static_cast<unsigned char>(text[i]);
  if (len == 1) return c;
  uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  return cp;
}
}  // namespace

std::string EscapeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[16];
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceAt(text, i);
    if (len == 0) {  // not a character: the byte, as ls -b shows it
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += buf;
      ++i;
      continue;
    }
    const uint32_t cp = CodePointAt(text, i, len);
    if (cp == '\\') {
      out += "\\\\";
    } else if (!ActsOnTerminal(cp)) {
      out.append(text.substr(i, len));
    } else {
      switch (cp) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case 0x1b: out += "\\e"; break;
        default:
          if (cp < 0x100)
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          else
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
      }
    }
    i += len;
  }
  return out;
}


std::u32string CodePoints(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceAt(text, i);
    if (len == 0) {  // REQUIRES broken: shown as U+FFFD rather than read past
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(CodePointAt(text, i, len));
    i += len;
  }
  return out;
}

namespace {
// The C library's UTF-8 character tables, whatever the process locale is
// (the CLI does not call setlocale). glibc 2.35+ has C.UTF-8 built in.
locale_t Utf8Locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l != static_cast<locale_t>(0) ? l : newlocale(LC_CTYPE_MASK, "en_US.UTF-8", static_cast<locale_t>(0));
  }();
  return loc;
}
}  // namespace

bool IsLetter(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  const locale_t loc = Utf8Locale();
  return loc != static_cast<locale_t>(0) && iswalpha_l(static_cast<wint_t>(cp), loc) != 0;
}

bool IsUpperCase(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  const locale_t loc = Utf8Locale();
  return loc != static_cast<locale_t>(0) && iswupper_l(static_cast<wint_t>(cp), loc) != 0;
}

size_t DisplayWidth(std::string_view text) {
  const locale_t loc = Utf8Locale();
  size_t width = 0;
  // wcwidth has no _l form: the tables are read under the UTF-8 locale,
  // switched for this thread only and only if a character needs them.
  locale_t old = static_cast<locale_t>(0);
  for (char32_t cp : CodePoints(text)) {
    if (cp < 0x80 || loc == static_cast<locale_t>(0)) {
      ++width;
      continue;
    }
    if (old == static_cast<locale_t>(0)) old = uselocale(loc);
    const int w = wcwidth(static_cast<wchar_t>(cp));
    width += w < 0 ? 1 : static_cast<size_t>(w);
  }
  if (old != static_cast<locale_t>(0)) uselocale(old);
  return width;
}

std::string PadToWidth(std::string_view text, size_t width) {
  std::string out(text);
  const size_t w = DisplayWidth(text);
  if (w < width) out.append(width - w, ' ');
  return out;
}

}  // namespace custody
