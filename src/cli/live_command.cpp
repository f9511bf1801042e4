#include "cli/live_command.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include "analysis/engine.h"
#include "analysis/sharded_engine.h"
#include "cli/duration_option.h"
#include "cli/exit_codes.h"
#include "cli/hep_options.h"
#include "cli/progress.h"
#include "live/live_media_endpoints.h"
#include "live/live_outputs.h"
#include "live/live_session.h"
#include "live/stop_signals.h"
#include "outputs/atomic_file.h"
#include "outputs/call_record_file.h"
#include "outputs/prometheus_failures.h"
#include "sources/capture_privileges.h"
#include "sources/ebpf_live_source.h"
#include "sources/interface_tracker.h"
#include "sources/pcap_live_source.h"
#include "sources/steady_state_seccomp.h"

namespace sipmon {
namespace {

struct Opened {
  std::unique_ptr<LiveSource> source;
  int status = kExitOk;
};

Opened refuse(const CaptureOpenError& error) {
  std::cerr << "sipmon: "
            << (error.permission_denied ? missing_privileges_message(error.error.message) : error.error.message)
            << "\n";
  return Opened{nullptr, kExitUsage};
}

Opened open_source(const LiveOptions& options) {
  const LiveSettings settings{.interfaces = options.interfaces,
                              .ports = options.ports,
                              .snaplen = options.snaplen,
                              .buffer_bytes = static_cast<std::uint32_t>(options.ringbuf_size),
                              .vxlan_port = options.tables.vxlan_port,
                              .promiscuous = options.promiscuous,
                              .rtp_in_kernel = !options.rtp_in_user_space,
                              // Ports: a tracker entry holds an RTP port and, next to it, its RTCP port.
                              .max_media_endpoints = static_cast<std::uint32_t>(2 * options.tables.max_media_endpoints),
                              .max_rtp_streams = static_cast<std::uint32_t>(options.tables.max_media_streams)};
  if (options.source != "pcap") {
    auto ebpf = EbpfLiveSource::open(settings);
    if (ebpf) return Opened{std::move(*ebpf)};
    // Settings the user got wrong are wrong for libpcap too; anything else may be the kernel.
    if (options.source == "ebpf" || ebpf.error().error.kind == ErrorKind::usage) return refuse(ebpf.error());
    std::cerr << "sipmon: warning: eBPF capture unavailable (" << ebpf.error().error.message
              << "); falling back to libpcap\n";
  }
  auto pcap = PcapLiveSource::open(settings);
  if (!pcap) return refuse(pcap.error());
  return Opened{std::move(*pcap)};
}

// HEP's parts of a live run (docs/hep.md); each is null when not asked for.
struct HepParts {
  std::unique_ptr<HepListener> listener;
  std::unique_ptr<HepIngest> ingest;
  std::unique_ptr<HepSender> sender;
};

int exit_status(const LiveOutcome& outcome) {
  switch (outcome.reason) {
    case LiveOutcome::Reason::loop_failed:
    case LiveOutcome::Reason::source_failed:
      return kExitUsage;  // the report was still delivered, as far as it goes
    case LiveOutcome::Reason::stop_signal:
    case LiveOutcome::Reason::duration:
    case LiveOutcome::Reason::source_ended:
      break;
  }
  return outcome.delivered ? kExitOk : kExitOutputFailed;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

}  // namespace

CLI::App* add_live_command(CLI::App& app, LiveOptions& options) {
  CLI::App* live =
      app.add_subcommand("live", "Capture SIP on network interfaces (eBPF socket filter, libpcap fallback)");
  live->add_option("-i,--interface", options.interfaces,
                   "Interface to capture on; repeat for several (optional with --hep-listen)");
  live->add_option("--ports", options.ports,
                   "SIP ports to capture, UDP, TCP and SCTP, also inside tunnels, comma-separated (at most 16); "
                   "their IP fragments follow")
      ->delimiter(',')
      ->capture_default_str();
  live->add_option("--snaplen", options.snaplen, "Longest frame copied whole; longer ones are cut and counted")
      ->capture_default_str();
  live->add_option("--ringbuf-size", options.ringbuf_size,
                   "Ring buffer (eBPF) or kernel buffer (libpcap) size, a power of two (suffixes K, M)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  live->add_flag("--promiscuous", options.promiscuous,
                 "Also capture frames addressed to other MACs, as a switch's mirror (SPAN) port delivers them; "
                 "undone when capture stops");
  live->add_flag("--rtp-in-user-space", options.rtp_in_user_space,
                 "eBPF source: copy every RTP packet to user space and measure it there, instead of measuring it "
                 "in the kernel filter (docs/media.md); the libpcap source always does");
  live->add_option("--source", options.source, "Capture source: auto (eBPF, else libpcap), ebpf or pcap")
      ->check(CLI::IsMember({"auto", "ebpf", "pcap"}))
      ->capture_default_str();
  live->add_option("--out", options.out, "Write the JSON report (docs/report.md) to this file at exit, atomically");
  live->add_option("--report-interval", options.report_interval_s,
                   "Also rewrite --out every interval while capturing (e.g. 60s, 5m)")
      ->transform(CLI::AsNumberWithUnit(kTimeUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE));
  live->add_option("--duration", options.duration_s,
                   "Stop by itself after this long (e.g. 30s); default: until SIGINT/SIGTERM")
      ->transform(CLI::AsNumberWithUnit(kTimeUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE));
  live->add_option("--status-interval", options.status_interval_s,
                   "Print a one-line status (packets, SIP messages, attempts, SER, drops) on stderr this often "
                   "when stderr is a terminal or journald; 0: never")
      ->transform(CLI::AsNumberWithUnit(kTimeUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE))
      ->capture_default_str();
  live->add_flag("--json", options.json, "Print the JSON report on stdout at exit instead of a summary");
  live->add_option("--threads", options.threads,
                   "Use this many threads: the capture thread reads and decodes, the others count calls, split by "
                   "Call-ID; the report is the one of one thread (docs/live.md, \"Both cores\"); --calls, "
                   "--hep-out and --hep-listen use one")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  live->add_option("--user", options.user,
                   "Run as this user once capture is set up (started as root); --out must be writable by it");
  add_engine_table_options(*live, options.tables);
  add_metrics_options(*live, options.metrics, MetricsCommand::live);
  add_hep_options(*live, options.hep, HepCommand::live);
  add_calls_options(*live, options.calls);
  live->footer(
      "Examples:\n"
      "  sipmon live -i eth0 --listen :9160                    # SIP on 5060/5061, Prometheus /metrics\n"
      "  sipmon live -i eth0 -i eth1 --ports 5060,5061,5080 --out /var/lib/sipmon/report.json --report-interval 60s\n"
      "  sipmon live -i lo --duration 30s --json                # half a minute of loopback SIP\n"
      "  sipmon live -i eth0 --source pcap                     # libpcap instead of the eBPF filter\n"
      "  sipmon live --hep-listen :9060 --hep-key s3cret       # SIP (TLS included) exported by SIP servers\n"
      "Needs root or CAP_BPF, CAP_NET_RAW and CAP_PERFMON (see docs/live.md); all are dropped once capture runs.");
  return live;
}

int run_live(const LiveOptions& options) {
  if (options.interfaces.empty() && options.hep.listen.empty()) {
    std::cerr << "sipmon: live needs an interface (-i) or a HEP listener (--hep-listen), or both\n";
    return kExitUsage;
  }
  if (auto error = live_ports_error(options.ports)) {
    std::cerr << "sipmon: " << *error << "\n";
    return kExitUsage;
  }
  for (std::size_t i = 0; i < options.interfaces.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (options.interfaces[i] == options.interfaces[j]) {
        std::cerr << "sipmon: interface " << options.interfaces[i] << " given twice: its packets would count twice\n";
        return kExitUsage;
      }
    }
  }
  if (options.report_interval_s > 0 && options.out.empty()) {
    std::cerr << "sipmon: --report-interval rewrites the --out file: give --out too\n";
    return kExitUsage;
  }
  if (options.ringbuf_size > (1ull << 30)) {
    std::cerr << "sipmon: --ringbuf-size is limited to 1 GiB\n";
    return kExitUsage;
  }

  // Before anything else, and before any thread starts: the stop signals arrive through a
  // signalfd, in the session's loop (live/stop_signals.h).
  // With --calls, SIGHUP reopens the records file (logrotate's postrotate) instead of ending sipmon.
  auto stop = StopSignals::open(options.calls.enabled());
  if (!stop) {
    std::cerr << "sipmon: " << stop.error().message << "\n";
    return kExitUsage;
  }

  std::optional<RunAsUser> user;
  if (!options.user.empty()) {
    auto found = find_user(options.user);
    if (!found) {
      std::cerr << "sipmon: " << found.error().message << "\n";
      return kExitUsage;
    }
    user = std::move(*found);
  }
  Opened opened;
  if (!options.interfaces.empty()) {
    opened = open_source(options);
    if (!opened.source) return opened.status;
  }
  LiveSource* source = opened.source.get();
  HepParts hep;
  if (!options.hep.listen.empty()) {
    auto listener = open_hep_listener(options.hep);
    if (!listener) {
      std::cerr << "sipmon: " << listener.error().message << "\n";
      return kExitUsage;
    }
    hep.listener = std::move(*listener);
  }
  auto sender = start_hep_sender(options.hep, HepCommand::live);
  if (!sender) {
    std::cerr << "sipmon: " << sender.error().message << "\n";
    return kExitUsage;
  }
  hep.sender = std::move(*sender);
  // Interfaces deleted and re-created while capturing are followed (docs/live.md).
  InterfaceTracker tracker(options.interfaces);
  std::optional<InterfaceWatch> link_watch;
  if (source) {
    auto watch = InterfaceWatch::open(options.interfaces);
    if (watch) {
      link_watch.emplace(std::move(*watch));
    } else {
      std::cerr << "sipmon: warning: deleted interfaces will go unnoticed: " << watch.error().message << "\n";
    }
  }
  // Before any thread starts: capabilities and ids belong to threads, and the metrics server's
  // threads must not inherit them. A --user that cannot be honoured stops the run.
  if (auto dropped = drop_privileges(user); !dropped) {
    std::cerr << "sipmon: " << (user ? "" : "warning: ") << dropped.error().message << "\n";
    if (user) return kExitUsage;
  }

  auto started = start_metrics(options.metrics);
  if (!started) {
    std::cerr << "sipmon: " << started.error().message << "\n";
    return kExitUsage;
  }
  MetricsOutputs& outputs = *started->outputs;
  // With the rights the capture keeps (privileges are dropped above): a report that could not be
  // written at the end would cost the whole capture.
  if (!options.out.empty()) {
    if (auto writable = check_output_path("--out", options.out); !writable) {
      std::cerr << "sipmon: " << writable.error().message << "\n";
      return kExitUsage;
    }
  }
  if (outputs.listening()) std::cerr << "sipmon: serving metrics on " << outputs.listen_url() << "\n";

  // Opened with the rights of the steady state (privileges are dropped above), for appending.
  std::unique_ptr<CallRecordFile> calls;
  if (options.calls.enabled()) {
    auto records = CallRecordFile::open(options.calls.path);
    if (!records) {
      std::cerr << "sipmon: " << records.error().message << "\n";
      return kExitUsage;
    }
    calls = std::move(*records);
  }

  // Live, timeouts and session expiry run on the wall clock, which the session passes to the
  // engine (docs/metrics.md, "Time").
  EngineConfig config{
      .ports = options.ports, .wall_clock = true, .peers = started->peers, .hosts = {}, .observer = hep.sender.get()};
  apply_engine_table_options(options.tables, config);
  // The eBPF filter passes the RTP and RTCP of the endpoints the calls' SDP announces.
  std::unique_ptr<LiveMediaEndpoints> media_endpoints;
  if (source) {
    media_endpoints = std::make_unique<LiveMediaEndpoints>(*source);
    config.media.endpoint_observer = media_endpoints.get();
  }
  // With --calls, the failure analysis reads the records on their way to the file and feeds
  // sipmon_session_failures_total and the User-Agent families (docs/calls.md).
  std::unique_ptr<FailureAnalysis> failures;
  std::unique_ptr<PrometheusFailureMetrics> failure_metrics;
  if (calls) {
    failures = std::make_unique<FailureAnalysis>(&calls->writer());
    failure_metrics = std::make_unique<PrometheusFailureMetrics>(*outputs.metrics().registry());
    config.call_records = failures.get();
    config.recorder = options.calls.recorder();
  }
  // --threads N: the sharded engines (docs/live.md, "Both cores"). Call records close in the order
  // of one engine's events, --hep-out forwards in capture order and HEP input enters one engine
  // directly: those keep one engine, and say so.
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ShardedEngine> sharded;
  std::unique_ptr<LiveAnalysis> analysis;
  if (options.threads > 1) {
    std::string kept;
    if (calls) kept = "--calls";
    if (hep.sender) kept += std::string(kept.empty() ? "" : ", ") + "--hep-out";
    if (hep.listener) kept += std::string(kept.empty() ? "" : ", ") + "--hep-listen";
    if (kept.empty()) {
      sharded = std::make_unique<ShardedEngine>(config, options.threads - 1);  // the capture thread is one
      analysis = std::make_unique<ShardedAnalysis>(*sharded);
    } else {
      std::cerr << "sipmon: note: --threads " << options.threads << " ignored: " << kept
                << " need(s) one engine; counting on the capture thread\n";
    }
  }
  if (!analysis) {
    engine = std::make_unique<Engine>(std::move(config));
    analysis = std::make_unique<SingleEngineAnalysis>(*engine);
  }
  if (hep.listener) hep.ingest = std::make_unique<HepIngest>(hep_ingest_config(options.hep), *engine);

  // Nobody reads a status line in a pipe or a CI log: only on a terminal or in the journal.
  const bool show_status = options.status_interval_s > 0 && stderr_is_watched();
  using Seconds = std::chrono::duration<double>;
  LiveSessionConfig session_config{.report_interval = Seconds(options.report_interval_s),
                                   .status_interval = Seconds(show_status ? options.status_interval_s : 0),
                                   .duration = Seconds(options.duration_s)};
  LiveParts parts{.capture = source,
                  .interfaces = options.interfaces,
                  .links = link_watch ? &*link_watch : nullptr,
                  .tracker = &tracker,
                  .hep_listener = hep.listener.get(),
                  .hep_ingest = hep.ingest.get(),
                  .hep_sender = hep.sender.get(),
                  .hep_flush_seconds = kHepFlushSeconds};
  LiveOutputs publisher(
      LiveOutputsConfig{.report_path = options.out, .json = options.json}, outputs, tracker, std::cout, std::cerr,
      LiveCallOutputs{.file = calls.get(), .failures = failures.get(), .failure_metrics = failure_metrics.get()});
  LiveSession session(std::move(session_config), std::move(parts), *analysis, **stop, publisher, std::cerr);
  if (auto session_opened = session.open(); !session_opened) {
    std::cerr << "sipmon: " << session_opened.error().message << "\n";
    return kExitUsage;
  }
  outputs.start_periodic_push();

  // Everything is open and every thread started: from here on, the steady-state allow-list, HEP's
  // sockets included (accept, connect and reconnects are on it: steady_state_seccomp_test.cpp).
  if (auto filtered = install_steady_state_filter(); !filtered)
    std::cerr << "sipmon: warning: " << filtered.error().message << "\n";

  std::string ports;
  for (std::uint16_t port : options.ports) ports += (ports.empty() ? "" : ",") + std::to_string(port);
  // Scripts wait for these lines: from here on every matching packet is captured.
  if (hep.listener) std::cerr << "sipmon: receiving HEP on " << hep.listener->address() << " (udp, tcp)" << std::endl;
  if (hep.sender)
    std::cerr << "sipmon: sending HEP to " << options.hep.out << " (" << options.hep.transport << ")" << std::endl;
  if (source) {
    std::cerr << "sipmon: capturing on " << join(options.interfaces) << " (" << source->name() << "), ports " << ports
              << std::endl;
  }

  const LiveOutcome outcome = session.run();
  if (outcome.reason == LiveOutcome::Reason::loop_failed) std::cerr << "sipmon: " << outcome.message << "\n";
  return exit_status(outcome);
}

}  // namespace sipmon
