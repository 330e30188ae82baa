#include "base/json.h"

#include <algorithm>
#include <vector>

namespace custody {

namespace {

void WriteCanonicalString(const std::string& s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
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

void WriteCanonicalTo(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::object: {
      std::vector<const std::pair<const std::string, Json>*> order;
      order.reserve(v.size());
      for (const auto& member : *v.get_ptr<const Json::object_t*>()) order.push_back(&member);
      // std::string compares as unsigned bytes (char_traits<char>::lt).
      std::sort(order.begin(), order.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out.push_back('{');
      for (size_t i = 0; i < order.size(); ++i) {
        if (i) out.push_back(',');
        WriteCanonicalString(order[i]->first, out);
        out.push_back(':');
        WriteCanonicalTo(order[i]->second, out);
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array:
      out.push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out.push_back(',');
        WriteCanonicalTo(v[i], out);
      }
      out.push_back(']');
      return;
    case Json::value_t::string:
      WriteCanonicalString(v.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case Json::value_t::null: out += "null"; return;
    default:
      // Numbers. Only unsigned integers are canonical; anything else is
      // written as the library spells it, which ParseCanonicalJson refuses.
      out += v.dump();
      return;
  }
}

// Refuses numbers that are not unsigned integers anywhere in `v`.
bool OnlyUnsignedNumbers(const Json& v) {
  if (v.is_number()) return v.is_number_unsigned();
  if (v.is_structured())
    return std::all_of(v.begin(), v.end(), [](const Json& c) { return OnlyUnsignedNumbers(c); });
  return true;
}

}  // namespace

std::string WriteCanonicalJson(const Json& value) {
  std::string out;
  WriteCanonicalTo(value, out);
  return out;
}

Result<Json> ParseCanonicalJson(std::string_view text) {
  // The library's parser is iterative; the depth limit protects the
  // recursive walks after it. A value too deep is discarded and flagged.
  bool too_deep = false;
  Json::parser_callback_t limit_depth = [&too_deep](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  Json value = Json::parse(text.begin(), text.end(), limit_depth, /*allow_exceptions=*/false);
  if (too_deep)
    return Fail(Code::kCorrupt, "not canonical JSON: nested deeper than " +
                                    std::to_string(kMaxJsonDepth) + " levels");
  if (value.is_discarded()) return Fail(Code::kCorrupt, "not JSON (syntax error)");
  if (!OnlyUnsignedNumbers(value))
    return Fail(Code::kCorrupt, "not canonical JSON: only non-negative integers are allowed");
  // One check for every other rule: whitespace, unsorted or duplicate keys
  // (the library keeps one), escapes other than \" \\ \u00XX for control
  // bytes, and number spellings all make the canonical bytes differ.
  if (WriteCanonicalJson(value) != text)
    return Fail(Code::kCorrupt,
                "not canonical JSON (whitespace, unsorted or duplicate keys, or a "
                "non-canonical escape or number)");
  return value;
}

std::string WriteJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* FindMember(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace custody
