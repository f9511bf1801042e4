#pragma once
// What the decoders hand to the SIP layer: the application bytes of one datagram (or, once the
// transports are reassembled, of one stream chunk) with the endpoints that carried it.
#include <cstdint>

#include "analysis/bytes.h"
#include "analysis/frame_refs.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

enum class Transport : std::uint8_t { udp, tcp, sctp, websocket };

struct Payload {
  std::int64_t ts_ns = 0;
  Transport transport = Transport::udp;
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  bool truncated = false;  // the capture cut these bytes short (snap length)
  Bytes bytes;
  FrameRefs origin;  // the frames that carried these bytes (filled when the decoder tracks frames)
};

class PayloadSink {
 public:
  virtual ~PayloadSink() = default;
  virtual void on_payload(const Payload& payload) = 0;
  // An RFC 5626 keep-alive on a stream (CRLFs between messages, nothing else in the segment):
  // `endpoints` says who sent it, its bytes are empty. On a datagram a keep-alive is a payload of
  // its own, told apart by the SIP parser. Sinks that only want messages ignore it.
  virtual void on_keepalive(const Payload& endpoints) { (void)endpoints; }
};

}  // namespace sipmon
