#include "analysis/packet_decoder.h"

#include <algorithm>

#include "analysis/ip_decoder.h"
#include "analysis/link_decoder.h"

namespace sipmon {
namespace {

constexpr std::size_t kUdpHeader = 8;

Anomaly classify_other_protocol(std::uint8_t protocol) {
  switch (protocol) {
    case ip_protocol::kTcp:
      return Anomaly::tcp_not_decoded;
    case ip_protocol::kSctp:
      return Anomaly::sctp_not_decoded;
    case ip_protocol::kIcmp:
    case ip_protocol::kIcmpv6:
      return Anomaly::icmp;
    case ip_protocol::kIpInIp:
    case ip_protocol::kIpv6InIp:
    case ip_protocol::kGre:
      return Anomaly::tunnel_not_decoded;
    case ip_protocol::kEsp:
      return Anomaly::encrypted_ipsec;
    default:
      return Anomaly::other_ip_protocol;
  }
}

}  // namespace

Anomaly PacketDecoder::decode(const Frame& frame, PayloadSink& sink) {
  const LinkResult link = decode_link(frame.link_type, frame.data);
  if (link.anomaly != Anomaly::none) return link.anomaly;

  const IpPacket ip = decode_ip(link.protocol, link.network);
  if (ip.anomaly != Anomaly::none) return ip.anomaly;
  if (ip.is_fragment) return Anomaly::ip_fragment;

  if (ip.protocol == ip_protocol::kUdp) return decode_udp(frame.ts_ns, ip, sink);
  return classify_other_protocol(ip.protocol);
}

Anomaly PacketDecoder::decode_udp(std::int64_t ts_ns, const IpPacket& ip, PayloadSink& sink) {
  if (ip.payload.size() < kUdpHeader) {
    return Anomaly::truncated_udp_header;
  }
  const std::uint8_t* h = ip.payload.data();
  const std::size_t udp_length = load_be16(h + 4);
  std::size_t payload_length = ip.payload.size() - kUdpHeader;
  bool truncated = ip.truncated;
  if (udp_length != 0) {  // zero: an IPv6 jumbogram, trust the IP length
    if (udp_length < kUdpHeader) return Anomaly::bad_udp_length;
    const std::size_t claimed = udp_length - kUdpHeader;
    if (claimed > payload_length) {
      // Longer than the IP datagram: only a snap length explains that; anything else is broken.
      if (!ip.truncated) return Anomaly::bad_udp_length;
    } else {
      payload_length = claimed;  // the IP datagram may carry trailing padding
    }
  }
  Payload payload{
      .ts_ns = ts_ns,
      .transport = Transport::udp,
      .src = ip.src,
      .dst = ip.dst,
      .src_port = load_be16(h),
      .dst_port = load_be16(h + 2),
      .truncated = truncated,
      .bytes = ip.payload.subspan(kUdpHeader, payload_length),
  };
  sink.on_payload(payload);
  return Anomaly::none;
}

}  // namespace sipmon
