#include "cli/replay_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

#include "analysis/failure_analysis.h"
#include "cli/exit_codes.h"
#include "live/stop_signals.h"
#include "outputs/atomic_file.h"
#include "outputs/call_record_file.h"
#include "outputs/failure_summary.h"
#include "outputs/html_report.h"
#include "outputs/json_report.h"
#include "outputs/openmetrics_series.h"
#include "outputs/prometheus_failures.h"
#include "outputs/text_summary.h"

namespace sipmon {

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options) {
  CLI::App* replay = app.add_subcommand("replay", "Analyse recorded traffic from pcap/pcapng files");
  replay
      ->add_option("FILE", options.input.files,
                   "Capture files (pcap or pcapng, also .gz/.zst compressed; - reads standard input); several are "
                   "merged by packet time")
      ->required()
      ->check(capture_file_validator());
  replay->add_flag("--json", options.json, "Print the JSON report (docs/report.md) on stdout instead of a summary");
  replay->add_option("--out", options.out, "Also write the JSON report to this file (atomically)");
  replay->add_option("--openmetrics", options.openmetrics,
                     "Also write the --interval series as OpenMetrics text with timestamps, for `promtool tsdb "
                     "create-blocks-from openmetrics` (docs/prometheus.md, \"Backfilling a capture\")");
  replay->add_option("--openmetrics-label", options.openmetrics_labels,
                     "A label on every --openmetrics sample, KEY=VALUE, repeatable (default job=sipmon and "
                     "instance=the first file's name: the dashboard lists the archive by them)");
  add_replay_input_options(*replay, options.input);
  add_metrics_options(*replay, options.metrics, MetricsCommand::replay);
  add_hep_options(*replay, options.hep, HepCommand::replay);
  add_calls_options(*replay, options.calls);
  add_html_options(*replay, options.html);
  replay->footer(
      "Examples:\n"
      "  sipmon replay samples/call-answered.pcap            # short summary\n"
      "  sipmon replay a.pcap b.pcapng --json > report.json   # merged by time, JSON on stdout\n"
      "  sipmon replay trunk.pcap --ports 5060,5080 --out r.json\n"
      "  sipmon replay a.pcap --prom-file /var/lib/node_exporter/sipmon.prom\n"
      "  sipmon replay a.pcap --push http://127.0.0.1:9091 --grouping instance=sbc1\n"
      "  sipmon replay a.pcap --listen 127.0.0.1:9160     # then serve the figures until Ctrl-C\n"
      "  sipmon replay a.pcap --calls calls.jsonl          # one record per call (docs/calls.md)\n"
      "  sipmon replay a.pcap --html report.html           # a page to open in a browser (docs/html.md)\n"
      "  sipmon replay day.pcap --interval 5m --openmetrics day.om   # then promtool tsdb create-blocks-from\n"
      "  sipmon replay archive.pcap --hep-out homer:9060 --hep-transport tcp   # load an archive into Homer");
  return replay;
}

namespace {

// --openmetrics-label KEY=VALUE over the defaults a scrape would give: job and instance.
Expected<OpenMetricsLabels> openmetrics_target(const ReplayOptions& options) {
  const std::string& first = options.input.files.empty() ? std::string("-") : options.input.files.front();
  const std::string base = first == "-" ? "stdin" : first.substr(first.find_last_of('/') + 1);
  OpenMetricsLabels labels{{"job", "sipmon"}, {"instance", base}};
  for (const std::string& pair : options.openmetrics_labels) {
    const std::size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    bool valid = eq != std::string::npos && !key.empty() && !key.starts_with("__") && !(key[0] >= '0' && key[0] <= '9');
    for (char c : key) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!valid || key == "le")
      return make_error(ErrorKind::usage, "--openmetrics-label '" + pair + "': give KEY=VALUE, KEY a label name");
    auto at = std::find_if(labels.begin(), labels.end(), [&key](const auto& l) { return l.first == key; });
    if (at != labels.end()) {
      at->second = pair.substr(eq + 1);
    } else {
      labels.emplace_back(key, pair.substr(eq + 1));
    }
  }
  return labels;
}

}  // namespace

int run_replay(const ReplayOptions& options) {
  // Before the input is read: a busy --listen port, a bad --push URL or an output path that
  // cannot be written fails at start-up, not after a long replay.
  // With --listen the figures are served until SIGINT/SIGTERM: block them before the server's
  // threads start, and wait for them on the signalfd (live/stop_signals.h).
  std::unique_ptr<StopSignals> stop;
  if (options.metrics.listen_requested) {
    auto opened = StopSignals::open();
    if (!opened) {
      std::cerr << "sipmon: " << opened.error().message << "\n";
      return kExitUsage;
    }
    stop = std::move(*opened);
  }
  auto started = start_metrics(options.metrics);
  if (!started) {
    std::cerr << "sipmon: " << started.error().message << "\n";
    return kExitUsage;
  }
  MetricsOutputs& metrics = *started->outputs;
  if (!options.openmetrics.empty() && options.input.interval_s <= 0) {
    std::cerr << "sipmon: --openmetrics writes the --interval series: give --interval too\n";
    return kExitUsage;
  }
  auto openmetrics_labels = openmetrics_target(options);
  if (!openmetrics_labels) {
    std::cerr << "sipmon: " << openmetrics_labels.error().message << "\n";
    return kExitUsage;
  }
  if (!options.openmetrics.empty()) {
    if (auto writable = check_output_path("--openmetrics", options.openmetrics); !writable) {
      std::cerr << "sipmon: " << writable.error().message << "\n";
      return kExitUsage;
    }
  }
  if (!options.out.empty()) {
    if (auto writable = check_output_path("--out", options.out); !writable) {
      std::cerr << "sipmon: " << writable.error().message << "\n";
      return kExitUsage;
    }
  }

  auto html_config = html_calls_config(options.html);
  if (!html_config) {
    std::cerr << "sipmon: " << html_config.error().message << "\n";
    return kExitUsage;
  }
  if (options.html.enabled()) {
    if (auto writable = check_output_path("--html", options.html.path); !writable) {
      std::cerr << "sipmon: " << writable.error().message << "\n";
      return kExitUsage;
    }
  }

  auto hep_sender = start_hep_sender(options.hep, HepCommand::replay);
  if (!hep_sender) {
    std::cerr << "sipmon: " << hep_sender.error().message << "\n";
    return kExitUsage;
  }
  std::unique_ptr<CallRecordFile> calls;
  if (options.calls.enabled()) {
    auto opened = CallRecordFile::open(options.calls.path);
    if (!opened) {
      std::cerr << "sipmon: " << opened.error().message << "\n";
      return kExitUsage;
    }
    calls = std::move(*opened);
  }
  ReplayInputOptions input = options.input;
  input.peers = started->peers;
  input.observer = hep_sender->get();
  // The failure analysis ("What failed", sipmon_session_failures_total) reads every closed call
  // record; --calls also writes the records out. The recorder costs about a fifth of a replay's
  // time on a call-heavy capture, so a replay that shows neither (--json alone, `check`'s
  // baselines) goes without it.
  // --html keeps what its page shows from the same records (and asks for their messages: the
  // ladders), then passes each on to the --calls file.
  HtmlCalls html(*html_config, calls ? &calls->writer() : nullptr, options.calls.messages);
  CallRecordSink* after_failures = calls ? &calls->writer() : nullptr;
  if (options.html.enabled()) after_failures = &html;
  FailureAnalysis failures(after_failures);
  const MetricsOptions& m = options.metrics;
  const bool exports_metrics = m.listen_requested || !m.push_url.empty() || !m.prom_file.empty();
  if (calls || !options.json || exports_metrics || options.html.enabled()) {
    input.call_records = &failures;
    input.recorder = options.calls.recorder();
    if (options.html.enabled()) html.configure_recorder(input.recorder);
  }
  Expected<Report> report = replay_captures(input, std::cerr);
  if (!report) {
    std::cerr << "sipmon: " << report.error().message << "\n";
    return kExitUsage;
  }
  if (*hep_sender) {
    (*hep_sender)->finish(kHepReplayFlushSeconds);
    report->capture.hep_out = (*hep_sender)->report();
  }

  // Files first, the network last: a gateway that never answers costs its push (bounded by
  // --push-timeout), never the report.
  int status = kExitOk;
  const auto deliver = [&status](Expected<void> written) {
    if (written) return;
    std::cerr << "sipmon: " << written.error().message << "\n";
    status = kExitOutputFailed;
  };
  if (!options.out.empty()) deliver(write_file_atomically(options.out, render_json_report(*report)));
  if (options.html.enabled()) deliver(write_file_atomically(options.html.path, render_html_report(*report, html)));
  if (!options.openmetrics.empty())
    deliver(write_file_atomically(options.openmetrics, render_openmetrics_series(*report, *openmetrics_labels)));
  metrics.metrics().update(*report);
  PrometheusFailureMetrics failure_metrics(*metrics.metrics().registry());
  failure_metrics.update(failures);
  deliver(metrics.write_prom_file());
  // `--calls -` keeps standard output for the records alone: the summary or report goes to stderr.
  std::ostream& report_out = options.calls.path == "-" ? std::cerr : std::cout;
  report_out << (options.json ? render_json_report(*report)
                              : render_text_summary(*report) + render_failure_summary(failures))
             << std::flush;
  deliver(metrics.push());
  if (metrics.listening()) {
    std::cerr << "sipmon: serving " << metrics.listen_url() << " until interrupted (SIGINT/SIGTERM)\n";
    stop->wait();
  }
  return status;
}

}  // namespace sipmon
