#include "cli/live_command.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "analysis/engine.h"
#include "cli/exit_codes.h"
#include "cli/hep_options.h"
#include "cli/progress.h"
#include "outputs/atomic_file.h"
#include "outputs/json_report.h"
#include "outputs/prometheus_failures.h"
#include "outputs/text_summary.h"
#include "sources/capture_privileges.h"
#include "sources/ebpf_live_source.h"
#include "sources/interface_tracker.h"
#include "sources/pcap_live_source.h"
#include "sources/steady_state_seccomp.h"

namespace sipmon {
namespace {

const std::map<std::string, double> kTimeUnits{{"s", 1}, {"m", 60}, {"h", 3600}, {"ms", 0.001}};

// Owns a file descriptor made for the event loop.
struct Fd {
  explicit Fd(int value) : fd(value) {}
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

Fd make_timer(double seconds, bool periodic) {
  Fd timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (timer.fd < 0 || seconds <= 0) return timer;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(seconds);
  spec.it_value.tv_nsec = static_cast<long>(std::fmod(seconds, 1.0) * 1e9);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (periodic) spec.it_interval = spec.it_value;
  timerfd_settime(timer.fd, 0, &spec, nullptr);
  return timer;
}

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
                              .buffer_bytes = static_cast<std::uint32_t>(options.ringbuf_size)};
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

Report snapshot(const Engine& engine, const LiveSource* source, const HepParts& hep, const LiveOptions& options) {
  Report report = engine.report();
  if (source) {
    const LiveCounters counters = source->counters();
    report.capture.live = LiveCaptureReport{
        .source = source->name(), .interfaces = options.interfaces, .kernel = counters.kernel, .drops = counters.drops};
  }
  if (hep.ingest) {
    report.capture.hep_in = hep.ingest->report();
    report.capture.hep_in->socket_drops = hep.listener->socket_drops();
  }
  if (hep.sender) report.capture.hep_out = hep.sender->report();
  return report;
}

// How often the Prometheus registry is brought up to date while capturing: scrapes and pushes
// read it in between, so this bounds how stale a scraped figure can be.
constexpr double kMetricsRefreshSeconds = 1.0;

void publish(const Report& report, const InterfaceTracker& interfaces, MetricsOutputs& outputs) {
  outputs.metrics().update(report);
  if (report.capture.live) outputs.metrics().update_capture_drops(report.capture.live->drops);
  outputs.metrics().update_capture_interfaces(interfaces.status(InterfaceTracker::Clock::now()));
}

bool write_report(const Report& report, const std::string& path) {
  if (path.empty()) return true;
  if (auto written = write_file_atomically(path, render_json_report(report)); !written) {
    std::cerr << "sipmon: " << written.error().message << "\n";
    return false;
  }
  return true;
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
                   "SIP ports to capture, UDP and TCP, comma-separated (at most 16); their IP fragments follow")
      ->delimiter(',')
      ->capture_default_str();
  live->add_option("--snaplen", options.snaplen, "Longest frame copied whole; longer ones are cut and counted")
      ->capture_default_str();
  live->add_option("--ringbuf-size", options.ringbuf_size,
                   "Ring buffer (eBPF) or kernel buffer (libpcap) size, a power of two (suffixes K, M)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
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
  if (options.ports.empty() || options.ports.size() > kLiveMaxPorts) {
    std::cerr << "sipmon: --ports takes 1 to " << kLiveMaxPorts << " ports\n";
    return kExitUsage;
  }
  for (std::uint16_t port : options.ports) {
    if (port == 0) {
      std::cerr << "sipmon: --ports: 0 is not a port\n";
      return kExitUsage;
    }
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

  // Block the stop signals before anything else so they arrive through signalfd, in the loop. A
  // shell starts background jobs with SIGINT ignored; an ignored signal is discarded, not queued,
  // so restore the default disposition first (blocked, it still cannot kill the process).
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // With --calls, SIGHUP reopens the records file (logrotate's postrotate) instead of ending sipmon.
  if (options.calls.enabled()) sigaddset(&stop_signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  Fd signals(signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK));

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

  auto started = MetricsOutputs::start(options.metrics);
  if (!started) {
    std::cerr << "sipmon: " << started.error().message << "\n";
    return kExitUsage;
  }
  MetricsOutputs& outputs = **started;
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
    auto opened = CallRecordFile::open(options.calls.path);
    if (!opened) {
      std::cerr << "sipmon: " << opened.error().message << "\n";
      return kExitUsage;
    }
    calls = std::move(*opened);
  }

  // Live, timeouts and session expiry run on the wall clock (docs/metrics.md, "Time").
  EngineConfig config{
      .ports = options.ports, .wall_clock = true, .peers = outputs.peers(), .observer = hep.sender.get()};
  apply_engine_table_options(options.tables, config);
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
  Engine engine(std::move(config));
  if (hep.listener) hep.ingest = std::make_unique<HepIngest>(hep_ingest_config(options.hep), engine);
  publish(snapshot(engine, source, hep, options), tracker, outputs);  // every family present from the first scrape
  outputs.start_periodic_push();
  Fd metrics_timer = make_timer(kMetricsRefreshSeconds, true);
  Fd report_timer = make_timer(options.report_interval_s, true);
  Fd duration_timer = make_timer(options.duration_s, false);
  // Nobody reads a status line in a pipe or a CI log: only on a terminal or in the journal.
  const bool show_status = options.status_interval_s > 0 && stderr_is_watched();
  Fd status_timer = make_timer(show_status ? options.status_interval_s : 0, true);
  Fd epoll(epoll_create1(EPOLL_CLOEXEC));
  enum : std::uint32_t { kSource, kSignal, kReportTimer, kDurationTimer, kMetricsTimer, kHep, kStatusTimer, kLinks };
  auto watch = [&](int fd, std::uint32_t tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = tag;
    return epoll_ctl(epoll.fd, EPOLL_CTL_ADD, fd, &event) == 0;
  };
  bool watching = epoll.fd >= 0 && signals.fd >= 0 && watch(signals.fd, kSignal) && metrics_timer.fd >= 0 &&
                  watch(metrics_timer.fd, kMetricsTimer);
  if (source) {
    for (int fd : source->poll_fds()) watching = watching && watch(fd, kSource);
  }
  if (hep.listener) watching = watching && watch(hep.listener->poll_fd(), kHep);
  if (link_watch) watching = watching && watch(link_watch->fd(), kLinks);
  if (options.report_interval_s > 0)
    watching = watching && report_timer.fd >= 0 && watch(report_timer.fd, kReportTimer);
  if (options.duration_s > 0) watching = watching && duration_timer.fd >= 0 && watch(duration_timer.fd, kDurationTimer);
  if (show_status) watching = watching && status_timer.fd >= 0 && watch(status_timer.fd, kStatusTimer);
  if (!watching) {
    std::cerr << "sipmon: cannot set up the event loop: " << std::strerror(errno) << "\n";
    return kExitUsage;
  }

  // Everything is open and every thread started: from here on, the steady-state allow-list. It was
  // traced for interface capture; HEP's sockets (accept, connect, reconnects) are not on it yet,
  // so a run with --hep-listen or --hep-out goes without it (docs/live.md).
  if (!hep.listener && !hep.sender) {
    if (auto filtered = install_steady_state_filter(); !filtered)
      std::cerr << "sipmon: warning: " << filtered.error().message << "\n";
  }

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

  bool running = true;
  int status = kExitOk;
  while (running) {
    epoll_event events[8];
    const int ready = epoll_wait(epoll.fd, events, 8, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      std::cerr << "sipmon: epoll_wait: " << std::strerror(errno) << "\n";
      status = kExitUsage;
      break;
    }
    for (int i = 0; i < ready; ++i) {
      std::uint64_t expirations = 0;
      switch (events[i].data.u32) {
        case kSource:
          source->drain(engine);
          break;
        case kHep:
          hep.listener->drain(*hep.ingest);
          break;
        case kReportTimer:
          if (::read(report_timer.fd, &expirations, sizeof expirations) > 0) {
            write_report(snapshot(engine, source, hep, options), options.out);
          }
          break;
        case kMetricsTimer:
          if (::read(metrics_timer.fd, &expirations, sizeof expirations) > 0) {
            engine.tick();  // a silent network still times out attempts and expires dialogs
            publish(snapshot(engine, source, hep, options), tracker, outputs);
            if (failure_metrics) failure_metrics->update(*failures);
          }
          break;
        case kStatusTimer:
          if (::read(status_timer.fd, &expirations, sizeof expirations) > 0) {
            std::cerr << "sipmon: status: " << render_status_line(snapshot(engine, source, hep, options)) << std::endl;
          }
          break;
        case kLinks:
          if (source) tracker.follow(*link_watch, *source, std::cerr);
          break;
        case kSignal: {
          // Taken, so that it is not delivered again once the stop signals are unblocked below.
          signalfd_siginfo taken{};
          (void)!::read(signals.fd, &taken, sizeof taken);
          if (taken.ssi_signo == SIGHUP && calls) {
            if (auto reopened = calls->reopen(); !reopened) {
              std::cerr << "sipmon: " << reopened.error().message << "\n";
            }
            break;
          }
          running = false;
          break;
        }
        case kDurationTimer:
          running = false;
          break;
      }
    }
  }

  // Stop taking packets, then empty what the kernel already buffered: the report covers every
  // packet captured up to the stop.
  if (source) {
    source->stop();
    source->drain(engine);
    source->drain(engine);
  }
  if (hep.listener) {
    hep.listener->drain(*hep.ingest);  // what the sockets already hold
    hep.listener->stop();
  }
  if (hep.sender) hep.sender->finish(kHepFlushSeconds);
  engine.tick();
  const Report report = snapshot(engine, source, hep, options);
  publish(report, tracker, outputs);
  // Files first, the network last (bounded by --push-timeout): a hung gateway costs its push, never
  // the report, and the stop signal was already taken.
  if (!write_report(report, options.out)) status = kExitOutputFailed;
  std::cout << (options.json ? render_json_report(report) : render_text_summary(report)) << std::flush;
  // The calls still open are written last (pending, or established with "ended": null), after
  // the report was taken, so that the report is the same with or without --calls.
  if (calls) {
    engine.finish();
    failure_metrics->update(*failures);  // for the final push below
  }
  // Everything local is delivered: a second SIGTERM/SIGINT now ends sipmon at once (default action)
  // instead of waiting for the final push.
  sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
  if (auto pushed = outputs.stop_periodic_push(); !pushed) {
    std::cerr << "sipmon: final " << pushed.error().message << "\n";
    if (status == kExitOk) status = kExitOutputFailed;
  }
  return status;
}

}  // namespace sipmon
