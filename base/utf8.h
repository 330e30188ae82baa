// UTF-8 as the vault meets it in names and titles from outside: checking,
// repairing for display, and escaping for a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace custody {

// The length of the well-formed UTF-8 sequence at text[i], or 0 if there is
// none: overlong forms, surrogates and values past U+10FFFF are second
// spellings or not characters at all.
size_t Utf8SequenceAt(std::string_view text, size_t i);

// True if `text` is well-formed UTF-8: no overlong forms, surrogates or
// code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);
// `text` with every byte that does not start a well-formed sequence
// replaced by U+FFFD (as file managers show such names); valid UTF-8 is
// returned unchanged.
std::string RepairUtf8(std::string_view text);

// `text` made safe to print on a terminal, as `ls -b` and git quote names:
// a backslash becomes "\\", newline, carriage return, tab and escape
// "\n" "\r" "\t" "\e", any other control or bidirectional-formatting
// character "\xNN" / "\uNNNN", and a byte that is not UTF-8 "\xNN".
// Printable text, any script, is unchanged. User-supplied text (titles,
// names, reasons) goes through this wherever it is printed as text; JSON
// escapes on its own.
std::string EscapeForTerminal(std::string_view text);

// The code points of well-formed UTF-8 `text` (REQUIRES: IsValidUtf8).
std::u32string CodePoints(std::string_view text);

// Unicode character classes, as the C library's UTF-8 locale (C.UTF-8,
// built into glibc) defines them: a letter of any script; an upper-case
// letter (one that has a lower-case form).
bool IsLetter(char32_t cp);
bool IsUpperCase(char32_t cp);

// How many terminal columns `text` takes: two for each wide (East Asian)
// character, none for a combining mark, one otherwise (and for anything the
// C library cannot measure). For aligning columns that hold names from
// users in any script.
size_t DisplayWidth(std::string_view text);
// `text` followed by spaces up to `width` columns (none if it is wider).
std::string PadToWidth(std::string_view text, size_t width);

}  // namespace custody
