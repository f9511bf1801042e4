// Per-segment cost of TCP reassembly and SIP framing (docs/transports.md): one flow of SIP
// messages sent whole, split over segments, and with neighbouring segments swapped, straight into
// the TcpReassembler (no link or IP decoding). Reported per segment; the figures are what a
// change to the stream layer or the framers must not make worse.
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/tcp_reassembler.h"

using namespace sipmon;

namespace {

struct CountingSink final : PayloadSink {
  std::size_t messages = 0;
  void on_payload(const Payload&) override { ++messages; }
};

const std::string kMessage =
    "MESSAGE sip:bob@example.test SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.test>\r\n"
    "From: Alice <sip:alice@example.test>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@10.0.0.1\r\n"
    "CSeq: 314159 MESSAGE\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 200\r\n\r\n" +
    std::string(200, 'x');

// The stream cut into segments of `segment` bytes; `swap` exchanges every other pair.
struct Segments {
  std::string stream;
  std::vector<std::pair<std::uint32_t, Bytes>> list;  // (offset from the first byte, bytes)
};

Segments cut(std::size_t messages, std::size_t segment, bool swap) {
  Segments s;
  for (std::size_t i = 0; i < messages; ++i) s.stream += kMessage;
  const auto* base = reinterpret_cast<const std::uint8_t*>(s.stream.data());
  for (std::size_t at = 0; at < s.stream.size(); at += segment) {
    const std::size_t n = std::min(segment, s.stream.size() - at);
    s.list.emplace_back(static_cast<std::uint32_t>(at), Bytes(base + at, n));
  }
  if (swap) {
    for (std::size_t i = 0; i + 1 < s.list.size(); i += 4) std::swap(s.list[i], s.list[i + 1]);
  }
  return s;
}

void run(benchmark::State& state, std::size_t segment, bool swap) {
  const Segments segments = cut(64, segment, swap);
  TcpReassembler reassembler;
  CountingSink sink;
  DecoderEventCounts events;
  TcpSegment s;
  s.src.bytes[12] = 10;
  s.dst.bytes[12] = 10;
  s.dst.bytes[15] = 2;
  s.src_port = 40000;
  s.dst_port = 5060;
  s.seq = 0;
  s.syn = true;  // the connection opens: the stream starts at sequence number 1
  reassembler.add(s, sink, events);
  s.syn = false;
  std::uint32_t base = 1;
  for (auto _ : state) {
    for (const auto& [offset, bytes] : segments.list) {
      s.seq = base + offset;
      s.payload = bytes;
      benchmark::DoNotOptimize(reassembler.add(s, sink, events));
    }
    base += static_cast<std::uint32_t>(segments.stream.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * segments.list.size()));
  state.counters["messages"] = static_cast<double>(sink.messages);
}

// Two messages and a bit per segment: mostly framed straight from the packet.
void BM_TcpWholeMessages(benchmark::State& state) { run(state, 1400, false); }
BENCHMARK(BM_TcpWholeMessages);

// Every message spread over several segments: the flow buffer path.
void BM_TcpSplitMessages(benchmark::State& state) { run(state, 150, false); }
BENCHMARK(BM_TcpSplitMessages);

// Neighbouring segments swapped: the out-of-order queue path.
void BM_TcpOutOfOrder(benchmark::State& state) { run(state, 150, true); }
BENCHMARK(BM_TcpOutOfOrder);

}  // namespace
