// The one JSON value type and emitter: signed certificates and every --json
// output of the CLI go through it.
//
// Objects keep their members in insertion order (Set on an existing key
// replaces the value in place). How a value is spelled is chosen when it is
// written, by JsonStyle:
//
// JsonStyle::kCanonical (the default; the only form ParseCanonicalJson
// accepts), for bytes that are signed:
//   - no whitespace anywhere;
//   - object members sorted by key, compared as unsigned bytes, whatever
//     order they were inserted in; keys unique;
//   - numbers are non-negative integers below 2^64, in decimal, without sign,
//     leading zeros, fraction or exponent (no other numbers exist here);
//   - strings are valid UTF-8; '"' and '\' are escaped as \" and \\, bytes
//     below 0x20 as \u00XX with lowercase hex, and nothing else is escaped;
//   - literals true, false and null.
// Because there is exactly one spelling per value, "parse, then Write" is the
// identity on accepted input, and signatures can be made and checked over the
// stored bytes themselves.
//
// JsonStyle::kOrdered, for output people and jq read (custody audit --json,
// ls --json): as above, except that object members appear in insertion order
// and \n, \r and \t are written in their short forms (other bytes below 0x20
// still as \u00XX). Strings are written byte for byte, not checked for UTF-8.
// There is no parser for this style.
//
// Nesting is limited to kMaxJsonDepth levels in the parser so hostile input
// cannot exhaust the stack. Values are plain copyable data; not thread-safe
// for concurrent mutation.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/utf8.h"  // IsValidUtf8, for the strings a Json may hold

namespace custody {

inline constexpr int kMaxJsonDepth = 32;

enum class JsonStyle {
  kCanonical,  // sorted members, \u00XX only: the signed form
  kOrdered,    // insertion order, \n \r \t short: CLI output
};

class Json {
 public:
  enum class Type { kNull, kBool, kInt, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  // Any unsigned integer; signed ones are refused at compile time because
  // negative numbers do not exist in this format.
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  Json(T value) : type_(Type::kInt), int_(value) {}  // NOLINT: implicit on purpose
  template <std::signed_integral T>
  Json(T value) = delete;
  static Json Bool(bool value) { Json j; j.type_ = Type::kBool; j.bool_ = value; return j; }
  Json(std::string value) : type_(Type::kString), string_(std::move(value)) {}  // NOLINT
  Json(const char* value) : type_(Type::kString), string_(value) {}  // NOLINT
  static Json Array() { Json j; j.type_ = Type::kArray; return j; }
  static Json Object() { Json j; j.type_ = Type::kObject; return j; }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // REQUIRES: the matching type.
  bool as_bool() const { return bool_; }
  uint64_t as_int() const { return int_; }
  const std::string& as_string() const { return string_; }
  const std::vector<Json>& items() const { return items_; }
  std::vector<Json>& items() { return items_; }
  // In insertion order (for parsed canonical text that is sorted order).
  const std::vector<Member>& members() const { return members_; }

  // Objects: sets `key` to `value`, replacing an existing member where it
  // stands, else appending. Returns the stored value. REQUIRES: is_object().
  Json& Set(std::string key, Json value);
  // Objects: the member named `key`, or nullptr. REQUIRES: is_object().
  const Json* Find(std::string_view key) const;
  Json* FindMutable(std::string_view key);
  // Arrays: appends. REQUIRES: is_array().
  void Push(Json value) { items_.push_back(std::move(value)); }

  // The bytes of this value in `style`. REQUIRES for kCanonical: every
  // string is valid UTF-8 (check input from outside with IsValidUtf8 first).
  std::string Write(JsonStyle style = JsonStyle::kCanonical) const;
  // Appends the same bytes to `out`.
  void WriteTo(std::string& out, JsonStyle style = JsonStyle::kCanonical) const;

  // Where this value was found in the text given to ParseCanonicalJson:
  // [source_begin(), source_end()). Both 0 for values not made by the parser.
  size_t source_begin() const { return source_begin_; }
  size_t source_end() const { return source_end_; }

  // Same type and value; objects compare as sets of members (order ignored),
  // so equal values have equal canonical bytes.
  bool operator==(const Json& other) const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  uint64_t int_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<Member> members_;
  size_t source_begin_ = 0;
  size_t source_end_ = 0;
};

// Parses `text`, which must be exactly one value in canonical form with
// nothing before or after it. kCorrupt naming the byte offset of the first
// problem otherwise (including well-formed but non-canonical JSON).
Result<Json> ParseCanonicalJson(std::string_view text);

}  // namespace custody
