// The one Catch2 main of every test binary (custody_test() in
// tests/CMakeLists.txt adds it). libsodium is initialised before any test
// runs, so that tests may draw randomness, sign and seal without an Init()
// of their own; the process aborts if that fails.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdlib>

#include "crypto/hardening.h"

namespace {
const bool kInitialised = [] {
  if (!custody::crypto::InitializeProcess()) std::abort();
  return true;
}();
}  // namespace
