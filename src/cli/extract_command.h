#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sipmon {

struct ExtractOptions {
  std::vector<std::string> files;
  std::vector<std::string> call_ids;  // --call-id
  std::string calls;                  // --calls RECORDS.jsonl
  std::vector<std::string> outcomes;  // --outcome, with --calls
  std::string output;                 // -o
  bool force = false;
};

CLI::App* add_extract_command(CLI::App& app, ExtractOptions& options);
int run_extract(const ExtractOptions& options);

}  // namespace sipmon
