#include "cli/replay_pipeline.h"

#include <utility>

#include "analysis/engine.h"
#include "sources/pcap_file_source.h"

namespace sipmon {

void add_replay_input_options(CLI::App& command, ReplayInputOptions& options) {
  command
      .add_option("--ports", options.ports,
                  "Only look at UDP/TCP payloads to or from these ports (comma-separated); "
                  "default: any port, SIP recognized by content")
      ->delimiter(',');
  add_engine_table_options(command, options.tables);
}

Expected<Report> replay_captures(const ReplayInputOptions& options, std::ostream& warnings) {
  auto source = PcapFileSource::open(options.files);
  if (!source) return tl::unexpected(source.error());
  for (const std::string& warning : source->warnings()) warnings << "sipmon: warning: " << warning << "\n";

  EngineConfig config{.ports = options.ports, .peers = options.peers};
  apply_engine_table_options(options.tables, config);
  Engine engine(std::move(config));
  source->run(engine);
  engine.finish();

  Report report = engine.report();
  report.capture.files = options.files;
  report.capture.read_errors = source->read_errors();
  for (const ReadError& error : report.capture.read_errors) {
    warnings << "sipmon: warning: " << error.file << ": damaged at packet " << error.packet << " (" << error.message
             << "); the report covers the " << error.packet - 1 << " packet(s) before it\n";
  }
  return report;
}

}  // namespace sipmon
