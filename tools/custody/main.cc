// custody: the command-line interface. Each subcommand group lives in its
// own cmd_*.cc; this file only sets up the process and dispatches.
#include <iostream>
#include <string>

#include "crypto/hardening.h"
#include "format/constants.h"
#include "tools/custody/cli.h"
#include "tools/custody/inflight.h"

namespace custody::cli {
int LastExit();
}

int main(int argc, char** argv) {
  using namespace custody;
  if (auto s = crypto::InitializeProcess(); !s) return cli::Report(s.error());
  // Before anything else: plaintext a killed extraction left on disk is
  // reported and removed by whichever custody command runs next.
  cli::SweepInflightExtractions(std::cerr);
  CLI::App app{"custody — a secure file vault for classified material.\n" +
               std::string(cli::kExitCodesHelp)};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("custody ") + custody::cli::kToolVersion + " (format v" +
                                        std::to_string(custody::format::kFormatVersion) + ", reads v" +
                                        std::to_string(custody::format::kOldestReadableFormatVersion) + ")");
  cli::RegisterIdentityCommands(app);
  cli::RegisterVaultCommands(app);
  cli::RegisterDocumentCommands(app);
  cli::RegisterCompactCommand(app);
  cli::RegisterUpgradeCommand(app);
  cli::RegisterAuditCommands(app);
  cli::RegisterWipeCommands(app);
  cli::RegisterCopyCommands(app);
  cli::RegisterRegisterCommands(app);
  cli::RegisterLogCommand(app);
  cli::RegisterReportCommand(app);
  cli::RegisterMountCommands(app);
  cli::RegisterCheckpointCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version, its own codes for usage errors.
    return rc == 0 ? 0 : static_cast<int>(Code::kUsage);
  }
  return cli::LastExit();
}
