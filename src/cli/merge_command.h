#pragma once
// `sipmon merge REPORT.json...`: the reports of shards (per-file replays) combined into the report
// of all their traffic (docs/report.md, "Merging reports").
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sipmon {

struct MergeOptions {
  std::vector<std::string> reports;
  bool json = false;
  std::string out;
};

CLI::App* add_merge_command(CLI::App& app, MergeOptions& options);
int run_merge(const MergeOptions& options);

}  // namespace sipmon
