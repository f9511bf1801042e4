#pragma once
// Call records on the command line (docs/calls.md), the same on `replay` and `live`:
//   --calls OUT (JSON Lines; "-" for standard output)  --calls-messages  --max-call-records N
// and where they go: outputs/call_record_file.h.
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/call_recorder.h"

namespace sipmon {

struct CallsOptions {
  std::string path;  // empty: no call records
  bool messages = false;
  std::size_t max_records = CallRecorderConfig{}.max_records;

  bool enabled() const { return !path.empty(); }
  CallRecorderConfig recorder() const { return CallRecorderConfig{.max_records = max_records, .messages = messages}; }
};

void add_calls_options(CLI::App& command, CallsOptions& options);

}  // namespace sipmon
