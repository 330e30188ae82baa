// Unit tests for crypto/hardening.h. tests/catch_main.cc has already called
// InitializeProcess() (aborting on failure) before any test runs.
#include <catch2/catch.hpp>

#include "crypto/hardening.h"

TEST_CASE("crypto/InitializeProcessIsIdempotent", "[crypto][hardening]") {
  REQUIRE(custody::crypto::InitializeProcess());
  REQUIRE(custody::crypto::InitializeProcess());
}
