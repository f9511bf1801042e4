#pragma once
// The Prometheus outputs a command can ask for, all reading the one registry of PrometheusMetrics:
//   /metrics and /healthz over HTTP(S) (MetricsHttpServer, with a web-config file for basic auth
//   and TLS), the Pushgateway (PushgatewayClient: once, or periodically on a thread of its own),
//   and an exposition file for node_exporter's textfile collector. The command line turns its
//   options into a MetricsOutputsConfig (src/cli/metrics_options.h); this is where they run.
//
// How a command uses it:
//   auto outputs = MetricsOutputs::start(config);  // binds the listener (a busy port fails here),
//                                                  // checks that the exposition file can be written
//   ... outputs->metrics().update(engine.report()) whenever figures change ...
//   outputs->write_prom_file();                    // replay: files first,
//   outputs->push();                               // then the network, bounded by the push timeout
//   outputs->start_periodic_push(); ... outputs->stop_periodic_push();   // live
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "analysis/error.h"
#include "outputs/prometheus_metrics.h"

namespace sipmon {

struct MetricsListenConfig {
  std::string host;  // as MetricsHttpServer takes it: "127.0.0.1", "[::1]", "0.0.0.0"
  std::string port;
  std::string web_config_path;  // exporter-toolkit web-config file (outputs/web_config.h), or ""
};

struct MetricsPushConfig {
  std::string base;                            // "http://HOST:PORT"
  std::string job;                             // checked to be usable as a URL path segment
  std::map<std::string, std::string> labels;   // grouping labels, checked likewise
  std::chrono::milliseconds timeout{5000};     // per push: connect, send and answer
  std::chrono::duration<double> interval{15};  // between periodic pushes (live)
};

struct MetricsOutputsConfig {
  std::optional<MetricsListenConfig> listen;
  std::optional<MetricsPushConfig> push;
  std::string prom_file;  // "" for none
  PrometheusMetricsOptions metrics{};
};

class MetricsOutputs {
 public:
  // Creates the registry, loads the web config, binds the listener and checks that the exposition
  // file can be written. Errors name the option at fault (or the address that is busy).
  static Expected<std::unique_ptr<MetricsOutputs>> start(const MetricsOutputsConfig& config);
  ~MetricsOutputs();

  PrometheusMetrics& metrics() { return metrics_; }

  bool listening() const;
  std::string listen_url() const;  // "http://ADDR/metrics", for the log
  bool pushing() const;
  bool writes_prom_file() const { return !config_.prom_file.empty(); }

  // One push of the whole registry, bounded by the push timeout. A failure is counted in
  // sipmon_push_failures_total and its error names the URL; nothing else is affected. No-op
  // without a gateway.
  Expected<void> push();
  // Writes the exposition file atomically. No-op without one.
  Expected<void> write_prom_file();

  // `live`: pushes every interval on a thread of its own (outputs/periodic_push.h) until
  // stop_periodic_push(), which makes one last push (call it after the last update(), on
  // SIGTERM/SIGINT): a periodic push still under way is cancelled first, so stopping takes at most
  // about the push timeout. A failed periodic push is logged on stderr and counted; the capture
  // never waits for the gateway. No-op without a gateway.
  void start_periodic_push();
  Expected<void> stop_periodic_push();

 private:
  explicit MetricsOutputs(const MetricsOutputsConfig& config);

  struct Endpoints;
  MetricsOutputsConfig config_;
  PrometheusMetrics metrics_;
  std::unique_ptr<Endpoints> endpoints_;
};

}  // namespace sipmon
