// The names every test of vault/ops uses, said once: the fixture and helpers
// of tests/testutil/vault_fixture.h and the short namespace names. Test code
// only (it opens namespaces at file scope); include it first after Catch.
#pragma once

#include <filesystem>

#include "tests/testutil/vault_fixture.h"
#include "tests/testutil/vault_levels.h"
#include "vault/vault.h"

namespace fs = std::filesystem;
namespace format = custody::format;
namespace vault = custody::vault;
using custody::Code;
using vault::Identity;
using vault::Vault;
using namespace custody::testutil;  // Fixture, OpenWrite, File, To, ExpectExtracts, LevelAt, ...
