#include "cli/calls_options.h"

#include "cli/engine_options.h"

namespace sipmon {

void add_calls_options(CLI::App& command, CallsOptions& options) {
  const std::string group = "Call records (docs/calls.md)";
  CLI::Option* calls = command
                           .add_option("--calls", options.path,
                                       "Write one JSON Lines record per call to this file (appended; - = stdout)")
                           ->group(group);
  command.add_flag("--calls-messages", options.messages, "With --calls: add each call's first 32 messages (a ladder)")
      ->needs(calls)
      ->group(group);
  command
      .add_option("--max-call-records", options.max_records,
                  "Open call records kept at most (pending and answered calls; the oldest is written early)")
      ->check(CLI::Range(std::size_t{1}, kMaxTableCap))
      ->capture_default_str()
      ->group(group);
}

}  // namespace sipmon
