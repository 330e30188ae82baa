// The one JSON layer. Values are nlohmann::ordered_json (Debian's
// nlohmann-json3-dev): objects keep their members in insertion order, and
// `j[key] = value` on an existing key replaces it where it stands. Signed
// certificates and every --json output of the CLI use this type.
//
// Two ways to spell a value:
//
// WriteCanonicalJson, for bytes that are signed (wipe certificates, the
// client memory file), and the only form ParseCanonicalJson accepts:
//   - no whitespace anywhere;
//   - object members sorted by key, compared as unsigned bytes, whatever
//     order they were inserted in; keys unique;
//   - numbers are non-negative integers below 2^64, in decimal, without sign,
//     leading zeros, fraction or exponent (no other numbers exist here);
//   - strings are valid UTF-8; '"' and '\' are escaped as \" and \\, bytes
//     below 0x20 as \u00XX with lowercase hex, and nothing else is escaped;
//   - literals true, false and null.
// Because there is exactly one spelling per value, "parse, then write" is the
// identity on accepted input, and signatures can be made and checked over the
// stored bytes themselves. This form is an on-disk contract (format/,
// docs/WIPE.md): it must not change.
//
// WriteJson, for output people and jq read (every --json of the CLI): the
// library's compact dump, members in insertion order, \b \f \n \r \t in their
// short forms, other control bytes as \u00XX. Bytes that are not UTF-8 are
// replaced by U+FFFD, so the output is always valid JSON.
//
// The parser limits nesting to kMaxJsonDepth levels so hostile input cannot
// make later recursive walks (the writer) exhaust the stack.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/utf8.h"  // IsValidUtf8, for strings headed for the canonical form

namespace custody {

using Json = nlohmann::ordered_json;

inline constexpr int kMaxJsonDepth = 32;

// The canonical bytes of `value`. REQUIRES: every string is valid UTF-8
// (check input from outside with IsValidUtf8 first) and every number an
// unsigned integer (ParseCanonicalJson refuses anything else).
std::string WriteCanonicalJson(const Json& value);

// Parses `text`, which must be exactly one value in canonical form with
// nothing before or after it. kCorrupt otherwise (including well-formed but
// non-canonical JSON: whitespace, unsorted or duplicate keys, other escapes,
// negative or fractional numbers, nesting deeper than kMaxJsonDepth).
Result<Json> ParseCanonicalJson(std::string_view text);

// The CLI spelling (see above), without a trailing newline.
std::string WriteJson(const Json& value);

// Objects: the member named `key`, or nullptr when absent or `obj` is not an
// object.
const Json* FindMember(const Json& obj, std::string_view key);

}  // namespace custody
