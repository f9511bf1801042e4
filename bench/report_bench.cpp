// Cost of a snapshot: Engine::report() and the Prometheus update that a live capture runs once a
// second (and a scrape's render). Not per message, but the report must stay cheap enough that a
// one-second publishing interval never shows up next to the packet path.
#include <string>

#include <benchmark/benchmark.h>

#include "analysis/engine.h"
#include "outputs/prometheus_metrics.h"
#include "udp_frame.h"

using namespace sipmon;

namespace {

std::string request(const std::string& method, int n) {
  return method + " sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK" + std::to_string(n) +
         "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c" + std::to_string(n) + "\r\nCSeq: 1 " + method +
         "\r\nContent-Length: 0\r\n\r\n";
}

std::string response(int code, const std::string& method, int n) {
  return "SIP/2.0 " + std::to_string(code) + " X\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK" + std::to_string(n) +
         "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c" + std::to_string(n) + "\r\nCSeq: 1 " +
         method + "\r\nContent-Length: 0\r\n\r\n";
}

// A busy node's mix: every standard method, a few extension spellings, twenty status codes.
void fill(Engine& e) {
  const char* methods[] = {"INVITE", "ACK",     "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE",
                           "NOTIFY", "PUBLISH", "INFO", "REFER",  "MESSAGE", "UPDATE",   "FOO",   "X-PING"};
  const int codes[] = {100, 180, 183, 200, 202, 302, 401, 403, 404, 407,
                       408, 480, 481, 486, 487, 488, 500, 503, 603, 999};
  int n = 0;
  std::int64_t ts = 0;
  for (const char* method : methods) {
    for (const int code : codes) {
      ++n;
      ts += 1'000'000;
      const auto req = bench::udp_frame(request(method, n), 1, 2);
      const auto resp = bench::udp_frame(response(code, method, n), 2, 1);
      e.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(req.size()), req});
      e.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(resp.size()), resp});
    }
  }
}

Engine& busy_engine() {
  static Engine engine;
  static const bool filled = (fill(engine), true);
  (void)filled;
  return engine;
}

void BM_EngineReport(benchmark::State& state) {
  const Engine& engine = busy_engine();
  for (auto _ : state) benchmark::DoNotOptimize(engine.report());
}
BENCHMARK(BM_EngineReport);

// What `live` does each second: a snapshot, then the registry brought to it.
void BM_ReportToPrometheus(benchmark::State& state) {
  const Engine& engine = busy_engine();
  PrometheusMetrics metrics;
  for (auto _ : state) metrics.update(engine.report());
}
BENCHMARK(BM_ReportToPrometheus);

}  // namespace
