#pragma once
// "Open the captures, run the engine, build the Report": the one path from capture files to a
// report, shared by `replay` and `check` so that a baseline recorded with `replay --json` and the
// report `check` compares it with are made the same way.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "analysis/error.h"
#include "analysis/peer_table.h"
#include "analysis/report.h"
#include "cli/engine_options.h"
#include "sources/pcap_file_source.h"

namespace sipmon {

// The input options every command that reads capture files takes.
struct ReplayInputOptions {
  std::vector<std::string> files;
  std::vector<std::uint16_t> ports;
  EngineTableOptions tables;  // --max-dialogs, ... (the same options as `live`)
  // Not an option of its own: `replay` sets it from --peers (start_metrics).
  std::shared_ptr<const PeerTable> peers = nullptr;
  // Not an option either: `replay --hep-out` sets it (EngineConfig::observer).
  SipMessageObserver* observer = nullptr;
  // Not an option either: `replay --calls` sets them (EngineConfig::call_records, recorder).
  CallRecordSink* call_records = nullptr;
  CallRecorderConfig recorder{};
  bool quiet = false;  // --quiet: no progress line, even on a terminal
  // --reader libpcap: read every file with libpcap instead of mapping it (docs/performance.md).
  FileReader reader = FileReader::automatic;
  // --interval: seconds of each interval of the report's series (docs/report.md); 0: no series.
  double interval_s = 0;
  // --threads: N > 1 runs N - 1 engines counting the calls, each on a thread of its own, behind
  // the reading and decoding thread (sharded_engine.h). 1: one engine, no thread. Call records (--calls, --html, the
  // summary's failure analysis) and --hep-out keep one engine.
  unsigned threads = 1;
};

// Adds the `--ports` and `--quiet` options and the table caps and timers (engine_options.h) (the
// files are positional and declared by each command, because `check` can also take a stored
// report instead of captures).
void add_replay_input_options(CLI::App& command, ReplayInputOptions& options);

// The FILE validator of `replay` and `check`: an existing file, or "-" (standard input, once).
CLI::Validator capture_file_validator();

// Reads every file and returns the report. Warnings (skipped records, damaged files) go to
// `warnings`, one line each; an error means no report at all (missing file, not a capture).
// A replay that takes more than a second draws a progress line on stderr if it is a terminal.
Expected<Report> replay_captures(const ReplayInputOptions& options, std::ostream& warnings);

}  // namespace sipmon
