// Per-packet cost of RTP handling: the RFC 3550 statistics alone (rtp_stats.h), and the whole
// engine from an Ethernet frame to a call's stream (decode, endpoint lookup, stream lookup,
// statistics). docs/media.md records the figures.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

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

// An INVITE or its 200 OK of call `call`, whose side receives RTP at 10.0.0.<1|2>:(10000 + 2 call).
std::vector<std::uint8_t> call_frame(int call, bool answer) {
  const std::string address = answer ? "10.0.0.2" : "10.0.0.1";
  const std::string body = "v=0\r\no=- 1 1 IN IP4 " + address + "\r\ns=-\r\nc=IN IP4 " + address +
                           "\r\nt=0 0\r\nm=audio " + std::to_string(10000 + 2 * call) +
                           " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  const std::string message =
      std::string(answer ? "SIP/2.0 200 OK" : "INVITE sip:bob@10.0.0.2 SIP/2.0") +
      "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbench" + std::to_string(call) +
      "\r\nFrom: <sip:a@x>;tag=caller\r\nTo: <sip:b@x>" + (answer ? ";tag=callee" : "") + "\r\nCall-ID: bench-" +
      std::to_string(call) +
      "\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  return bench::udp_frame(message, answer ? 2 : 1, answer ? 1 : 2);
}

// Many concurrent streams (issue 21): N streams of N / 2 calls, one packet of each in turn, as
// they arrive on a link carrying them all. Each packet finds a different endpoint and stream, so
// the tables' memory latency is in the figure (BM_EngineRtpFrame has one stream in the cache).
// bench/media_replay_cost.py measures the same in a whole replay.
void BM_EngineRtpStreams(benchmark::State& state) {
  const auto streams = static_cast<std::size_t>(state.range(0));
  Engine engine;
  std::int64_t ts = 1'700'000'000'000'000'000;
  for (std::size_t call = 0; call < streams / 2; ++call) {
    for (const bool answer : {false, true}) {
      const auto frame = call_frame(static_cast<int>(call), answer);
      engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
    }
  }
  // Stream 2c goes to the callee of call c, 2c + 1 to its caller; SSRC = stream number.
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t stream = 0; stream < streams; ++stream) {
    std::vector<std::uint8_t> frame = bench::rtp_frame(0);
    const bool to_caller = stream % 2 == 1;
    const auto port = static_cast<std::uint16_t>(10000 + 2 * (stream / 2));
    std::uint8_t* ip = frame.data() + 14;
    ip[15] = to_caller ? 2 : 1;
    ip[19] = to_caller ? 1 : 2;
    std::uint8_t* udp = ip + 20;
    udp[0] = static_cast<std::uint8_t>(port >> 8), udp[1] = static_cast<std::uint8_t>(port);
    udp[2] = static_cast<std::uint8_t>(port >> 8), udp[3] = static_cast<std::uint8_t>(port);
    std::uint8_t* rtp = udp + 8;
    for (int i = 0; i < 4; ++i) rtp[8 + i] = static_cast<std::uint8_t>(stream >> (24 - 8 * i));
    frames.push_back(std::move(frame));
  }
  std::size_t next = 0;
  std::uint16_t seq = 0;
  for (auto _ : state) {
    std::vector<std::uint8_t>& frame = frames[next];
    std::uint8_t* rtp = frame.data() + 14 + 20 + 8;
    rtp[2] = static_cast<std::uint8_t>(seq >> 8), rtp[3] = static_cast<std::uint8_t>(seq);
    const std::uint32_t rtp_ts = 160u * seq;
    for (int i = 0; i < 4; ++i) rtp[4 + i] = static_cast<std::uint8_t>(rtp_ts >> (24 - 8 * i));
    ts += 20'000'000 / static_cast<std::int64_t>(streams);
    engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
    if (++next == streams) next = 0, ++seq;
  }
  const auto& media = engine.report().media;
  const auto iterations = static_cast<std::size_t>(state.iterations());
  if (!media || media->streams < std::min(streams, iterations) ||
      media->packets < static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("RTP frames were not measured as media of every stream");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineRtpStreams)->Arg(2)->Arg(10000);

}  // namespace
