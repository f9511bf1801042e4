// Memory held by TCP reassembly under many flows of small segments, against the documented bound
// (docs/transports.md, "Limits"): the reassembler's buffers may hold at most max_total_bytes of
// allocated memory, plus the fixed cost of the flow table.
//
// Each of N flows (default 4000) carries a 40 KB message in 1 KB segments (delivered), then the
// first 20 KB of another (kept, unfinished), then 8 out-of-order 1 KB segments beyond a hole (held).
// The heap in use (glibc mallinfo2) is measured before and after; the program prints it beside
// the reassembler's own accounting and exits 1 if the heap grew past the bound.
//
//   sipmon_tcp_memory [flows]
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/tcp_reassembler.h"

using namespace sipmon;

namespace {

struct NullSink final : PayloadSink {
  std::size_t messages = 0;
  void on_payload(const Payload&) override { ++messages; }
};

// Both what malloc hands out from its arenas and the large blocks it maps on its own.
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::string message(std::size_t body) {
  return "MESSAGE sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
         "CSeq: 1 MESSAGE\r\nContent-Length: " +
         std::to_string(body) + "\r\n\r\n" + std::string(body, 'x');
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t flows = argc > 1 ? std::stoul(argv[1]) : 4000;
  constexpr std::size_t kSegment = 1000;
  const std::string whole = message(40'000);
  const std::string unfinished = message(40'000).substr(0, 20'000);
  const std::string filler(kSegment, 'y');

  const std::size_t heap_start = heap_in_use();
  const TcpReassemblyLimits limits;
  TcpReassembler reassembler(limits);
  const std::size_t heap_table = heap_in_use();
  NullSink sink;
  DecoderEventCounts events;

  for (std::size_t f = 0; f < flows; ++f) {
    TcpSegment s;
    s.ts_ns = static_cast<std::int64_t>(f) * 1000;
    s.src.bytes[12] = 10;
    std::memcpy(s.src.bytes.data(), &f, sizeof f);
    s.dst.bytes[12] = 10;
    s.src_port = static_cast<std::uint16_t>(1024 + f % 60000);
    s.dst_port = 5060;
    std::uint32_t seq = 1;
    s.seq = 0;
    s.syn = true;
    reassembler.add(s, sink, events);
    s.syn = false;
    for (const std::string* stream : {&whole, &unfinished}) {
      for (std::size_t at = 0; at < stream->size(); at += kSegment) {
        const std::string_view piece = std::string_view(*stream).substr(at, kSegment);
        s.seq = seq;
        s.payload = Bytes(reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size());
        reassembler.add(s, sink, events);
        seq += static_cast<std::uint32_t>(piece.size());
      }
    }
    for (std::uint32_t k = 1; k <= 8; ++k) {  // beyond a 1-segment hole: held out of order
      s.seq = seq + k * static_cast<std::uint32_t>(kSegment);
      s.payload = Bytes(reinterpret_cast<const std::uint8_t*>(filler.data()), filler.size());
      reassembler.add(s, sink, events);
    }
  }

  const std::size_t heap_end = heap_in_use();
  const std::size_t grown = heap_end - heap_table;
  // Fixed per flow slot, outside max_total_bytes: the out-of-order index reserved once per slot,
  // and the allocator's own header per live allocation (at most three vectors per slot).
  const std::size_t fixed = limits.max_flows * (limits.max_out_of_order * 12 + 3 * 32);
  const std::size_t bound = limits.max_total_bytes + fixed;
  const auto mib = [](std::size_t bytes) { return static_cast<double>(bytes) / 1048576.0; };
  std::printf("flows %zu, messages delivered %zu\n", flows, sink.messages);
  std::printf("table (fixed)          %8.1f MiB\n", mib(heap_table - heap_start));
  std::printf("heap grown by flows    %8.1f MiB\n", mib(grown));
  std::printf("reassembler: allocated %8.1f MiB, stored %8.1f MiB\n", mib(reassembler.memory_held()),
              mib(reassembler.bytes_buffered()));
  std::printf("bound (max_total_bytes + per-slot fixed) %8.1f MiB\n", mib(bound));
  std::printf("tcp_memory_full %llu, tcp_message_too_large %llu, tcp_gap %llu\n",
              static_cast<unsigned long long>(events[DecoderEvent::tcp_memory_full]),
              static_cast<unsigned long long>(events[DecoderEvent::tcp_message_too_large]),
              static_cast<unsigned long long>(events[DecoderEvent::tcp_gap]));
  if (grown > bound) {
    std::printf("FAIL: the heap grew past the documented bound\n");
    return 1;
  }
  std::printf("ok: within the bound\n");
  return 0;
}
