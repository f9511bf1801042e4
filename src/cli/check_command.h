#pragma once
// `sipmon check`: replays captures (or reads a stored report) and gates on a baseline report and
// thresholds. Exit codes: 0 pass, 1 regression or failed threshold, 2 usage or input error.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/html_options.h"
#include "cli/replay_pipeline.h"

namespace sipmon {

struct CheckOptions {
  ReplayInputOptions input;
  std::string report;    // --report: compare this stored report instead of replaying captures
  std::string baseline;  // --baseline
  std::vector<std::string> expects;
  std::vector<std::string> tolerances;
  std::vector<std::string> ignores;
  bool strict = false;
  bool update_baseline = false;
  bool verbose = false;
  std::string junit;
  HtmlOptions html;  // --html, --html-calls: the replay's HTML report with the check on top
};

CLI::App* add_check_command(CLI::App& app, CheckOptions& options);
int run_check(const CheckOptions& options);

}  // namespace sipmon
