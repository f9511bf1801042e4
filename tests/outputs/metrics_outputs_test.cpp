#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "outputs/metrics_outputs.h"

using namespace sipmon;

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

TEST_CASE("periodic pushes to an unreachable gateway are counted and never stop the caller", "[metrics-outputs]") {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  MetricsOutputsConfig config;
  // The command line allows 1 s at least; a test need not wait that long.
  config.push =
      MetricsPushConfig{.base = url, .job = "sipmon", .labels = {}, .interval = std::chrono::duration<double>(0.05)};
  auto outputs = MetricsOutputs::start(config);
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
  CHECK(last.error().message.find(url) != std::string::npos);
  CHECK(push_failures(out.metrics().render()) >= periodic + 1);
}

TEST_CASE("a gateway that accepts and never answers costs one --push-timeout, not forever", "[metrics-outputs]") {
  // A listening socket that nobody accepts from: the kernel completes the handshake, nothing answers.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 8) == 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  MetricsOutputsConfig config;
  config.push = MetricsPushConfig{.base = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)),
                                  .job = "sipmon",
                                  .labels = {},
                                  .timeout = std::chrono::milliseconds(500)};
  auto outputs = MetricsOutputs::start(config);
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

TEST_CASE("listen: IPv6 loopback is served, and a busy port says why", "[metrics-outputs]") {
  MetricsOutputsConfig config;
  const std::string port = std::to_string(unused_loopback_port());
  config.listen = MetricsListenConfig{.host = "[::1]", .port = port, .web_config_path = ""};
  auto outputs = MetricsOutputs::start(config);
  REQUIRE(outputs);
  CHECK((*outputs)->listen_url() == "http://[::1]:" + port + "/metrics");
  auto busy = MetricsOutputs::start(config);  // the same address again
  REQUIRE_FALSE(busy);
  CHECK(busy.error().message.find("Address already in use") != std::string::npos);
}

TEST_CASE("a prom-file path that cannot be written fails at start", "[metrics-outputs]") {
  MetricsOutputsConfig config;
  config.prom_file = "/nonexistent-dir-issue15/sipmon.prom";
  const auto outputs = MetricsOutputs::start(config);
  REQUIRE_FALSE(outputs);
  CHECK(outputs.error().message.find("--prom-file") == 0);
}
