#include "cli/metrics_options.h"

#include <charconv>
#include <cmath>
#include <map>

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

// The --peers table for EngineConfig::peers, or null without --peers.
Expected<std::shared_ptr<const PeerTable>> load_peers(const MetricsOptions& options) {
  if (options.peers_file.empty()) return std::shared_ptr<const PeerTable>();
  auto peers = PeerTable::load(options.peers_file);
  if (!peers) return tl::unexpected(peers.error());
  return std::make_shared<const PeerTable>(std::move(*peers));
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
      .add_option("--compat", options.compat,
                  "Also export the metric names of another exporter: sip-exporter = aibudaevv/sip-exporter "
                  "v1.11.0, carrier from --peers (docs/prometheus.md)")
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

Expected<MetricsOutputsConfig> metrics_outputs_config(const MetricsOptions& options) {
  MetricsOutputsConfig config;
  config.metrics.compat_sip_exporter = options.compat == "sip-exporter";
  config.prom_file = options.prom_file;

  if (!options.push_url.empty()) {
    auto target = parse_push_url(options.push_url);
    if (!target) return tl::unexpected(target.error());
    auto labels = grouping_labels(options.grouping);
    if (!labels) return tl::unexpected(labels.error());
    if (options.job.empty() || options.job.find_first_of("/?#% ") != std::string::npos) {
      return make_error(ErrorKind::usage, "--job " + options.job + ": not usable in a URL path");
    }
    config.push = MetricsPushConfig{.base = target->base(),
                                    .job = options.job,
                                    .labels = std::move(*labels),
                                    .timeout = std::chrono::milliseconds(std::lround(options.push_timeout_s * 1000)),
                                    .interval = std::chrono::duration<double>(options.push_interval_s)};
  } else if (!options.grouping.empty()) {
    return make_error(ErrorKind::usage, "--grouping needs --push");
  }

  if (!options.web_config.empty() && !options.listen_requested)
    return make_error(ErrorKind::usage, "--web-config protects --listen: give --listen too");
  if (options.listen_requested) {
    auto address = listen_address(options.listen, options.default_listen_host);
    if (!address) return tl::unexpected(address.error());
    const auto colon = address->rfind(':');
    config.listen = MetricsListenConfig{
        .host = address->substr(0, colon), .port = address->substr(colon + 1), .web_config_path = options.web_config};
  }
  return config;
}

Expected<StartedMetrics> start_metrics(const MetricsOptions& options) {
  auto peers = load_peers(options);
  if (!peers) return tl::unexpected(peers.error());
  auto config = metrics_outputs_config(options);
  if (!config) return tl::unexpected(config.error());
  auto outputs = MetricsOutputs::start(*config);
  if (!outputs) return tl::unexpected(outputs.error());
  return StartedMetrics{std::move(*peers), std::move(*outputs)};
}

}  // namespace sipmon
