#pragma once
// Frame -> link -> IP (reassembled when fragmented) -> transport -> payload, going round again
// for every tunnel. The decoder is an object because IP fragments and TCP streams need state;
// all of it is sized once, here.
#include <cstdint>

#include "analysis/anomaly.h"
#include "analysis/frame.h"
#include "analysis/ip_reassembler.h"
#include "analysis/link_decoder.h"
#include "analysis/payload.h"
#include "analysis/sctp_decoder.h"
#include "analysis/tcp_reassembler.h"

namespace sipmon {

struct DecoderLimits {
  IpReassemblyLimits ip;
  TcpReassemblyLimits tcp;
  SctpLimits sctp;
  // Tunnels inside tunnels: ERSPAN inside GRE inside VLAN is two; more than a few is an attack.
  int max_tunnel_depth = 4;
};

class PacketDecoder {
 public:
  explicit PacketDecoder(DecoderLimits limits = {});

  // Decodes one frame. Either hands one or more payloads to `sink` and returns Anomaly::none,
  // or returns the frame's outcome: why it carried nothing usable (yet).
  Anomaly decode(const Frame& frame, PayloadSink& sink);

  // Events that are not a frame's outcome: reassembly timeouts, evictions, stream gaps. Counted
  // here because they happen to state, not to the frame being decoded.
  const AnomalyCounters& events() const { return events_; }

  const IpReassembler& ip_reassembler() const { return ip_; }
  const TcpReassembler& tcp_reassembler() const { return tcp_; }

 private:
  Anomaly decode_network(std::int64_t ts_ns, const LinkResult& link, int depth, PayloadSink& sink);
  Anomaly decode_udp(std::int64_t ts_ns, const IpPacket& ip, int depth, PayloadSink& sink);
  Anomaly decode_tcp(std::int64_t ts_ns, const IpPacket& ip, PayloadSink& sink);

  DecoderLimits limits_;
  IpReassembler ip_;
  TcpReassembler tcp_;
  SctpDecoder sctp_;
  AnomalyCounters events_;
};

}  // namespace sipmon
