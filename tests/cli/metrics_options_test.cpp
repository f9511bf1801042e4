#include <catch2/catch.hpp>

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
  CHECK_FALSE(MetricsOutputs::start(options));  // --grouping without --push
  options.push_url = "http://127.0.0.1:1";
  options.grouping = {"noequals"};
  CHECK_FALSE(MetricsOutputs::start(options));
  options.grouping = {"__reserved=x"};
  CHECK_FALSE(MetricsOutputs::start(options));
  options.grouping = {"instance=a/b"};
  CHECK_FALSE(MetricsOutputs::start(options));
  options.grouping = {"instance=sbc1", "site=par"};
  const auto outputs = MetricsOutputs::start(options);
  REQUIRE(outputs);
  CHECK((*outputs)->pushing());
  CHECK_FALSE((*outputs)->listening());
}
