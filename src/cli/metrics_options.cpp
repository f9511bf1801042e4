#include "cli/metrics_options.h"

#include <signal.h>

#include <charconv>
#include <cmath>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "outputs/atomic_file.h"
#include "outputs/metrics_http_server.h"
#include "outputs/pushgateway_client.h"
#include "outputs/web_config.h"

namespace sipmon {
namespace {

constexpr std::string_view kDefaultPushPort = "9091";

bool valid_port(std::string_view text) {
  unsigned port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

// Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*, and "__" is reserved.
bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

Expected<std::map<std::string, std::string>> grouping_labels(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> labels;
  for (const std::string& pair : pairs) {
    const auto eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (eq == std::string::npos || !valid_label_name(key) || key == "job") {
      return make_error(ErrorKind::usage,
                        "--grouping " + pair + ": expected KEY=VALUE with KEY a label name other than job");
    }
    // The value becomes a URL path segment (prometheus-cpp does not encode it).
    if (value.empty() || value.find_first_of("/?#% ") != std::string::npos) {
      return make_error(ErrorKind::usage,
                        "--grouping " + pair + ": the value must be non-empty, without '/', '?', '#', '%' or spaces");
    }
    labels[key] = value;
  }
  return labels;
}

}  // namespace

void add_metrics_options(CLI::App& command, MetricsOptions& options, MetricsCommand kind) {
  const std::string after = kind == MetricsCommand::replay ? " after the replay, until SIGINT/SIGTERM" : "";
  options.default_listen_host = std::string(kind == MetricsCommand::replay ? kReplayListenHost : kLiveListenHost);
  command
      .add_option_function<std::vector<std::string>>(
          "--listen",
          [&options](const std::vector<std::string>& values) {
            options.listen_requested = true;
            options.listen = values.empty() ? "" : values.back();
          },
          "Serve /metrics and /healthz" + after +
              "; ADDR is HOST:PORT, [IPV6]:PORT, :PORT (all IPv4 interfaces) or HOST "
              "(default " +
              options.default_listen_host + ":" + std::to_string(kDefaultMetricsPort) + ")" +
              (kind == MetricsCommand::replay ? ". Without ADDR, put --listen after the files" : ""))
      ->expected(0, 1)
      ->type_name("[ADDR]");
  command
      .add_option("--web-config", options.web_config,
                  "Basic auth users (bcrypt) and TLS for --listen, in the Prometheus exporter-toolkit web-config "
                  "format (docs/prometheus.md)")
      ->check(CLI::ExistingFile);
  command.add_option("--push", options.push_url,
                     std::string("Push the metrics to this Pushgateway (http://HOST[:PORT], default port 9091)") +
                         (kind == MetricsCommand::replay ? " once at the end" : " every --push-interval and on exit"));
  command.add_option("--job", options.job, "Pushgateway job name")->capture_default_str();
  command
      .add_option("--push-timeout", options.push_timeout_s,
                  "Seconds a push may take (connect, send, answer) before it counts as failed")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 300.0));
  command
      .add_option("--grouping", options.grouping,
                  "Pushgateway grouping label KEY=VALUE (repeatable), e.g. instance=sbc1")
      ->allow_extra_args(false);
  if (kind == MetricsCommand::live) {
    command.add_option("--push-interval", options.push_interval_s, "Seconds between pushes")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 86400.0));
  } else {
    command.add_option("--prom-file", options.prom_file,
                       "Write the metrics in the Prometheus text format to this file (atomically), for "
                       "node_exporter's textfile collector");
  }
  command
      .add_option("--peers", options.peers_file,
                  "Also count requests and responses per peer: a file of 'NAME CIDR...' lines "
                  "(docs/prometheus.md); other addresses count as 'other'")
      ->check(CLI::ExistingFile);
  command
      .add_option("--compat", options.compat, "Also export the metric names of another exporter (docs/prometheus.md)")
      ->check(CLI::IsMember({"sip-exporter"}));
}

Expected<std::string> listen_address(std::string_view text, std::string_view default_host) {
  const std::string default_port = std::to_string(kDefaultMetricsPort);
  if (text.empty()) return std::string(default_host) + ":" + default_port;
  std::string host;
  std::string port;
  if (text.front() == '[') {  // [v6] or [v6]:port
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return make_error(ErrorKind::usage, "--listen " + std::string(text) + ": missing ']'");
    host = text.substr(0, close + 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return make_error(ErrorKind::usage, "--listen " + std::string(text) + ": expected [ADDRESS]:PORT");
    port = rest.empty() ? default_port : std::string(rest.substr(1));
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return make_error(ErrorKind::usage,
                        "--listen " + std::string(text) + ": write IPv6 addresses in brackets, [::1]:9160");
    }
    if (host.empty()) host = "0.0.0.0";
  } else {
    host = text;
    port = default_port;
  }
  if (!valid_port(port))
    return make_error(ErrorKind::usage, "--listen " + std::string(text) + ": bad port '" + port + "'");
  if (host.find_first_of("/,") != std::string::npos) {
    return make_error(ErrorKind::usage, "--listen " + std::string(text) + ": expected HOST:PORT");
  }
  return host + ":" + port;
}

Expected<PushTarget> parse_push_url(std::string_view url) {
  const auto bad = [&url](std::string_view why) {
    return make_error(ErrorKind::usage, "--push " + std::string(url) + ": " + std::string(why));
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://HOST[:PORT]");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return bad("only http:// and https:// are supported");
  std::string_view authority = url.substr(scheme_end + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.empty()) return bad("no host");
  if (authority.find_first_of("/?#@") != std::string_view::npos) return bad("a path, query or user is not supported");
  std::string_view host = authority;
  std::string_view port = kDefaultPushPort;
  const auto colon = authority.rfind(':');
  const auto bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  if (!valid_port(port)) return bad("bad port");
  return PushTarget{std::string(scheme) + "://" + std::string(host), std::string(port)};
}

struct MetricsOutputs::Servers {
  std::string listen_address;
  std::unique_ptr<MetricsHttpServer> http;
  std::unique_ptr<PushgatewayClient> gateway;

  std::mutex push_mutex;  // one push at a time (the periodic thread and a final push)
  std::mutex stop_mutex;
  std::condition_variable stop_requested_cv;
  bool stop_requested = false;
  std::thread push_thread;

  void stop_push_thread() {
    {
      const std::lock_guard lock(stop_mutex);
      stop_requested = true;
    }
    stop_requested_cv.notify_all();
    if (!push_thread.joinable()) return;
    if (gateway) gateway->cancel();  // a push under way must not hold the stop up
    push_thread.join();
    if (gateway) gateway->resume();
  }

  ~Servers() { stop_push_thread(); }
};

MetricsOutputs::MetricsOutputs(const MetricsOptions& options, PrometheusMetricsOptions metrics_options)
    : options_(options), metrics_(metrics_options), servers_(std::make_unique<Servers>()) {}

MetricsOutputs::~MetricsOutputs() = default;

Expected<std::unique_ptr<MetricsOutputs>> MetricsOutputs::start(const MetricsOptions& options) {
  std::unique_ptr<MetricsOutputs> outputs(
      new MetricsOutputs(options, PrometheusMetricsOptions{.compat_sip_exporter = options.compat == "sip-exporter"}));
  Servers& servers = *outputs->servers_;

  if (!options.peers_file.empty()) {
    auto peers = PeerTable::load(options.peers_file);
    if (!peers) return tl::unexpected(peers.error());
    outputs->peers_ = std::make_shared<const PeerTable>(std::move(*peers));
  }

  if (!options.push_url.empty()) {
    auto target = parse_push_url(options.push_url);
    if (!target) return tl::unexpected(target.error());
    auto labels = grouping_labels(options.grouping);
    if (!labels) return tl::unexpected(labels.error());
    if (options.job.empty() || options.job.find_first_of("/?#% ") != std::string::npos) {
      return make_error(ErrorKind::usage, "--job " + options.job + ": not usable in a URL path");
    }
    const auto timeout = std::chrono::milliseconds(std::lround(options.push_timeout_s * 1000));
    servers.gateway = std::make_unique<PushgatewayClient>(target->base(), options.job, *labels, timeout);
    outputs->metrics_.add_push_failures(0);  // the family exists from the start: 0 is measured
  } else if (!options.grouping.empty()) {
    return make_error(ErrorKind::usage, "--grouping needs --push");
  }

  if (!options.prom_file.empty()) {
    if (auto writable = check_output_path("--prom-file", options.prom_file); !writable)
      return make_error(ErrorKind::usage, writable.error().message);
  }

  if (!options.web_config.empty() && !options.listen_requested)
    return make_error(ErrorKind::usage, "--web-config protects --listen: give --listen too");
  if (options.listen_requested) {
    WebConfig web;
    if (!options.web_config.empty()) {
      auto loaded = load_web_config(options.web_config);
      if (!loaded) return tl::unexpected(loaded.error());
      web = std::move(*loaded);
    }
    auto address = listen_address(options.listen, options.default_listen_host);
    if (!address) return tl::unexpected(address.error());
    const auto colon = address->rfind(':');
    PrometheusMetrics& metrics = outputs->metrics_;
    auto http = MetricsHttpServer::start(address->substr(0, colon), address->substr(colon + 1), web,
                                         MetricsHttpLimits{}, [&metrics] { return metrics.render(); });
    if (!http) {
      return make_error(ErrorKind::usage,
                        "--listen " + *address + ": cannot serve metrics there: " + http.error().message);
    }
    servers.http = std::move(*http);
    servers.listen_address = (servers.http->tls() ? "https://" : "http://") + *address;
  }
  return outputs;
}

bool MetricsOutputs::listening() const { return servers_->http != nullptr; }

std::string MetricsOutputs::listen_url() const { return servers_->listen_address + "/metrics"; }

bool MetricsOutputs::pushing() const { return servers_->gateway != nullptr; }

Expected<void> MetricsOutputs::push() {
  if (!servers_->gateway) return {};
  const std::lock_guard lock(servers_->push_mutex);
  auto pushed = servers_->gateway->push(metrics_.render());
  if (pushed) return {};
  metrics_.add_push_failures(1);
  return tl::unexpected(pushed.error());
}

void MetricsOutputs::start_periodic_push() {
  if (!servers_->gateway || servers_->push_thread.joinable()) return;
  servers_->push_thread = std::thread([this] {
    Servers& servers = *servers_;
    std::unique_lock lock(servers.stop_mutex);
    while (!servers.stop_requested_cv.wait_for(lock, push_interval(), [&servers] { return servers.stop_requested; })) {
      lock.unlock();
      if (auto pushed = push(); !pushed) std::cerr << "sipmon: " << pushed.error().message << "\n";
      lock.lock();
    }
  });
}

Expected<void> MetricsOutputs::stop_periodic_push() {
  servers_->stop_push_thread();
  return push();
}

Expected<void> MetricsOutputs::write_prom_file() {
  if (options_.prom_file.empty()) return {};
  return write_file_atomically(options_.prom_file, metrics_.render());
}

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {
  }
  return signal;
}

}  // namespace sipmon
