#include "cli/replay_command.h"

#include <cstdio>
#include <iostream>

#include "analysis/engine.h"
#include "cli/exit_codes.h"
#include "outputs/atomic_file.h"
#include "outputs/json_report.h"
#include "outputs/text_summary.h"
#include "sources/pcap_file_source.h"

namespace sipmon {

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options) {
  CLI::App* replay = app.add_subcommand("replay", "Analyse recorded traffic from pcap/pcapng files");
  replay->add_option("FILE", options.files, "Capture files (pcap or pcapng); several are merged by packet time")
      ->required()
      ->check(CLI::ExistingFile);
  replay->add_flag("--json", options.json, "Print the JSON report (docs/report.md) on stdout instead of a summary");
  replay->add_option("--out", options.out, "Also write the JSON report to this file (atomically)");
  replay->add_option("--ports", options.ports,
                     "Only look at UDP/TCP payloads to or from these ports (comma-separated); "
                     "default: any port, SIP recognized by content")
      ->delimiter(',');
  replay->footer(
      "Examples:\n"
      "  sipmon replay samples/call-answered.pcap            # short summary\n"
      "  sipmon replay a.pcap b.pcapng --json > report.json   # merged by time, JSON on stdout\n"
      "  sipmon replay trunk.pcap --ports 5060,5080 --out r.json");
  return replay;
}

int run_replay(const ReplayOptions& options) {
  auto source = PcapFileSource::open(options.files);
  if (!source) {
    std::cerr << "sipmon: " << source.error().message << "\n";
    return kExitUsage;
  }
  for (const std::string& warning : source->warnings()) std::cerr << "sipmon: warning: " << warning << "\n";

  Engine engine(EngineConfig{.ports = options.ports});
  source->run(engine);

  Report report = engine.report();
  report.capture.files = options.files;
  report.capture.read_errors = source->read_errors();
  for (const ReadError& error : report.capture.read_errors) {
    std::cerr << "sipmon: warning: " << error.file << ": damaged at packet " << error.packet << " (" << error.message
              << "); the report covers the " << error.packet - 1 << " packet(s) before it\n";
  }

  int status = kExitOk;
  if (!options.out.empty()) {
    if (auto written = write_file_atomically(options.out, render_json_report(report)); !written) {
      std::cerr << "sipmon: " << written.error().message << "\n";
      status = kExitUsage;
    }
  }
  std::cout << (options.json ? render_json_report(report) : render_text_summary(report)) << std::flush;
  return status;
}

}  // namespace sipmon
