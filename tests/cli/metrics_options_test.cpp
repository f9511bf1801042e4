#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

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

namespace {

// A loopback port nobody listens on: bound by the kernel's choice, then released.
int unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

double push_failures(const std::string& exposition) {
  const std::string key = "sipmon_push_failures_total ";
  const auto at = exposition.find("\n" + key);
  return at == std::string::npos ? -1 : std::stod(exposition.substr(at + 1 + key.size()));
}

}  // namespace

TEST_CASE("periodic pushes to an unreachable gateway are counted and never stop the caller", "[metrics-options]") {
  MetricsOptions options;
  options.push_url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  options.push_interval_s = 0.05;  // the command line allows 1 s at least; a test need not wait that long
  auto outputs = MetricsOutputs::start(options);
  REQUIRE(outputs);
  MetricsOutputs& out = **outputs;
  CHECK(push_failures(out.metrics().render()) == 0);
  out.start_periodic_push();
  // Meanwhile the caller keeps updating figures, as the live loop would.
  Report report;
  for (int i = 0; i < 400 && push_failures(out.metrics().render()) < 2; ++i) {
    report.capture.packets += 1;
    out.metrics().update(report);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double periodic = push_failures(out.metrics().render());
  CHECK(periodic >= 2);
  const auto last = out.stop_periodic_push();  // the final push fails too, and says where
  REQUIRE_FALSE(last);
  CHECK(last.error().message.find(options.push_url) != std::string::npos);
  CHECK(push_failures(out.metrics().render()) >= periodic + 1);
}

TEST_CASE("a gateway that accepts and never answers costs one --push-timeout, not forever", "[metrics-options]") {
  // A listening socket that nobody accepts from: the kernel completes the handshake, nothing answers.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 8) == 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  MetricsOptions options;
  options.push_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  options.push_timeout_s = 0.5;
  auto outputs = MetricsOutputs::start(options);
  REQUIRE(outputs);
  const auto started = std::chrono::steady_clock::now();
  const auto pushed = (*outputs)->push();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::close(listener);
  REQUIRE_FALSE(pushed);
  CHECK(pushed.error().message.find("timed out after 0.5 s") != std::string::npos);
  CHECK(seconds >= 0.4);
  CHECK(seconds < 5);  // a bound, not a benchmark: without a timeout this never returns
  CHECK(push_failures((*outputs)->metrics().render()) == 1);
}

TEST_CASE("listen: IPv6 loopback is served, and a busy port says why", "[metrics-options]") {
  MetricsOptions options;
  options.listen_requested = true;
  options.listen = "[::1]:" + std::to_string(unused_loopback_port());
  auto outputs = MetricsOutputs::start(options);
  REQUIRE(outputs);
  CHECK((*outputs)->listen_url() == "http://" + options.listen + "/metrics");
  auto busy = MetricsOutputs::start(options);  // the same address again
  REQUIRE_FALSE(busy);
  CHECK(busy.error().message.find("Address already in use") != std::string::npos);
}

TEST_CASE("a prom-file path that cannot be written fails at start", "[metrics-options]") {
  MetricsOptions options;
  options.prom_file = "/nonexistent-dir-issue15/sipmon.prom";
  const auto outputs = MetricsOutputs::start(options);
  REQUIRE_FALSE(outputs);
  CHECK(outputs.error().message.find("--prom-file") == 0);
}
