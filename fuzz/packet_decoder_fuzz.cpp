// Fuzzes everything a captured frame goes through: link layers, IP fragment reassembly, TCP
// streams with SIP and WebSocket framing, SCTP, tunnels, ICMP, and the SIP parser behind them.
// One input is a sequence of frames, so the stateful decoders see streams and fragment trains:
//   [link selector: 1 byte][time step: 1 byte][length: 2 bytes, big-endian][frame bytes]...
// Small tables and limits make eviction, timeouts and memory limits reachable. After the run the
// report must add up (every frame in exactly one outcome) and buffers must be within limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "analysis/engine.h"

namespace {

constexpr sipmon::LinkType kLinks[] = {
    sipmon::LinkType::ethernet, sipmon::LinkType::raw,  sipmon::LinkType::linux_sll, sipmon::LinkType::linux_sll2,
    sipmon::LinkType::null_bsd, sipmon::LinkType::ipv4, sipmon::LinkType::ipv6,      sipmon::LinkType::loop,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sipmon::DecoderLimits limits;
  limits.ip = {.max_datagrams = 4, .max_datagram_bytes = 65535, .max_total_bytes = 16384, .timeout_ns = 30'000'000'000};
  limits.tcp = {.max_flows = 8,
                .max_flow_bytes = 8192,
                .max_total_bytes = 32768,
                .max_out_of_order = 4,
                .idle_timeout_ns = 60'000'000'000};
  limits.sctp = {.max_messages = 2, .max_message_bytes = 8192, .timeout_ns = 30'000'000'000};
  // A small transaction table too: allocating the default 14 MiB per input would make the run
  // spend its time in memset.
  sipmon::Engine engine(
      sipmon::EngineConfig{.ports = {},
                           .calls = {.max_dialogs = 64, .max_session_attempts = 64, .max_registration_attempts = 64},
                           .transactions = {.capacity = 16},
                           .decoder = limits});
  std::int64_t ts_ns = 0;
  std::size_t frames = 0;
  std::size_t pos = 0;
  while (pos + 4 <= size && frames < 256) {
    const sipmon::LinkType link = kLinks[data[pos] % std::size(kLinks)];
    ts_ns += std::int64_t{data[pos + 1]} * 1'000'000'000 / 8;  // up to 32 s per frame: timeouts happen
    std::size_t length = (std::size_t{data[pos + 2]} << 8) | data[pos + 3];
    pos += 4;
    if (length > size - pos) length = size - pos;
    sipmon::Frame frame{.ts_ns = ts_ns,
                        .link_type = static_cast<std::uint32_t>(link),
                        .wire_len = static_cast<std::uint32_t>(length),
                        .data = sipmon::Bytes(data + pos, length)};
    engine.on_frame(frame);
    pos += length;
    ++frames;
  }
  const sipmon::Report report = engine.report();
  const auto& c = report.capture;
  if (c.packets != frames) std::abort();
  if (c.sip_packets > c.sip_messages) std::abort();
  return 0;
}
