#include "cli/replay_command.h"

#include <cstdio>
#include <iostream>

#include "cli/exit_codes.h"
#include "outputs/atomic_file.h"
#include "outputs/json_report.h"
#include "outputs/text_summary.h"

namespace sipmon {

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options) {
  CLI::App* replay = app.add_subcommand("replay", "Analyse recorded traffic from pcap/pcapng files");
  replay->add_option("FILE", options.input.files, "Capture files (pcap or pcapng); several are merged by packet time")
      ->required()
      ->check(CLI::ExistingFile);
  replay->add_flag("--json", options.json, "Print the JSON report (docs/report.md) on stdout instead of a summary");
  replay->add_option("--out", options.out, "Also write the JSON report to this file (atomically)");
  add_replay_input_options(*replay, options.input);
  replay->footer(
      "Examples:\n"
      "  sipmon replay samples/call-answered.pcap            # short summary\n"
      "  sipmon replay a.pcap b.pcapng --json > report.json   # merged by time, JSON on stdout\n"
      "  sipmon replay trunk.pcap --ports 5060,5080 --out r.json");
  return replay;
}

int run_replay(const ReplayOptions& options) {
  Expected<Report> report = replay_captures(options.input, std::cerr);
  if (!report) {
    std::cerr << "sipmon: " << report.error().message << "\n";
    return kExitUsage;
  }

  int status = kExitOk;
  if (!options.out.empty()) {
    if (auto written = write_file_atomically(options.out, render_json_report(*report)); !written) {
      std::cerr << "sipmon: " << written.error().message << "\n";
      status = kExitUsage;
    }
  }
  std::cout << (options.json ? render_json_report(*report) : render_text_summary(*report)) << std::flush;
  return status;
}

}  // namespace sipmon
