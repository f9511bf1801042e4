// sipmon's entry point: parses the command line and hands over to one command. All logic lives
// in the libraries; exceptions stop here and become exit codes.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/check_command.h"
#include "cli/exit_codes.h"
#include "cli/extract_command.h"
#include "cli/live_command.h"
#include "cli/merge_command.h"
#include "cli/replay_command.h"
#include "sipmon/version.h"

int main(int argc, char** argv) {
  using namespace sipmon;
  CLI::App app{"sipmon: SIP traffic analyzer (RFC 3261 transactions and dialogs, RFC 6076 metrics)", "sipmon"};
  app.set_version_flag("--version", std::string("sipmon ") + kVersion);
  // No require_subcommand(): CLI11 would then report a missing command before an unknown
  // option, and "sipmon --bogus" would not name --bogus. Checked after parsing instead.
  app.footer(
      "Examples:\n"
      "  sipmon replay capture.pcap --json      # JSON report of a recorded capture\n"
      "  sipmon live -i eth0                     # live capture, Prometheus /metrics\n"
      "  sipmon check capture.pcap --baseline base.json --expect 'rfc6076.ser>=95'\n"
      "  sipmon extract capture.pcap --call-id ID -o call.pcap   # one call's packets\n"
      "  sipmon merge shard-*.json --out all.json   # reports of per-file replays combined\n"
      "Run 'sipmon COMMAND --help' for a command's options.\n"
      "Exit codes: 0 success, 1 a check failed, 2 usage or input error.");

  ReplayOptions replay_options;
  CLI::App* replay = add_replay_command(app, replay_options);
  LiveOptions live_options;
  CLI::App* live = add_live_command(app, live_options);
  CheckOptions check_options;
  CLI::App* check = add_check_command(app, check_options);
  ExtractOptions extract_options;
  CLI::App* extract = add_extract_command(app, extract_options);
  MergeOptions merge_options;
  CLI::App* merge = add_merge_command(app, merge_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Point at the help that lists the option in question: the command's, once one was named.
    const auto commands = app.get_subcommands();
    const std::string help = commands.empty() ? "sipmon --help" : "sipmon " + commands.front()->get_name() + " --help";
    std::cerr << "sipmon: " << e.what() << " (see '" << help << "')\n";
    return kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    std::cerr << "sipmon: a command is required: replay, live, check, extract or merge (see 'sipmon --help')\n";
    return kExitUsage;
  }

  try {
    if (replay->parsed()) return run_replay(replay_options);
    if (check->parsed()) return run_check(check_options);
    if (live->parsed()) return run_live(live_options);
    if (extract->parsed()) return run_extract(extract_options);
    if (merge->parsed()) return run_merge(merge_options);
  } catch (const std::exception& e) {
    std::cerr << "sipmon: error: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}
