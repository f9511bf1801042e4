#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/calls_options.h"
#include "cli/hep_options.h"
#include "cli/html_options.h"
#include "cli/metrics_options.h"
#include "cli/replay_pipeline.h"

namespace sipmon {

struct ReplayOptions {
  ReplayInputOptions input;
  bool json = false;
  std::string out;
  std::string openmetrics;                      // --openmetrics FILE: the series for promtool (needs --interval)
  std::vector<std::string> openmetrics_labels;  // --openmetrics-label KEY=VALUE
  MetricsOptions metrics;                       // --listen, --push, --prom-file, --compat, --peers
  CallsOptions calls;                           // --calls, --calls-messages, --max-call-records (docs/calls.md)
  HepOptions hep;                               // --hep-out, --hep-transport, --hep-id, --hep-key (docs/hep.md)
  HtmlOptions html;                             // --html, --html-calls (docs/html.md)
};

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options);
int run_replay(const ReplayOptions& options);

}  // namespace sipmon
