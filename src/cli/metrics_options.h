#pragma once
// The Prometheus outputs a command can ask for, shared by `replay` and `live`:
//   --listen [ADDR]   /metrics and /healthz over HTTP (replay: 127.0.0.1:9160, live: 0.0.0.0:9160),
//                     with --web-config FILE for basic auth and TLS (outputs/web_config.h)
//   --push URL        Pushgateway, with --job, repeatable --grouping KEY=VALUE and --push-timeout
//   --prom-file FILE  exposition file for node_exporter's textfile collector (replay)
//   --compat sip-exporter
//   --peers FILE      per-peer request/response counts (the engine counts them; see EngineConfig)
// All three read the one registry of PrometheusMetrics.
//
// How a command uses it:
//   block_termination_signals();                  // before any thread starts (only if it waits)
//   auto outputs = MetricsOutputs::start(opts);   // binds --listen (a busy port fails here), checks
//                                                 // that --prom-file can be written
//   Engine engine(EngineConfig{..., .peers = outputs->peers()});
//   ... feed the engine; outputs->metrics().update(engine.report()) whenever figures change ...
//   outputs->write_prom_file();                   // replay: files first,
//   outputs->push();                              // then the network, bounded by --push-timeout
//   outputs->start_periodic_push(); ... outputs->stop_periodic_push();   // live
//   if (outputs->listening()) wait_for_termination_signal();
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "analysis/error.h"
#include "analysis/peer_table.h"
#include "outputs/prometheus_metrics.h"

namespace sipmon {

// Not registered on the Prometheus "default port allocations" wiki; pick another with --listen.
inline constexpr std::uint16_t kDefaultMetricsPort = 9160;

// Where a bare --listen binds: replay serves a finished report to whoever asks on this host only;
// live is an exporter that the Prometheus server on another host scrapes (docs/prometheus.md).
inline constexpr std::string_view kReplayListenHost = "127.0.0.1";
inline constexpr std::string_view kLiveListenHost = "0.0.0.0";

struct MetricsOptions {
  bool listen_requested = false;
  std::string listen;  // as given; empty with listen_requested means the default address
  std::string default_listen_host = std::string(kLiveListenHost);
  std::string web_config;  // exporter-toolkit web-config file: basic auth, TLS
  std::string push_url;
  double push_timeout_s = 5;
  std::string job = "sipmon";
  std::vector<std::string> grouping;  // KEY=VALUE
  double push_interval_s = 15;        // live only
  std::string prom_file;
  std::string compat;  // "" or "sip-exporter"
  std::string peers_file;
};

enum class MetricsCommand { replay, live };

void add_metrics_options(CLI::App& command, MetricsOptions& options, MetricsCommand kind);

// "HOST:PORT", "[V6]:PORT", ":PORT" (all IPv4 interfaces), "HOST" (default port), or "" (the
// default host, port 9160) -> "HOST:PORT", with IPv6 hosts in brackets.
Expected<std::string> listen_address(std::string_view text, std::string_view default_host = kLiveListenHost);

struct PushTarget {
  std::string host;  // with its scheme: "http://127.0.0.1"
  std::string port;
  std::string base() const { return host + ":" + port; }
};
// "http://HOST[:PORT][/]" (https too); the port defaults to the Pushgateway's 9091.
Expected<PushTarget> parse_push_url(std::string_view url);

class MetricsOutputs {
 public:
  // Validates the options, creates the registry, binds the listener and checks that --prom-file
  // can be written. Errors say which option is wrong (or which address is busy).
  static Expected<std::unique_ptr<MetricsOutputs>> start(const MetricsOptions& options);
  ~MetricsOutputs();

  PrometheusMetrics& metrics() { return metrics_; }
  // The --peers table for EngineConfig::peers, or null.
  std::shared_ptr<const PeerTable> peers() const { return peers_; }

  bool listening() const;
  std::string listen_url() const;  // "http://ADDR/metrics", for the log
  bool pushing() const;
  bool writes_prom_file() const { return !options_.prom_file.empty(); }
  std::chrono::duration<double> push_interval() const {
    return std::chrono::duration<double>(options_.push_interval_s);
  }

  // One push of the whole registry, bounded by --push-timeout. A failure is counted in
  // sipmon_push_failures_total and its error names the URL; nothing else is affected. No-op
  // without --push.
  Expected<void> push();
  // Writes --prom-file atomically. No-op without it.
  Expected<void> write_prom_file();

  // `live`: pushes every push_interval() on a thread of its own until stop_periodic_push(), which
  // makes one last push (call it after the last update(), on SIGTERM/SIGINT): a periodic push
  // still under way is cancelled first, so stopping takes at most about --push-timeout. A failed
  // push is logged on stderr and counted; the capture never waits for the gateway. No-op without
  // --push.
  void start_periodic_push();
  Expected<void> stop_periodic_push();

 private:
  MetricsOutputs(const MetricsOptions& options, PrometheusMetricsOptions metrics_options);

  struct Servers;
  MetricsOptions options_;
  PrometheusMetrics metrics_;
  std::shared_ptr<const PeerTable> peers_;
  std::unique_ptr<Servers> servers_;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so that
// wait_for_termination_signal() receives them instead of the default action killing the process.
void block_termination_signals();
// Waits for SIGINT or SIGTERM (blocked beforehand) and returns its number.
int wait_for_termination_signal();

}  // namespace sipmon
