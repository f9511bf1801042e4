// Fuzzes HEP input the way `live --hep-listen` receives it. The first byte picks the mode:
//   even: the rest is a TCP stream, framed into HEPv3 packets by their total length;
//   odd:  the rest is one UDP datagram.
// Every packet goes through the decoder (views must stay inside the input) and HepIngest into a
// small engine (every packet counted exactly once: handed on or refused by name).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "analysis/hep_decoder.h"
#include "analysis/hep_ingest.h"
#include "decoder_records.h"

namespace {

void check_views(sipmon::Bytes input, const sipmon::HepPacket& packet) {
  if (packet.error != sipmon::HepError::none) return;
  const auto* begin = input.data();
  const auto* end = input.data() + input.size();
  auto inside = [&](const void* p, std::size_t n) {
    const auto* q = static_cast<const std::uint8_t*>(p);
    return n == 0 || (q >= begin && q + n <= end);
  };
  if (!inside(packet.payload.data(), packet.payload.size())) std::abort();
  if (!inside(packet.auth_key.data(), packet.auth_key.size())) std::abort();
  if (!inside(packet.correlation_id.data(), packet.correlation_id.size())) std::abort();
  if (packet.payload.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The decoder fuzzers' small tables (media and reassembly too): with the defaults, building an
  // engine per input (hundreds of MiB reserved, then released) was most of this target's time.
  sipmon::Engine engine(sipmon::fuzz::decoder_fuzz_config());
  sipmon::HepIngest ingest({.auth_key = (data[0] & 2) ? "key" : ""}, engine);
  sipmon::Bytes rest(data + 1, size - 1);
  std::uint64_t packets = 0;
  if (data[0] & 1) {
    check_views(rest, sipmon::decode_hep(rest));
    ingest.on_packet(rest, 1'700'000'000'000'000'000);
    packets = 1;
  } else {
    while (!rest.empty()) {
      const std::int64_t length = sipmon::hep_stream_packet_length(rest);
      if (length <= 0 || static_cast<std::size_t>(length) > rest.size()) break;
      const sipmon::Bytes packet = rest.first(static_cast<std::size_t>(length));
      check_views(packet, sipmon::decode_hep(packet));
      ingest.on_packet(packet, 1'700'000'000'000'000'000);
      ++packets;
      rest = rest.subspan(static_cast<std::size_t>(length));
    }
  }
  const sipmon::HepInReport hep = ingest.report();
  std::uint64_t refused = 0;
  for (const auto& [name, count] : hep.errors) {
    if (name != "unknown_chunk") refused += count;
  }
  if (hep.packets != packets || hep.sip_payloads + refused != packets) std::abort();
  if (engine.report().capture.packets != hep.sip_payloads) std::abort();
  return 0;
}
