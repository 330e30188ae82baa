#include "base/json.h"

#include <algorithm>
#include <charconv>

namespace custody {

// Objects are small (a certificate's largest has ten members), so a linear
// scan is cheaper than keeping an index beside the insertion order.
Json& Json::Set(std::string key, Json value) {
  if (Json* existing = FindMutable(key)) {
    *existing = std::move(value);
    return *existing;
  }
  return members_.emplace_back(std::move(key), std::move(value)).second;
}

const Json* Json::Find(std::string_view key) const {
  for (const Member& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

Json* Json::FindMutable(std::string_view key) {
  return const_cast<Json*>(std::as_const(*this).Find(key));
}

bool Json::operator==(const Json& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull: return true;
    case Type::kBool: return bool_ == other.bool_;
    case Type::kInt: return int_ == other.int_;
    case Type::kString: return string_ == other.string_;
    case Type::kArray: return items_ == other.items_;
    case Type::kObject:
      // Keys are unique, so equal sizes plus every member found equal is
      // set equality.
      if (members_.size() != other.members_.size()) return false;
      for (const Member& m : members_) {
        const Json* theirs = other.Find(m.first);
        if (theirs == nullptr || !(*theirs == m.second)) return false;
      }
      return true;
  }
  return false;
}

namespace {

// One escaping routine; the styles differ only in how \n, \r and \t are
// spelled, because the CLI printed them short before both shared this code.
void WriteString(const std::string& s, JsonStyle style, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool short_forms = style == JsonStyle::kOrdered;
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (short_forms && (c == '\n' || c == '\r' || c == '\t')) {
      out.push_back('\\');
      out.push_back(c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void Json::WriteTo(std::string& out, JsonStyle style) const {
  switch (type_) {
    case Type::kNull: out += "null"; return;
    case Type::kBool: out += bool_ ? "true" : "false"; return;
    case Type::kInt: out += std::to_string(int_); return;
    case Type::kString: WriteString(string_, style, out); return;
    case Type::kArray:
      out.push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out.push_back(',');
        items_[i].WriteTo(out, style);
      }
      out.push_back(']');
      return;
    case Type::kObject: {
      // Sorting happens here rather than in Set so that the same value can
      // also be written in the order it was built.
      std::vector<const Member*> order;
      order.reserve(members_.size());
      for (const Member& m : members_) order.push_back(&m);
      if (style == JsonStyle::kCanonical)
        std::sort(order.begin(), order.end(),
                  [](const Member* a, const Member* b) { return a->first < b->first; });
      out.push_back('{');
      for (size_t i = 0; i < order.size(); ++i) {
        if (i) out.push_back(',');
        WriteString(order[i]->first, style, out);
        out.push_back(':');
        order[i]->second.WriteTo(out, style);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string Json::Write(JsonStyle style) const {
  std::string out;
  WriteTo(out, style);
  return out;
}

// Recursive-descent parser over canonical JSON only.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  Result<Json> ParseDocument() {
    Json value;
    CUSTODY_TRY(ParseValue(value, 0));
    if (pos_ != text_.size()) return Error("unexpected bytes after the value");
    return value;
  }

 private:
  std::unexpected<custody::Error> Error(const std::string& what) const {
    return Fail(Code::kCorrupt,
                "not canonical JSON at byte " + std::to_string(pos_) + ": " + what);
  }

  bool Eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool EatLiteral(std::string_view lit) {
    if (text_.substr(pos_, lit.size()) == lit) {
      pos_ += lit.size();
      return true;
    }
    return false;
  }

  Status ParseValue(Json& out, int depth) {
    if (depth > kMaxJsonDepth) return Error("nested too deeply");
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    out.source_begin_ = pos_;
    char c = text_[pos_];
    if (c == '{') {
      CUSTODY_TRY(ParseObject(out, depth));
    } else if (c == '[') {
      CUSTODY_TRY(ParseArray(out, depth));
    } else if (c == '"') {
      out.type_ = Json::Type::kString;
      CUSTODY_TRY(ParseString(out.string_));
    } else if (c >= '0' && c <= '9') {
      CUSTODY_TRY(ParseNumber(out));
    } else if (EatLiteral("true")) {
      out.type_ = Json::Type::kBool;
      out.bool_ = true;
    } else if (EatLiteral("false")) {
      out.type_ = Json::Type::kBool;
      out.bool_ = false;
    } else if (EatLiteral("null")) {
      out.type_ = Json::Type::kNull;
    } else {
      return Error(std::string("unexpected character '") + c + "'");
    }
    out.source_end_ = pos_;
    return {};
  }

  Status ParseNumber(Json& out) {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    std::string_view digits = text_.substr(start, pos_ - start);
    if (digits.size() > 1 && digits[0] == '0') return Error("number with a leading zero");
    if (pos_ < text_.size() &&
        (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      return Error("only non-negative integers are allowed");
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || ptr != digits.data() + digits.size())
      return Error("number out of range");
    out.type_ = Json::Type::kInt;
    out.int_ = v;
    return {};
  }

  Status ParseString(std::string& out) {
    if (!Eat('"')) return Error("expected a string");
    size_t start = pos_;
    for (;;) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return Error("raw control character in a string");
      if (c == '\\') {
        ++pos_;
        if (pos_ >= text_.size()) return Error("unterminated escape");
        char e = text_[pos_];
        if (e == '"' || e == '\\') {
          out.push_back(e);
          ++pos_;
        } else if (e == 'u' && text_.substr(pos_, 3) == "u00" && pos_ + 5 <= text_.size()) {
          auto hex = [](char h) {
            if (h >= '0' && h <= '9') return h - '0';
            if (h >= 'a' && h <= 'f') return h - 'a' + 10;
            return -1;
          };
          int hi = hex(text_[pos_ + 3]);
          int lo = hex(text_[pos_ + 4]);
          int v = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
          if (v < 0 || v >= 0x20) return Error("escape other than \\u00XX for a control byte");
          out.push_back(static_cast<char>(v));
          pos_ += 5;
        } else {
          return Error("escape other than \\\", \\\\ or \\u00XX");
        }
        continue;
      }
      out.push_back(static_cast<char>(c));
      ++pos_;
    }
    if (!IsValidUtf8(out)) {
      pos_ = start;
      return Error("string is not valid UTF-8");
    }
    ++pos_;  // closing quote
    return {};
  }

  Status ParseArray(Json& out, int depth) {
    out.type_ = Json::Type::kArray;
    Eat('[');
    if (Eat(']')) return {};
    for (;;) {
      Json item;
      CUSTODY_TRY(ParseValue(item, depth + 1));
      out.items_.push_back(std::move(item));
      if (Eat(']')) return {};
      if (!Eat(',')) return Error("expected ',' or ']'");
    }
  }

  Status ParseObject(Json& out, int depth) {
    out.type_ = Json::Type::kObject;
    Eat('{');
    if (Eat('}')) return {};
    for (;;) {
      size_t key_pos = pos_;
      std::string key;
      CUSTODY_TRY(ParseString(key));
      if (!out.members_.empty() && !(out.members_.back().first < key)) {
        pos_ = key_pos;
        return Error(out.members_.back().first == key ? "duplicate key \"" + key + "\""
                                                      : "keys not sorted at \"" + key + "\"");
      }
      if (!Eat(':')) return Error("expected ':'");
      Json value;
      CUSTODY_TRY(ParseValue(value, depth + 1));
      out.members_.emplace_back(std::move(key), std::move(value));
      if (Eat('}')) return {};
      if (!Eat(',')) return Error("expected ',' or '}'");
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

Result<Json> ParseCanonicalJson(std::string_view text) {
  JsonParser parser(text);
  CUSTODY_ASSIGN(Json value, parser.ParseDocument());
  // Belt and braces: the grammar above admits only canonical text, and this
  // check makes that a tested property rather than an argument.
  if (value.Write() != text) return Fail(Code::kCorrupt, "not canonical JSON");
  return value;
}

}  // namespace custody
