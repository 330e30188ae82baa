// Unit tests for base/utf8.h: what a terminal is shown of user text.
#include <catch2/catch.hpp>

#include <string>

#include "base/utf8.h"

using custody::CodePoints;
using custody::DisplayWidth;
using custody::EscapeForTerminal;
using custody::IsLetter;
using custody::IsUpperCase;
using custody::PadToWidth;

TEST_CASE("PrintableTextInAnyScriptIsUnchanged", "[utf8]") {
  for (const char* text : {"", "Operation Title", "内部 秘密 机密 绝密", "naïve café", "😀 emoji", "a  b"}) {
    CAPTURE(text);
    CHECK(EscapeForTerminal(text) == text);
  }
}

TEST_CASE("ControlsAndBidiFormattingAreEscapedAsLsDoes", "[utf8]") {
  CHECK(EscapeForTerminal("a\nb") == "a\\nb");
  CHECK(EscapeForTerminal("real\r\x1b[2KS-2026-00001") == "real\\r\\e[2KS-2026-00001");
  CHECK(EscapeForTerminal("tab\there") == "tab\\there");
  CHECK(EscapeForTerminal(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(EscapeForTerminal("bell\a del\x7f") == "bell\\x07 del\\x7f");
  CHECK(EscapeForTerminal("c1 \xc2\x9b") == "c1 \\x9b");           // U+009B CSI
  CHECK(EscapeForTerminal("rlo \xe2\x80\xae!") == "rlo \\u202e!");  // U+202E RIGHT-TO-LEFT OVERRIDE
  CHECK(EscapeForTerminal("iso \xe2\x81\xa6x\xe2\x81\xa9") == "iso \\u2066x\\u2069");
  CHECK(EscapeForTerminal("back\\slash") == "back\\\\slash");  // so an escape cannot be faked
}

TEST_CASE("BytesThatAreNotUtf8AreShownAsBytes", "[utf8]") {
  CHECK(EscapeForTerminal("odd-\xff\xfe.txt") == "odd-\\xff\\xfe.txt");
  CHECK(EscapeForTerminal("\xc0\x80") == "\\xc0\\x80");      // overlong NUL
  CHECK(EscapeForTerminal("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(EscapeForTerminal("cut \xe4\xb8") == "cut \\xe4\\xb8");  // truncated sequence
}

TEST_CASE("EscapedTextHoldsNoControlByteAtAll", "[utf8]") {
  std::string every;
  for (int i = 0; i < 256; ++i) every.push_back(static_cast<char>(i));
  const std::string shown = EscapeForTerminal(every);
  for (unsigned char c : shown) {
    CAPTURE(static_cast<int>(c));
    CHECK((c >= 0x20 && c < 0x7f));
  }
}

TEST_CASE("LettersOfEveryScriptAndTheirCase", "[utf8]") {
  for (char32_t c : std::u32string(U"aZ内秘éßжαक")) {
    CAPTURE(static_cast<uint32_t>(c));
    CHECK(IsLetter(c));
  }
  for (char32_t c : std::u32string(U"1-_ 。،\u200b")) {
    CAPTURE(static_cast<uint32_t>(c));
    CHECK_FALSE(IsLetter(c));
  }
  CHECK(IsUpperCase(U'S'));
  CHECK(IsUpperCase(U'É'));
  CHECK(IsUpperCase(U'Ж'));
  CHECK_FALSE(IsUpperCase(U'é'));
  CHECK_FALSE(IsUpperCase(U'秘'));  // no case at all
}

TEST_CASE("DisplayWidthCountsColumnsNotBytes", "[utf8]") {
  CHECK(DisplayWidth("secret") == 6);
  CHECK(DisplayWidth("秘密") == 4);          // wide: two columns each
  CHECK(DisplayWidth("e\xcc\x81t\xc3\xa9") == 3);  // a combining accent takes none
  CHECK(PadToWidth("秘密", 6) == "秘密  ");
  CHECK(PadToWidth("secret", 3) == "secret");  // never cut
  CHECK(CodePoints("a秘") == std::u32string(U"a秘"));
}
