// Per-packet cost of RTP handling: the RFC 3550 statistics alone (rtp_stats.h), and the whole
// engine from an Ethernet frame to a call's stream (decode, endpoint lookup, stream lookup,
// statistics). docs/media.md records the figures.
#include <benchmark/benchmark.h>

#include "analysis/engine.h"
#include "analysis/rtp_stats.h"
#include "rtp_frame.h"

using namespace sipmon;

namespace {

void BM_RtpStatsUpdate(benchmark::State& state) {
  sipmon_rtp_stats stats;
  sipmon_rtp_stats_start(&stats, 0, 0);
  __u16 seq = 0;
  __u64 arrival = 0;
  for (auto _ : state) {
    ++seq;
    arrival += 20'000'000 + (seq & 7) * 1000;
    benchmark::DoNotOptimize(sipmon_rtp_stats_update(&stats, seq, arrival));
    sipmon_rtp_jitter_update(&stats, 160u * seq, 8000, 0, arrival);
  }
  benchmark::DoNotOptimize(stats);
}
BENCHMARK(BM_RtpStatsUpdate);

// 1 024 distinct frames (sequence numbers) replayed in a loop: the stream sees wraps of its own
// numbering, the cost per packet is that of a live stream in steady state.
void BM_EngineRtpFrame(benchmark::State& state) {
  Engine engine;
  std::int64_t ts = 1'700'000'000'000'000'000;
  const auto offer = bench::udp_frame(bench::sdp_message(false), 1, 2);
  const auto answer = bench::udp_frame(bench::sdp_message(true), 2, 1);
  engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(offer.size()), offer});
  engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(answer.size()), answer});
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 1024; ++i) frames.push_back(bench::rtp_frame(static_cast<std::uint16_t>(i)));
  std::size_t i = 0;
  for (auto _ : state) {
    ts += 20'000'000;
    const auto& frame = frames[i++ & 1023];
    engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
  }
  if (!engine.report().media || engine.report().media->packets < static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("RTP frames were not measured as media");
  }
}
BENCHMARK(BM_EngineRtpFrame);

}  // namespace
