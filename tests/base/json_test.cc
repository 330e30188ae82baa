#include <catch2/catch.hpp>

#include <string>

#include "base/json.h"
#include "base/encoding.h"

using custody::Code;
using namespace custody;

TEST_CASE("WriterSortsKeysAndUsesNoWhitespace", "[json]") {
  Json j = Json::Object();
  j.Set("zeta", uint64_t{1});
  j.Set("alpha", "x");
  j.Set("mid", Json::Bool(true));
  Json arr = Json::Array();
  arr.Push(uint64_t{0});
  arr.Push(Json());
  j.Set("arr", std::move(arr));
  CHECK(j.Write() == R"({"alpha":"x","arr":[0,null],"mid":true,"zeta":1})");
}

TEST_CASE("WriterEscapesOnlyQuoteBackslashAndControlBytes", "[json]") {
  Json j(std::string("a\"b\\c\n\x01\x1f/\x7f 王小明"));
  CHECK(j.Write() == "\"a\\\"b\\\\c\\u000a\\u0001\\u001f/\x7f 王小明\"");
}

TEST_CASE("ParseThenWriteIsIdentityOnCanonicalText", "[json]") {
  std::string text =
      R"({"a":{"b":[1,2,{"c":"\u0000x\"\\"}],"d":18446744073709551615},"e":false,"名字":"王小明"})";
  auto j = ParseCanonicalJson(text);
  REQUIRE(j);
  CHECK(j->Write() == text);
  CHECK(j->Find("a")->Find("d")->as_int() == UINT64_MAX);
  CHECK(j->Find("名字")->as_string() == "王小明");
}

TEST_CASE("ParserRecordsSourceSpans", "[json]") {
  std::string text = R"({"body":{"x":1},"y":[]})";
  auto j = ParseCanonicalJson(text);
  REQUIRE(j);
  const Json* body = j->Find("body");
  CHECK(text.substr(body->source_begin(), body->source_end() - body->source_begin()) ==
        R"({"x":1})");
}

TEST_CASE("ParserRejectsEveryNonCanonicalSpelling", "[json]") {
  const char* bad[] = {
      R"({"a":1} )",          R"( {"a":1})",        R"({"a": 1})",
      R"({"b":1,"a":2})",     R"({"a":1,"a":1})",   R"({"a":01})",
      R"({"a":-1})",          R"({"a":1.0})",       R"({"a":1e3})",
      R"({"a":"\n"})",        R"({"a":"\u0041"})",  R"({"a":"\u001F"})",
      R"({"a":"\/"})",        "{\"a\":\"\x01\"}",   "{\"a\":\"\xc3\"}",
      "{\"a\":\"\xc0\xaf\"}", R"({"a":18446744073709551616})",
      R"({"a":tru})",         R"({"a":1,})",        R"([1,])",
      "",                     R"({"a":"x)",
  };
  for (const char* text : bad) {
    INFO(text);
    auto j = ParseCanonicalJson(text);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == Code::kCorrupt);
  }
}

TEST_CASE("ParserLimitsNesting", "[json]") {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_FALSE(ParseCanonicalJson(deep));
  std::string ok(10, '[');
  ok += std::string(10, ']');
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

// The insertion-ordered form is what `custody audit --json` and `ls --json`
// print; scripts and tests/golden/v1/expected/ls.json depend on its bytes.
TEST_CASE("OrderedStyleKeepsInsertionOrder", "[json]") {
  Json j = Json::Object();
  j.Set("reg_no", "A-1");
  j.Set("level", "secret");
  j.Set("size", uint64_t{12});
  j.Set("ok", Json::Bool(false));
  Json arr = Json::Array();
  arr.Push("x");
  arr.Push(uint64_t{3});
  j.Set("list", std::move(arr));
  CHECK(j.Write(JsonStyle::kOrdered) ==
        R"({"reg_no":"A-1","level":"secret","size":12,"ok":false,"list":["x",3]})");
  // The same value still has its one canonical spelling.
  CHECK(j.Write() == R"({"level":"secret","list":["x",3],"ok":false,"reg_no":"A-1","size":12})");
}

TEST_CASE("SetOnAnExistingKeyReplacesInPlace", "[json]") {
  Json j = Json::Object();
  j.Set("b", uint64_t{1});
  j.Set("a", uint64_t{2});
  j.Set("b", uint64_t{3});
  CHECK(j.members().size() == 2);
  CHECK(j.Write(JsonStyle::kOrdered) == R"({"b":3,"a":2})");
}

TEST_CASE("OrderedStyleUsesShortEscapesForNewlineReturnAndTab", "[json]") {
  Json j(std::string("a\"b\\c\n\r\t\x01\x1f/\x7f 王小明"));
  CHECK(j.Write(JsonStyle::kOrdered) ==
        "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f/\x7f 王小明\"");
  // Canonical keeps \u00XX for every control byte.
  CHECK(j.Write() == "\"a\\\"b\\\\c\\u000a\\u000d\\u0009\\u0001\\u001f/\x7f 王小明\"");
}

TEST_CASE("OrderedStyleEscapesKeysToo", "[json]") {
  Json j = Json::Object();
  j.Set("a\tb", "");
  CHECK(j.Write(JsonStyle::kOrdered) == "{\"a\\tb\":\"\"}");
}

TEST_CASE("ObjectsWithTheSameMembersInAnotherOrderAreEqual", "[json]") {
  Json a = Json::Object();
  a.Set("x", uint64_t{1});
  a.Set("y", "2");
  Json b = Json::Object();
  b.Set("y", "2");
  b.Set("x", uint64_t{1});
  CHECK(a == b);
  b.Set("x", uint64_t{2});
  CHECK_FALSE(a == b);
}

TEST_CASE("EmptyContainersInBothStyles", "[json]") {
  CHECK(Json::Object().Write(JsonStyle::kOrdered) == "{}");
  CHECK(Json::Array().Write(JsonStyle::kOrdered) == "[]");
  CHECK(Json::Object().Write() == "{}");
}
