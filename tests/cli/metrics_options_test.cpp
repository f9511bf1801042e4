#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "cli/metrics_options.h"

using namespace sipmon;

TEST_CASE("listen addresses: default, :PORT, HOST, HOST:PORT, [v6]:PORT", "[metrics-options]") {
  CHECK(listen_address("").value() == "0.0.0.0:9160");
  CHECK(listen_address(":9999").value() == "0.0.0.0:9999");
  CHECK(listen_address("127.0.0.1").value() == "127.0.0.1:9160");
  CHECK(listen_address("127.0.0.1:8080").value() == "127.0.0.1:8080");
  CHECK(listen_address("[::1]:8080").value() == "[::1]:8080");
  CHECK(listen_address("[::1]").value() == "[::1]:9160");
  CHECK_FALSE(listen_address(":0"));
  CHECK_FALSE(listen_address(":65536"));
  CHECK_FALSE(listen_address("127.0.0.1:http"));
  CHECK_FALSE(listen_address("::1:80"));  // ambiguous without brackets
  CHECK_FALSE(listen_address("[::1"));
  CHECK_FALSE(listen_address("samples/call.pcap"));
}

TEST_CASE("a bare --listen binds loopback in replay, every IPv4 interface in live", "[metrics-options]") {
  CHECK(listen_address("", kReplayListenHost).value() == "127.0.0.1:9160");
  CHECK(listen_address("", kLiveListenHost).value() == "0.0.0.0:9160");
  CHECK(listen_address(":9999", kReplayListenHost).value() == "0.0.0.0:9999");  // asked for explicitly
  CLI::App app;
  MetricsOptions replay;
  CLI::App* command = app.add_subcommand("replay");
  add_metrics_options(*command, replay, MetricsCommand::replay);
  CHECK(replay.default_listen_host == "127.0.0.1");
  MetricsOptions live;
  CLI::App* live_command = app.add_subcommand("live");
  add_metrics_options(*live_command, live, MetricsCommand::live);
  CHECK(live.default_listen_host == "0.0.0.0");
}

TEST_CASE("push URLs become prometheus-cpp's host and port", "[metrics-options]") {
  const auto with_port = parse_push_url("http://127.0.0.1:9191");
  REQUIRE(with_port);
  CHECK(with_port->host == "http://127.0.0.1");
  CHECK(with_port->port == "9191");
  const auto default_port = parse_push_url("http://pushgateway.example/");
  REQUIRE(default_port);
  CHECK(default_port->host == "http://pushgateway.example");
  CHECK(default_port->port == "9091");
  const auto v6 = parse_push_url("http://[::1]:9091");
  REQUIRE(v6);
  CHECK(v6->host == "http://[::1]");
  CHECK_FALSE(parse_push_url("127.0.0.1:9091"));
  CHECK_FALSE(parse_push_url("ftp://host"));
  CHECK_FALSE(parse_push_url("http://host:99999"));
  CHECK_FALSE(parse_push_url("http://host/metrics/job/x"));
  CHECK_FALSE(parse_push_url("http://"));
}

TEST_CASE("bad push and grouping options fail before anything starts", "[metrics-options]") {
  MetricsOptions options;
  options.grouping = {"instance=a"};
  CHECK_FALSE(metrics_outputs_config(options));  // --grouping without --push
  options.push_url = "http://127.0.0.1:1";
  options.grouping = {"noequals"};
  CHECK_FALSE(metrics_outputs_config(options));
  options.grouping = {"__reserved=x"};
  CHECK_FALSE(metrics_outputs_config(options));
  options.grouping = {"instance=a/b"};
  CHECK_FALSE(metrics_outputs_config(options));
  options.grouping = {"instance=sbc1", "site=par"};
  const auto config = metrics_outputs_config(options);
  REQUIRE(config);
  REQUIRE(config->push);
  CHECK(config->push->base == "http://127.0.0.1:1");
  CHECK(config->push->labels == std::map<std::string, std::string>{{"instance", "sbc1"}, {"site", "par"}});
  CHECK_FALSE(config->listen);
  const auto outputs = MetricsOutputs::start(*config);
  REQUIRE(outputs);
  CHECK((*outputs)->pushing());
  CHECK_FALSE((*outputs)->listening());
}

TEST_CASE("metrics options: --web-config needs --listen, and --listen becomes a host and a port", "[metrics-options]") {
  MetricsOptions options;
  options.web_config = "/etc/sipmon/web.yml";
  CHECK_FALSE(metrics_outputs_config(options));
  options.listen_requested = true;
  options.listen = "[::1]:9999";
  const auto config = metrics_outputs_config(options);
  REQUIRE(config);
  REQUIRE(config->listen);
  CHECK(config->listen->host == "[::1]");
  CHECK(config->listen->port == "9999");
  CHECK(config->listen->web_config_path == "/etc/sipmon/web.yml");
}
