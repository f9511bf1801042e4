#include "cli/replay_pipeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "analysis/engine.h"
#include "analysis/sharded_engine.h"
#include "cli/duration_option.h"
#include "cli/progress.h"
#include "sources/pcap_file_source.h"

namespace sipmon {

void add_replay_input_options(CLI::App& command, ReplayInputOptions& options) {
  command
      .add_option("--ports", options.ports,
                  "Only look at UDP/TCP payloads to or from these ports (comma-separated); "
                  "default: any port, SIP recognized by content")
      ->delimiter(',');
  command.add_flag("-q,--quiet", options.quiet, "No progress line on a terminal (it never appears elsewhere)");
  command
      .add_option("--interval", options.interval_s,
                  "Also cut the report into a series of intervals of this length, aligned on the Unix epoch "
                  "(e.g. 60s, 5m; 1 ms to 1 day; docs/report.md, \"series\")")
      ->transform(duration_transform())
      ->check(CLI::Range(0.001, 86400.0));
  command
      .add_option("--reader", options.reader,
                  "How captures are read: auto (files, stdin, pipes and gzip/zstd input in 1 MiB blocks, each "
                  "packet a view into the block; libpcap for what the block reader does not handle) or libpcap "
                  "(docs/performance.md, \"Block reader\")")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, FileReader>{{"auto", FileReader::automatic}, {"libpcap", FileReader::libpcap}}));
  command
      .add_option(
          "--threads", options.threads,
          "Use this many threads: one reads and decodes, the others count calls, split by Call-ID; the "
          "report is the one of one thread (docs/performance.md, \"Both cores\"); call records and --hep-out use one")
      ->check(CLI::Range(1u, 64u));
  add_engine_table_options(command, options.tables);
}

CLI::Validator capture_file_validator() {
  return CLI::Validator(
      [](const std::string& path) {
        // "-" is standard input (`tcpdump -w - | sipmon replay -`), which can only be read once.
        return path == "-" ? std::string() : CLI::ExistingFile(path);
      },
      "FILE or -", "capture file");
}

namespace {

// Packet time that jumped or was out of range changes which calls time out: say so on stderr
// as well as in the counters (docs/metrics.md, "Packet time").
void warn_about_packet_time(const Report& report, std::ostream& warnings) {
  const CaptureReport& c = report.capture;
  auto warn = [&warnings](std::uint64_t count, std::string_view text, std::string_view name) {
    if (count != 0) warnings << "sipmon: warning: " << count << " " << text << " [" << name << "]\n";
  };
  warn(c.outcomes[FrameOutcome::timestamp_out_of_range],
       "packet(s) with a timestamp no clock can hold (past 2262): not decoded",
       frame_outcome_name(FrameOutcome::timestamp_out_of_range));
  static constexpr std::pair<DecoderEvent, std::string_view> kWarnings[] = {
      {DecoderEvent::packet_time_jump,
       "jump(s) of packet time by more than the largest step (a silence or a clock step): "
       "everything pending then timed out"},
      {DecoderEvent::packet_time_outlier,
       "packet(s) stamped far ahead of their neighbours: taken at their neighbours' time"},
      {DecoderEvent::packet_time_backwards,
       "packet(s) far older than the ones before them (merged files from different "
       "clocks?)"},
  };
  for (const auto& [event, text] : kWarnings) warn(c.events[event], text, decoder_event_name(event));
}

}  // namespace

Expected<Report> replay_captures(const ReplayInputOptions& options, std::ostream& warnings) {
  if (std::count(options.files.begin(), options.files.end(), "-") > 1) {
    return make_error(ErrorKind::usage, "standard input ('-') can be given only once");
  }
  auto source = PcapFileSource::open(options.files, options.reader);
  if (!source) return tl::unexpected(source.error());
  for (const std::string& warning : source->warnings()) warnings << "sipmon: warning: " << warning << "\n";

  EngineConfig config{.ports = options.ports, .peers = options.peers, .hosts = {}, .observer = options.observer};
  apply_engine_table_options(options.tables, config);
  config.call_records = options.call_records;
  config.recorder = options.recorder;
  config.series_interval_ns = std::llround(options.interval_s * 1e9);
  auto run = [&](auto& engine) {
    if (!options.quiet && stderr_is_terminal()) {
      ReplayProgress progress(
          engine, [&source] { return source->progress(); }, std::cerr);
      source->run(progress);
      progress.finish();
    } else {
      source->run(engine);
    }
    engine.finish();
    return engine.report();
  };
  // Call records close in the order of one engine's events, which shards cannot give back, and
  // --hep-out forwards messages in capture order: both keep one engine. So do per-peer series
  // (--peers with --interval): a peer left out of an interval keeps its pending count, which a
  // sum of shards' intervals cannot carry yet (sipmon merge does, on JSON).
  const bool peer_series = config.peers != nullptr && config.series_interval_ns > 0;
  const bool sharded =
      options.threads > 1 && config.call_records == nullptr && config.observer == nullptr && !peer_series;
  Report report;
  if (sharded) {
    ShardedEngine engine(config, options.threads - 1);  // the reading thread is one of them
    report = run(engine);
  } else {
    Engine engine(std::move(config));
    report = run(engine);
  }
  report.capture.files = options.files;
  report.capture.read_errors = source->read_errors();
  warn_about_packet_time(report, warnings);
  for (const ReadError& error : report.capture.read_errors) {
    warnings << "sipmon: warning: " << error.file << ": damaged at packet " << error.packet << " (" << error.message
             << "); the report covers the " << error.packet - 1 << " packet(s) before it\n";
  }
  if (report.series && report.series->dropped_intervals != 0) {
    warnings << "sipmon: warning: the series keeps " << report.series->max_intervals
             << " intervals: " << report.series->dropped_intervals
             << " later one(s) left out [series_dropped_intervals]; give a longer --interval\n";
  }
  if (report.series && report.series->dropped_peer_entries != 0) {
    warnings << "sipmon: warning: the series keeps " << report.series->max_peer_entries
             << " per-peer interval figures: " << report.series->dropped_peer_entries
             << " later one(s) left out [series_dropped_peer_figures] (the intervals' totals are complete); give a "
                "longer --interval or fewer peers\n";
  }
  return report;
}

}  // namespace sipmon
