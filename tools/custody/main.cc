// custody: the command-line interface. Each subcommand group lives in its
// own cmd_*.cc; this file only sets up the process and dispatches.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hardening.h"
#include "format/constants.h"
#include "tools/custody/cli.h"
#include "tools/custody/inflight.h"
#include "tools/custody/progress.h"

namespace custody::cli {
int LastExit();

namespace {
// Every command's --help ends with the exit codes, once (not in the list
// of commands, where each description would repeat them).
void AddExitCodeFooters(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->footer(kExitCodesHelp);
    AddExitCodeFooters(*sub);
  }
}

// The list of commands shows each one's first sentence only, as git's and
// apt's do; the whole description is in `custody COMMAND --help` (and the
// manual page). One screen instead of four.
class ShortCommandList : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::string text = sub->get_description();
    // Up to the first full stop, colon or semicolon that ends a clause.
    for (const char* end : {". ", ": ", "; "})
      if (const size_t at = text.find(end); at != std::string::npos) text = text.substr(0, at);
    if (!text.empty() && text.back() == '.') text.pop_back();
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true), text, get_column_width());
    return out.str();
  }
};

// The Levenshtein distance, for "did you mean".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// CLI11's parse errors in custody's own form: "custody: error: ..." naming
// the word it could not use, and a hint; exit 2 (usage).
int ReportParseError(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  // The deepest command that was recognised, for the hint.
  const CLI::App* at = &app;
  std::string path = "custody";
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) break;
    at = parsed.front();
    path += " " + at->get_name();
  }
  std::string message = e.what();
  // A word that names no command: say which, and the nearest one.
  if (at->get_subcommands({}).size() > 0 && at->get_subcommands().empty()) {
    std::string word;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg.empty() || arg[0] == '-') continue;
      if (at != &app && arg == at->get_name()) continue;
      const auto subs = at->get_subcommands({});
      if (std::none_of(subs.begin(), subs.end(), [&](const CLI::App* sub) { return sub->check_name(arg); })) {
        word = arg;
        break;
      }
    }
    if (!word.empty()) {
      message = "unknown command '" + word + "'";
      std::string best;
      size_t best_d = 3;  // suggest only what a typo could make
      for (const CLI::App* sub : at->get_subcommands({})) {
        const size_t d = EditDistance(word, sub->get_name());
        if (d < best_d) best = sub->get_name(), best_d = d;
      }
      if (!best.empty()) message += "; did you mean '" + best + "'?";
    } else {
      message = "a command is required";
    }
  }
  return Report(Error{Code::kUsage, message}, "'" + path + " --help' lists the " +
                                                  (at->get_subcommands({}).empty() ? "options" : "commands"));
}
}  // namespace
}  // namespace custody::cli

int main(int argc, char** argv) {
  using namespace custody;
  if (auto s = crypto::InitializeProcess(); !s) return cli::Report(s.error());
  // Before anything else: plaintext a killed extraction left on disk is
  // reported and removed by whichever custody command runs next.
  cli::SweepInflightExtractions(std::cerr);
  // Any --json before a "--" (CLI11 parse errors included): errors are also
  // printed as a JSON object on stdout (docs/JSON.md).
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i)
    if (std::string_view(argv[i]) == "--json") cli::SetJsonErrors(true);
  CLI::App app{"custody — a secure file vault for classified material.", "custody"};
  app.footer(cli::kExitCodesHelp);
  app.formatter(std::make_shared<cli::ShortCommandList>());
  app.add_flag_callback("-q,--quiet", [] { cli::SetQuiet(true); },
                        "No progress lines on stderr (errors and warnings still print)");
  app.add_flag_callback("-v,--verbose", [] { cli::SetVerbose(true); },
                        "Say what the command does and how long its slow steps took (on stderr)");
  app.require_subcommand(1);
  app.fallthrough();  // -q and -v after the command, too
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
  cli::RegisterOfficeRegisterCommands(app);
  cli::RegisterLogCommand(app);
  cli::RegisterReportCommand(app);
  cli::RegisterMountCommands(app);
  cli::RegisterCheckpointCommands(app);
  cli::RegisterBindingCommands(app);
  cli::AddExitCodeFooters(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::ReportParseError(app, e, argc, argv);
  }
  return cli::LastExit();
}
