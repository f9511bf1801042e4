#include "cli/html_options.h"

#include <charconv>

namespace sipmon {

void add_html_options(CLI::App& command, HtmlOptions& options) {
  const std::string group = "HTML report (docs/html.md)";
  CLI::Option* html = command
                          .add_option("--html", options.path,
                                      "Write a self-contained HTML report to this file: headline figures, charts, "
                                      "failed calls with their message ladders")
                          ->group(group);
  command
      .add_option("--html-calls", options.calls,
                  "Failed calls shown with a ladder, or 'all' for every call with its ladder (bounded: docs/html.md)")
      ->needs(html)
      ->capture_default_str()
      ->group(group);
}

Expected<HtmlCallsConfig> html_calls_config(const HtmlOptions& options) {
  HtmlCallsConfig config;
  if (options.calls == "all") {
    config.all = true;
    return config;
  }
  const char* first = options.calls.data();
  const char* last = first + options.calls.size();
  const auto [end, ec] = std::from_chars(first, last, config.ladders);
  if (ec != std::errc() || end != last || options.calls.empty() || config.ladders > HtmlCalls::kMaxFailedRows) {
    return make_error(ErrorKind::usage, "--html-calls: expected a number of calls from 0 to " +
                                            std::to_string(HtmlCalls::kMaxFailedRows) + ", or 'all'; got '" +
                                            options.calls + "'");
  }
  return config;
}

}  // namespace sipmon
