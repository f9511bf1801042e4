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
#include "analysis/tunnel_decoder.h"

namespace sipmon {

struct DecoderLimits {
  IpReassemblyLimits ip;
  TcpReassemblyLimits tcp;
  SctpLimits sctp;
  // Tunnels inside tunnels: ERSPAN inside GRE inside VLAN is two; more than a few is an attack.
  int max_tunnel_depth = 4;
  // UDP port whose payload is VXLAN (RFC 7348's 4789 by default; some clouds use another). GTP-U
  // stays on 2152 (3GPP TS 29.281).
  std::uint16_t vxlan_port = kVxlanPort;
  // Tell, with every payload, which frames carried it (Payload::origin): the frame being decoded,
  // the pieces of a reassembled IP datagram, the segments of a TCP message (up to
  // tcp.max_frame_records per flow). Off for the engine; `sipmon extract` turns it on.
  bool track_frames = false;
};

class PacketDecoder {
 public:
  explicit PacketDecoder(DecoderLimits limits = {});

  // Decodes one frame. Either hands one or more payloads to `sink` and returns FrameOutcome::none,
  // or returns the frame's outcome: why it carried nothing usable (yet).
  FrameOutcome decode(const Frame& frame, PayloadSink& sink);

  // Events that are not a frame's outcome: reassembly timeouts, evictions, stream gaps. Counted
  // here because they happen to state, not to the frame being decoded.
  const DecoderEventCounts& events() const { return events_; }

  // With track_frames: the number of the frame last decoded (the first is 1), whether it is still
  // held by an unfinished reassembly (so it may yet belong to a message), and every frame that
  // unfinished reassemblies hold.
  FrameNumber frame_number() const { return frame_number_; }
  bool frame_retained() const { return frame_retained_; }
  void collect_retained_frames(std::vector<FrameNumber>& out) const;

  const IpReassembler& ip_reassembler() const { return ip_; }
  const TcpReassembler& tcp_reassembler() const { return tcp_; }

 private:
  // The common shape, straight-line; false: not that shape, nothing handed on.
  bool decode_plain_udp(const Frame& frame, const FrameRefs& origin, PayloadSink& sink);
  FrameOutcome decode_network(std::int64_t ts_ns, const LinkResult& link, int depth, FrameRefs origin,
                              PayloadSink& sink);
  FrameOutcome decode_udp(std::int64_t ts_ns, const IpPacket& ip, int depth, FrameRefs origin, PayloadSink& sink);
  FrameOutcome decode_tcp(std::int64_t ts_ns, const IpPacket& ip, FrameRefs origin, PayloadSink& sink);

  DecoderLimits limits_;
  IpReassembler ip_;
  TcpReassembler tcp_;
  SctpDecoder sctp_;
  DecoderEventCounts events_;
  FrameNumber frame_number_ = 0;
  bool frame_retained_ = false;
};

}  // namespace sipmon
