#include <catch2/catch.hpp>

#include <string>

#include "base/json.h"
#include "base/encoding.h"

using custody::Code;
using namespace custody;

TEST_CASE("WriterSortsKeysAndUsesNoWhitespace", "[json]") {
  Json j = Json::object();
  j["zeta"] = uint64_t{1};
  j["alpha"] = "x";
  j["mid"] = true;
  Json arr = Json::array();
  arr.push_back(uint64_t{0});
  arr.push_back(nullptr);
  j["arr"] = std::move(arr);
  CHECK(WriteCanonicalJson(j) == R"({"alpha":"x","arr":[0,null],"mid":true,"zeta":1})");
}

TEST_CASE("WriterEscapesOnlyQuoteBackslashAndControlBytes", "[json]") {
  Json j(std::string("a\"b\\c\n\x01\x1f/\x7f 王小明"));
  CHECK(WriteCanonicalJson(j) == "\"a\\\"b\\\\c\\u000a\\u0001\\u001f/\x7f 王小明\"");
}

TEST_CASE("WriterSortsKeysAsUnsignedBytes", "[json]") {
  Json j = Json::object();
  j["\xc3\xa9"] = uint64_t{1};  // é: 0xc3 sorts after every ASCII byte
  j["z"] = uint64_t{2};
  CHECK(WriteCanonicalJson(j) == "{\"z\":2,\"\xc3\xa9\":1}");
}

TEST_CASE("ParseThenWriteIsIdentityOnCanonicalText", "[json]") {
  std::string text =
      R"({"a":{"b":[1,2,{"c":"\u0000x\"\\"}],"d":18446744073709551615},"e":false,"名字":"王小明"})";
  auto j = ParseCanonicalJson(text);
  REQUIRE(j);
  CHECK(WriteCanonicalJson(*j) == text);
  CHECK((*j)["a"]["d"].get<uint64_t>() == UINT64_MAX);
  CHECK(FindMember(*j, "名字")->get_ref<const std::string&>() == "王小明");
  CHECK(FindMember(*j, "absent") == nullptr);
}

// Where certificates take the signed body's bytes from: the sub-value's own
// canonical spelling is exactly the span it was parsed from.
TEST_CASE("SubValuesRespellAsTheirSourceSpan", "[json]") {
  std::string text = R"({"body":{"x":1,"y":"\u000a"},"z":[]})";
  auto j = ParseCanonicalJson(text);
  REQUIRE(j);
  CHECK(WriteCanonicalJson(*FindMember(*j, "body")) == R"({"x":1,"y":"\u000a"})");
}

TEST_CASE("ParserRejectsEveryNonCanonicalSpelling", "[json]") {
  const char* bad[] = {
      R"({"a":1} )",          R"( {"a":1})",        R"({"a": 1})",
      R"({"b":1,"a":2})",     R"({"a":1,"a":1})",   R"({"a":1,"a":2})",
      R"({"a":01})",          R"({"a":-1})",        R"({"a":-0})",
      R"({"a":1.0})",         R"({"a":1e3})",       R"({"a":0.5})",
      R"({"a":"\n"})",        R"({"a":"\u0041"})",  R"({"a":"\u001F"})",
      R"({"a":"\/"})",        "{\"a\":\"\x01\"}",   "{\"a\":\"\xc3\"}",
      "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", R"({"a":"\ud800"})",
      R"({"a":18446744073709551616})",
      R"({"a":tru})",         R"({"a":1,})",        R"([1,])",
      "",                     R"({"a":"x)",         "{\"a\":1}\n",
      R"({"a":1}{"b":2})",
  };
  for (const char* text : bad) {
    INFO(text);
    auto j = ParseCanonicalJson(text);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == Code::kCorrupt);
    CHECK(j.error().message.find("JSON") != std::string::npos);
  }
}

TEST_CASE("ParserLimitsNesting", "[json]") {
  // Far deeper than any stack frame budget would allow a recursive walk.
  for (size_t n : {size_t{34}, size_t{100}, size_t{200000}}) {
    std::string deep(n, '[');
    deep += std::string(n, ']');
    auto j = ParseCanonicalJson(deep);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == Code::kCorrupt);
    CHECK(j.error().message.find("nested deeper") != std::string::npos);
  }
  std::string objects;
  for (int i = 0; i < 40; ++i) objects += "{\"a\":";
  objects += "1" + std::string(40, '}');
  CHECK_FALSE(ParseCanonicalJson(objects));
  // kMaxJsonDepth levels below the top one are fine.
  std::string ok(kMaxJsonDepth + 1, '[');
  ok += std::string(kMaxJsonDepth + 1, ']');
  CHECK(ParseCanonicalJson(ok));
}

TEST_CASE("Utf8ValidationRejectsOverlongSurrogatesAndTruncation", "[json]") {
  CHECK(IsValidUtf8("plain"));
  CHECK(IsValidUtf8("王小明 😀"));
  CHECK_FALSE(IsValidUtf8("\xc0\x80"));
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));
  CHECK_FALSE(IsValidUtf8("\xe7\x8e"));
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));
}

TEST_CASE("Base64AndHexAcceptOnlyCanonicalSpellings", "[encoding]") {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    CHECK(custody::FromBase64(custody::ToBase64(s)) == s);
    CHECK(custody::FromHex(custody::ToHex(s)) == s);
  }
  CHECK(custody::ToBase64("foobar") == "Zm9vYmFy");
  CHECK(custody::ToBase64("fo") == "Zm8=");
  CHECK_FALSE(custody::FromBase64("Zm9="));   // non-zero bits under the padding
  CHECK_FALSE(custody::FromBase64("Zm8"));    // missing padding
  CHECK_FALSE(custody::FromBase64("Zm 8="));
  CHECK_FALSE(custody::FromBase64("Z==="));
  CHECK_FALSE(custody::FromHex("AB"));        // uppercase
  CHECK_FALSE(custody::FromHex("abc"));
}

// The CLI spelling: insertion order, the library's escapes, always valid
// JSON. Scripts and tests/golden/*/expected/ls.json depend on its bytes.
TEST_CASE("CliJsonKeepsInsertionOrder", "[json]") {
  Json j = Json::object();
  j["reg_no"] = "A-1";
  j["level"] = "secret";
  j["size"] = uint64_t{12};
  j["ok"] = false;
  j["list"] = Json::array({"x", 3});
  CHECK(WriteJson(j) == R"({"reg_no":"A-1","level":"secret","size":12,"ok":false,"list":["x",3]})");
  // The same value still has its one canonical spelling.
  CHECK(WriteCanonicalJson(j) ==
        R"({"level":"secret","list":["x",3],"ok":false,"reg_no":"A-1","size":12})");
}

TEST_CASE("AssigningAnExistingKeyReplacesInPlace", "[json]") {
  Json j = Json::object();
  j["b"] = uint64_t{1};
  j["a"] = uint64_t{2};
  j["b"] = uint64_t{3};
  CHECK(j.size() == 2);
  CHECK(WriteJson(j) == R"({"b":3,"a":2})");
}

TEST_CASE("CliJsonEscapesControlBytesAndReplacesInvalidUtf8", "[json]") {
  Json j(std::string("a\"b\\c\n\r\t\x01\x1f/\x7f 王小明"));
  CHECK(WriteJson(j) == "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f/\x7f 王小明\"");
  // Canonical keeps \u00XX for every control byte.
  CHECK(WriteCanonicalJson(j) == "\"a\\\"b\\\\c\\u000a\\u000d\\u0009\\u0001\\u001f/\x7f 王小明\"");
  Json key = Json::object();
  key["a\tb"] = "";
  CHECK(WriteJson(key) == "{\"a\\tb\":\"\"}");
  // Output must stay parseable even for a name that is not UTF-8.
  CHECK(WriteJson(Json(std::string("x\xff"))) == "\"x\xef\xbf\xbd\"");
}

TEST_CASE("EmptyContainersInBothStyles", "[json]") {
  CHECK(WriteJson(Json::object()) == "{}");
  CHECK(WriteJson(Json::array()) == "[]");
  CHECK(WriteCanonicalJson(Json::object()) == "{}");
}
