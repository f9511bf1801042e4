// Cost of --interval on the packet path (docs/report.md, "series"): per frame, a comparison of the
// packet time with the interval's end and, after each message, the active dialogs' maximum; per
// interval, one cumulative snapshot of the figures and its difference from the previous one.
// BM_Frames runs the same calls (INVITE, 180, 200, ACK, BYE, 200, 1 ms apart) without a series and
// with intervals of 1 s and 10 ms (one boundary every ~10 frames: far denser than any real use);
// BM_IntervalBoundary is one boundary alone.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/engine.h"
#include "udp_frame.h"

using namespace sipmon;

namespace {

std::string message(const std::string& start, const std::string& method, int cseq, int n, bool to_tag) {
  return start + "\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK" + std::to_string(n) + method +
         "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>" + (to_tag ? ";tag=2" : "") + "\r\nCall-ID: c" +
         std::to_string(n) + "\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\nContent-Length: 0\r\n\r\n";
}

// One call's six frames.
std::vector<std::vector<std::uint8_t>> call(int n) {
  return {bench::udp_frame(message("INVITE sip:b@x SIP/2.0", "INVITE", 1, n, false), 1, 2),
          bench::udp_frame(message("SIP/2.0 180 Ringing", "INVITE", 1, n, true), 2, 1),
          bench::udp_frame(message("SIP/2.0 200 OK", "INVITE", 1, n, true), 2, 1),
          bench::udp_frame(message("ACK sip:b@x SIP/2.0", "ACK", 1, n, true), 1, 2),
          bench::udp_frame(message("BYE sip:b@x SIP/2.0", "BYE", 2, n, true), 1, 2),
          bench::udp_frame(message("SIP/2.0 200 OK", "BYE", 2, n, true), 2, 1)};
}

void BM_Frames(benchmark::State& state) {
  EngineConfig config;
  config.series_interval_ns = state.range(0);
  Engine engine(config);
  std::vector<std::vector<std::vector<std::uint8_t>>> calls;
  for (int n = 0; n < 1024; ++n) calls.push_back(call(n));
  std::int64_t ts = 1'700'000'000'000'000'000;
  std::size_t next = 0;
  for (auto _ : state) {
    for (const auto& f : calls[next++ % calls.size()]) {
      ts += 1'000'000;
      engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(f.size()), f});
    }
  }
  state.SetItemsProcessed(state.iterations() * 6);
}
BENCHMARK(BM_Frames)->Arg(0)->Arg(1'000'000'000)->Arg(10'000'000);

// One boundary: the snapshot of a report's figures (five delay sketches) and the difference.
void BM_IntervalBoundary(benchmark::State& state) {
  IntervalSeries series(1'000'000'000, IntervalSeries::kDefaultMaxIntervals);
  SeriesSnapshot snapshot;
  snapshot.rfc6076 = Rfc6076Report{};
  for (int i = 0; i < 1000; ++i) snapshot.rfc6076.srd.observe(0.001 * (i % 97 + 1));
  std::int64_t ts = 0;
  for (auto _ : state) {
    snapshot.rfc6076.srd.observe(0.05);
    snapshot.rfc6076.sessions.attempts += 1;
    series.enter(ts, snapshot, 3);
    ts += 1'000'000'000;
  }
}
BENCHMARK(BM_IntervalBoundary);

}  // namespace
