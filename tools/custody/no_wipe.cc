// Used only when the disposal library is not built.
#include "tools/custody/cli.h"
namespace custody::cli {
void RegisterWipeCommands(CLI::App&) {}
}  // namespace custody::cli
