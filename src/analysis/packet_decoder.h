#pragma once
// Frame -> link -> IP -> transport -> payload. The decoder is an object (not a function) because
// the transports that follow need state: IP fragment and TCP stream reassembly slot in here.
#include <cstdint>

#include "analysis/anomaly.h"
#include "analysis/frame.h"
#include "analysis/payload.h"

namespace sipmon {

class PacketDecoder {
 public:
  // Decodes one frame. Either hands zero or more payloads to `sink` and returns Anomaly::none,
  // or returns the reason the frame carried nothing usable.
  Anomaly decode(const Frame& frame, PayloadSink& sink);

 private:
  Anomaly decode_udp(std::int64_t ts_ns, const IpPacket& ip, PayloadSink& sink);
};

}  // namespace sipmon
