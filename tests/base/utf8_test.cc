// Unit tests for base/utf8.h: what a terminal is shown of user text.
#include <catch2/catch.hpp>

#include <string>

#include "base/utf8.h"

using custody::EscapeForTerminal;

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
