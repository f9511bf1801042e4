#include "outputs/metrics_outputs.h"

#include <iostream>
#include <mutex>

#include "outputs/atomic_file.h"
#include "outputs/metrics_http_server.h"
#include "outputs/periodic_push.h"
#include "outputs/pushgateway_client.h"
#include "outputs/web_config.h"

namespace sipmon {

struct MetricsOutputs::Endpoints {
  std::string listen_url;  // "http://ADDR" or "https://ADDR"
  std::unique_ptr<MetricsHttpServer> http;
  std::unique_ptr<PushgatewayClient> gateway;
  std::mutex push_mutex;                   // one push at a time (the periodic thread and a final push)
  std::unique_ptr<PeriodicPush> periodic;  // declared last: its thread stops first
};

MetricsOutputs::MetricsOutputs(const MetricsOutputsConfig& config)
    : config_(config), metrics_(config.metrics), endpoints_(std::make_unique<Endpoints>()) {}

MetricsOutputs::~MetricsOutputs() = default;

Expected<std::unique_ptr<MetricsOutputs>> MetricsOutputs::start(const MetricsOutputsConfig& config) {
  std::unique_ptr<MetricsOutputs> outputs(new MetricsOutputs(config));
  Endpoints& endpoints = *outputs->endpoints_;

  if (config.push) {
    // Loaded here, before live capture's steady-state allow-list, which has no dlopen.
    const auto curl = load_libcurl();
    if (!curl) return tl::unexpected(curl.error());
    endpoints.gateway = std::make_unique<PushgatewayClient>(**curl, config.push->base, config.push->job,
                                                            config.push->labels, config.push->timeout);
    outputs->metrics_.add_push_failures(0);  // the family exists from the start: 0 is measured
  }

  if (!config.prom_file.empty()) {
    if (auto writable = check_output_path("--prom-file", config.prom_file); !writable)
      return make_error(ErrorKind::usage, writable.error().message);
  }

  if (config.listen) {
    WebConfig web;
    if (!config.listen->web_config_path.empty()) {
      auto loaded = load_web_config(config.listen->web_config_path);
      if (!loaded) return tl::unexpected(loaded.error());
      web = std::move(*loaded);
    }
    const std::string address = config.listen->host + ":" + config.listen->port;
    PrometheusMetrics& metrics = outputs->metrics_;
    auto http = MetricsHttpServer::start(config.listen->host, config.listen->port, web, MetricsHttpLimits{},
                                         [&metrics] { return metrics.render(); });
    if (!http) {
      return make_error(ErrorKind::usage,
                        "--listen " + address + ": cannot serve metrics there: " + http.error().message);
    }
    endpoints.http = std::move(*http);
    endpoints.listen_url = (endpoints.http->tls() ? "https://" : "http://") + address;
  }
  return outputs;
}

bool MetricsOutputs::listening() const { return endpoints_->http != nullptr; }

std::string MetricsOutputs::listen_url() const { return endpoints_->listen_url + "/metrics"; }

bool MetricsOutputs::pushing() const { return endpoints_->gateway != nullptr; }

Expected<void> MetricsOutputs::push() {
  if (!endpoints_->gateway) return {};
  const std::lock_guard lock(endpoints_->push_mutex);
  auto pushed = endpoints_->gateway->push(metrics_.render());
  if (pushed) return {};
  metrics_.add_push_failures(1);
  return tl::unexpected(pushed.error());
}

void MetricsOutputs::start_periodic_push() {
  if (!endpoints_->gateway) return;
  if (!endpoints_->periodic) {
    PushgatewayClient& gateway = *endpoints_->gateway;
    endpoints_->periodic = std::make_unique<PeriodicPush>(
        config_.push->interval,
        [this] {
          if (auto pushed = push(); !pushed) std::cerr << "sipmon: " << pushed.error().message << "\n";
        },
        [&gateway] { gateway.cancel(); }, [&gateway] { gateway.resume(); });
  }
  endpoints_->periodic->start();
}

Expected<void> MetricsOutputs::stop_periodic_push() {
  if (endpoints_->periodic) endpoints_->periodic->stop();
  return push();
}

Expected<void> MetricsOutputs::write_prom_file() {
  if (config_.prom_file.empty()) return {};
  return write_file_atomically(config_.prom_file, metrics_.render());
}

}  // namespace sipmon
