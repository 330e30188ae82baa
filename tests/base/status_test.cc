// Unit tests for base/status.h: code names, numeric code values and error
// context. Moved from tests/crypto/crypto_test.cc; the test name keeps its
// "crypto/" prefix.
#include <catch2/catch.hpp>

#include <string>

#include "base/status.h"

using custody::Code;

TEST_CASE("crypto/CodeNamesAndErrorContext", "[crypto][status]") {
  CHECK(std::string(custody::CodeName(Code::kCorrupt)) == "integrity");
  CHECK(std::string(custody::CodeName(Code::kAuth)) == "authentication");
  CHECK(static_cast<int>(Code::kNotFound) == 6);
  CHECK(static_cast<int>(Code::kNotCleared) == 4);
  custody::Error e{Code::kNotCleared, "inner"};
  auto w = e.With("outer");
  CHECK(w.code == Code::kNotCleared);
  CHECK(w.message == "outer: inner");
}
