#include "analysis/packet_decoder.h"

#include <algorithm>

#include "analysis/icmp_decoder.h"
#include "analysis/ip_decoder.h"
#include "analysis/sctp_decoder.h"
#include "analysis/tunnel_decoder.h"

namespace sipmon {
namespace {

constexpr std::size_t kUdpHeader = 8;

// A UDP header and the payload its length bounds, or why there is none.
struct UdpDatagram {
  FrameOutcome anomaly = FrameOutcome::none;  // none: the fields below are valid
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  Bytes payload;
};

UdpDatagram udp_failure(FrameOutcome anomaly) {
  UdpDatagram udp;
  udp.anomaly = anomaly;
  return udp;
}

// `ip_truncated`: the capture cut the IP datagram short (snap length), the one excuse for a UDP
// length beyond it. Inlined into both paths: a call would cost the fast path as much as the reading.
[[gnu::always_inline]] inline UdpDatagram read_udp(Bytes datagram, bool ip_truncated) {
  if (datagram.size() < kUdpHeader) return udp_failure(FrameOutcome::truncated_udp_header);
  const std::uint8_t* h = datagram.data();
  const std::size_t udp_length = load_be16(h + 4);
  std::size_t payload_length = datagram.size() - kUdpHeader;
  if (udp_length != 0) {  // zero: an IPv6 jumbogram, trust the IP length
    if (udp_length < kUdpHeader) return udp_failure(FrameOutcome::bad_udp_length);
    const std::size_t claimed = udp_length - kUdpHeader;
    if (claimed > payload_length) {
      // Longer than the IP datagram: only a snap length explains that; anything else is broken.
      if (!ip_truncated) return udp_failure(FrameOutcome::bad_udp_length);
    } else {
      payload_length = claimed;  // the IP datagram may carry trailing padding
    }
  }
  UdpDatagram udp;
  udp.src_port = load_be16(h);
  udp.dst_port = load_be16(h + 2);
  udp.payload = datagram.subspan(kUdpHeader, payload_length);
  return udp;
}

bool uses_port(const UdpDatagram& udp, std::uint16_t port) { return udp.src_port == port || udp.dst_port == port; }

}  // namespace

namespace {

TcpReassemblyLimits tcp_limits(const DecoderLimits& limits) {
  TcpReassemblyLimits tcp = limits.tcp;
  if (!limits.track_frames) tcp.max_frame_records = 0;
  return tcp;
}

}  // namespace

PacketDecoder::PacketDecoder(DecoderLimits limits)
    : limits_(limits), ip_(limits.ip), tcp_(tcp_limits(limits)), sctp_(limits.sctp) {}

void PacketDecoder::collect_retained_frames(std::vector<FrameNumber>& out) const {
  ip_.collect_frames(out);
  tcp_.collect_frames(out);
}

FrameOutcome PacketDecoder::decode(const Frame& frame, PayloadSink& sink) {
  ip_.begin_frame();
  ++frame_number_;
  frame_retained_ = false;
  const FrameRefs origin{limits_.track_frames ? std::span<const FrameNumber>(&frame_number_, 1)
                                              : std::span<const FrameNumber>()};
  if (decode_plain_udp(frame, origin, sink)) return FrameOutcome::none;
  const LinkResult link = decode_link(frame.link_type, frame.data);
  if (link.anomaly != FrameOutcome::none) return link.anomaly;
  return decode_network(frame.ts_ns, link, 0, origin, sink);
}

// Nearly every frame of a SIP capture is one shape: a fixed link header, IPv4 without options and
// not a fragment, UDP whose length fits, on no tunnel port. Read straight through, without the
// general path's intermediate results (issue 26: the plumbing cost more than the decoding). Hands
// on the very payload the general path would, or returns false before handing on anything: every
// other frame (VLAN tags, IPv6, options, fragments, a snap length, tunnels, anything malformed)
// goes the general way, which names its anomaly.
bool PacketDecoder::decode_plain_udp(const Frame& frame, const FrameRefs& origin, PayloadSink& sink) {
  // A depth limit below zero refuses even the outermost packet (tunnel_too_deep).
  if (limits_.max_tunnel_depth < 0) return false;
  Payload payload;
  payload.ts_ns = frame.ts_ns;
  payload.transport = Transport::udp;
  payload.origin = origin;
  Bytes datagram;
  if (!read_plain_ipv4(plain_ipv4_network(frame.link_type, frame.data), ip_protocol::kUdp, payload.src, payload.dst,
                       datagram)) {
    return false;
  }
  const UdpDatagram udp = read_udp(datagram, false);
  if (udp.anomaly != FrameOutcome::none || uses_port(udp, limits_.vxlan_port) || uses_port(udp, kGtpUserPort)) {
    return false;
  }
  payload.src_port = udp.src_port;
  payload.dst_port = udp.dst_port;
  payload.bytes = udp.payload;
  sink.on_payload(payload);
  return true;
}

FrameOutcome PacketDecoder::decode_network(std::int64_t ts_ns, const LinkResult& link, int depth, FrameRefs origin,
                                           PayloadSink& sink) {
  if (link.anomaly != FrameOutcome::none) return link.anomaly;
  if (depth > limits_.max_tunnel_depth) return FrameOutcome::tunnel_too_deep;
  IpPacket ip = decode_ip(link.protocol, link.network);
  if (ip.anomaly != FrameOutcome::none) return ip.anomaly;
  if (ip.is_fragment) {
    const IpReassemblyResult whole = ip_.add(ts_ns, ip, events_, origin);
    frame_retained_ |= whole.piece_kept;
    if (whole.anomaly != FrameOutcome::none) return whole.anomaly;
    if (limits_.track_frames) origin = whole.frames;
    ip.payload = whole.payload;
    ip.is_fragment = false;
    ip.truncated = false;
    // In IPv6, extension headers may follow the Fragment header (RFC 8200 §4.5: the fragmentable
    // part); they are only readable now.
    if (ip.src.family == 6 && !skip_ipv6_extension_headers(ip.protocol, ip.payload)) {
      return FrameOutcome::bad_ipv6_extension_header;
    }
  }

  switch (ip.protocol) {
    case ip_protocol::kUdp:
      return decode_udp(ts_ns, ip, depth, origin, sink);
    case ip_protocol::kTcp:
      return decode_tcp(ts_ns, ip, origin, sink);
    case ip_protocol::kSctp: {
      Payload base;
      base.ts_ns = ts_ns;
      base.src = ip.src;
      base.dst = ip.dst;
      base.truncated = ip.truncated;
      // A user message split over several packets names only the packet that completed it.
      base.origin = origin;
      return sctp_.decode(ip.payload, base, sink, events_);
    }
    case ip_protocol::kIpInIp:
      return decode_network(ts_ns, LinkResult{.protocol = NetworkProtocol::ipv4, .network = ip.payload}, depth + 1,
                            origin, sink);
    case ip_protocol::kIpv6InIp:
      return decode_network(ts_ns, LinkResult{.protocol = NetworkProtocol::ipv6, .network = ip.payload}, depth + 1,
                            origin, sink);
    case ip_protocol::kGre:
      return decode_network(ts_ns, decode_gre(ip.payload), depth + 1, origin, sink);
    case ip_protocol::kIcmp:
      return classify_icmp(ip.payload, false);
    case ip_protocol::kIcmpv6:
      return classify_icmp(ip.payload, true);
    case ip_protocol::kEsp:
      return FrameOutcome::encrypted_ipsec;
    default:
      return FrameOutcome::other_ip_protocol;
  }
}

FrameOutcome PacketDecoder::decode_udp(std::int64_t ts_ns, const IpPacket& ip, int depth, FrameRefs origin,
                                       PayloadSink& sink) {
  const UdpDatagram udp = read_udp(ip.payload, ip.truncated);
  if (udp.anomaly != FrameOutcome::none) return udp.anomaly;

  // Tunnels on well-known UDP ports. A payload that does not parse as the tunnel is left to be
  // looked at as an ordinary payload (the port may be in use for something else).
  if (uses_port(udp, limits_.vxlan_port)) {
    const LinkResult inner = decode_vxlan(udp.payload);
    if (inner.anomaly != FrameOutcome::unsupported_tunnel_payload) {
      return decode_network(ts_ns, inner, depth + 1, origin, sink);
    }
  }
  if (uses_port(udp, kGtpUserPort)) {
    const LinkResult inner = decode_gtpu(udp.payload);
    if (inner.anomaly != FrameOutcome::unsupported_tunnel_payload) {
      return decode_network(ts_ns, inner, depth + 1, origin, sink);
    }
  }

  Payload payload{
      .ts_ns = ts_ns,
      .transport = Transport::udp,
      .src = ip.src,
      .dst = ip.dst,
      .src_port = udp.src_port,
      .dst_port = udp.dst_port,
      .truncated = ip.truncated,
      .bytes = udp.payload,
      .origin = origin,
  };
  sink.on_payload(payload);
  return FrameOutcome::none;
}

FrameOutcome PacketDecoder::decode_tcp(std::int64_t ts_ns, const IpPacket& ip, FrameRefs origin, PayloadSink& sink) {
  TcpSegment segment;
  segment.frames = origin;
  segment.ts_ns = ts_ns;
  segment.src = ip.src;
  segment.dst = ip.dst;
  segment.truncated = ip.truncated;
  if (const FrameOutcome header = decode_tcp_header(ip.payload, segment); header != FrameOutcome::none) return header;
  const FrameOutcome outcome = tcp_.add(segment, sink, events_);
  frame_retained_ |= tcp_.segment_retained();
  return outcome;
}

}  // namespace sipmon
