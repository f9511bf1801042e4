#include "analysis/icmp_decoder.h"

#include "analysis/ip_decoder.h"
#include "analysis/sip_parser.h"

namespace sipmon {
namespace {

constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kUdpHeader = 8;

bool is_error(std::uint8_t type, bool icmpv6) {
  if (icmpv6) return type >= 1 && type <= 4;  // unreachable, too big, time exceeded, parameter problem
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

}  // namespace

FrameOutcome classify_icmp(Bytes message, bool icmpv6) {
  if (message.size() < kIcmpHeader || !is_error(message[0], icmpv6)) return FrameOutcome::icmp;
  // The quote is usually cut short, so its IP lengths claim more than is there: that is expected.
  const IpPacket quoted =
      decode_ip(icmpv6 ? NetworkProtocol::ipv6 : NetworkProtocol::ipv4, message.subspan(kIcmpHeader));
  if (quoted.anomaly != FrameOutcome::none || quoted.fragment_offset != 0) return FrameOutcome::icmp;
  Bytes payload;
  if (quoted.protocol == ip_protocol::kUdp && quoted.payload.size() > kUdpHeader) {
    payload = quoted.payload.subspan(kUdpHeader);
  } else if (quoted.protocol == ip_protocol::kTcp && quoted.payload.size() >= 20) {
    const std::size_t header = static_cast<std::size_t>(quoted.payload[12] >> 4) * 4;
    if (header >= 20 && quoted.payload.size() > header) payload = quoted.payload.subspan(header);
  }
  return !payload.empty() && looks_like_sip_start(as_text(payload)) ? FrameOutcome::icmp_quoted_sip
                                                                    : FrameOutcome::icmp;
}

}  // namespace sipmon
