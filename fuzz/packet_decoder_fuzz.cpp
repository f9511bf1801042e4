// Fuzzes everything a captured frame goes through: link layers, IP fragment reassembly, TCP
// streams with SIP and WebSocket framing, SCTP, tunnels, ICMP, and the SIP parser behind them.
// One input is a sequence of frames (decoder_records.h), so the stateful decoders see streams and
// fragment trains. After the run the report must add up (every frame in exactly one outcome).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "decoder_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sipmon::Engine engine(sipmon::fuzz::decoder_fuzz_config());
  const std::size_t frames = sipmon::fuzz::for_each_decoder_record(
      std::span<const std::uint8_t>(data, size), [&](const sipmon::Frame& frame) { engine.on_frame(frame); });
  engine.finish();
  const sipmon::Report report = engine.report();
  const auto& c = report.capture;
  if (c.packets != frames) std::abort();
  if (c.sip_packets > c.sip_messages) std::abort();
  return 0;
}
