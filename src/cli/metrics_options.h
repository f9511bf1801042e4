#pragma once
// The Prometheus options a command can take, shared by `replay` and `live`, and their translation
// into what src/outputs runs (outputs/metrics_outputs.h):
//   --listen [ADDR]   /metrics and /healthz over HTTP (replay: 127.0.0.1:9160, live: 0.0.0.0:9160),
//                     with --web-config FILE for basic auth and TLS (outputs/web_config.h)
//   --push URL        Pushgateway, with --job, repeatable --grouping KEY=VALUE and --push-timeout
//   --prom-file FILE  exposition file for node_exporter's textfile collector (replay)
//   --compat sip-exporter
//   --peers FILE      per-peer request/response counts (the engine counts them; see EngineConfig)
//
// How a command wires them: start_metrics(opts), which does in this order
//   the --peers table                                    // for EngineConfig::peers
//   metrics_outputs_config(opts);                        // every option checked, nothing started
//   MetricsOutputs::start(config);                       // binds --listen (a busy port fails here)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "analysis/error.h"
#include "analysis/peer_table.h"
#include "outputs/metrics_outputs.h"

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

// Checks every metrics option together (--grouping needs --push, --web-config needs --listen, ...)
// and says which one is wrong; starts nothing.
Expected<MetricsOutputsConfig> metrics_outputs_config(const MetricsOptions& options);

// What a command's metrics options start, or the first of the three steps above that failed.
struct StartedMetrics {
  std::shared_ptr<const PeerTable> peers;  // null without --peers
  std::unique_ptr<MetricsOutputs> outputs;
};
Expected<StartedMetrics> start_metrics(const MetricsOptions& options);

}  // namespace sipmon
