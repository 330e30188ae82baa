#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdlib>

#include "crypto/hardening.h"

namespace {
// libsodium must be initialised before any test draws randomness or signs.
const bool kInitialised = [] {
  if (!custody::crypto::InitializeProcess()) std::abort();
  return true;
}();
}  // namespace
