#pragma once
// The HTML report on the command line (docs/html.md), on `replay` and `check`:
//   --html FILE  --html-calls N|all
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/error.h"
#include "outputs/html_report.h"

namespace sipmon {

struct HtmlOptions {
  std::string path;  // empty: no HTML report
  std::string calls = std::to_string(HtmlCallsConfig::kDefaultLadders);

  bool enabled() const { return !path.empty(); }
};

void add_html_options(CLI::App& command, HtmlOptions& options);

// --html-calls as the report's configuration: a count of failed calls with ladders, or `all`.
Expected<HtmlCallsConfig> html_calls_config(const HtmlOptions& options);

}  // namespace sipmon
