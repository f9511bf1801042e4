#include "analysis/tunnel_decoder.h"

#include "analysis/frame.h"

namespace sipmon {
namespace {

constexpr std::uint16_t kGreIpv4 = 0x0800;
constexpr std::uint16_t kGreIpv6 = 0x86dd;
constexpr std::uint16_t kGreEthernet = 0x6558;  // transparent Ethernet bridging
constexpr std::uint16_t kGrePpp = 0x880b;
constexpr std::uint16_t kGreErspan12 = 0x88be;  // type I (no header) or II
constexpr std::uint16_t kGreErspan3 = 0x22eb;
constexpr std::size_t kErspan2Header = 8;
constexpr std::size_t kErspan3Header = 12;
constexpr std::size_t kErspan3PlatformHeader = 8;
constexpr std::size_t kVxlanHeader = 8;
constexpr std::size_t kGtpHeader = 8;
constexpr std::uint8_t kGtpGpdu = 0xff;
constexpr int kMaxGtpExtensions = 8;

LinkResult fail(FrameOutcome anomaly) {
  LinkResult result;
  result.anomaly = anomaly;
  return result;
}

LinkResult ethernet(Bytes frame) { return decode_link(static_cast<std::uint32_t>(LinkType::ethernet), frame); }

}  // namespace

LinkResult decode_gre(Bytes packet) {
  if (packet.size() < 4) return fail(FrameOutcome::truncated_tunnel_header);
  const std::uint8_t flags = packet[0];
  const std::uint8_t version = packet[1] & 0x07;
  const bool checksum = (flags & 0x80) != 0;
  const bool routing = (flags & 0x40) != 0;
  const bool key = (flags & 0x20) != 0;
  const bool sequence = (flags & 0x10) != 0;
  const bool ack = (packet[1] & 0x80) != 0;
  const std::uint16_t protocol = load_be16(packet.data() + 2);
  std::size_t header = 4;
  if (version == 0) {
    // RFC 1701 source routing is obsolete and variable-length; nobody mirrors traffic with it.
    if (routing) return fail(FrameOutcome::unsupported_tunnel_payload);
    header += (checksum ? 4 : 0) + (key ? 4 : 0) + (sequence ? 4 : 0);
  } else if (version == 1) {
    // Enhanced GRE (RFC 2637, PPTP): the key carries payload length and call id.
    header += 4 + (sequence ? 4 : 0) + (ack ? 4 : 0);
  } else {
    return fail(FrameOutcome::unsupported_tunnel_payload);
  }
  if (packet.size() < header) return fail(FrameOutcome::truncated_tunnel_header);
  const Bytes inner = packet.subspan(header);
  switch (protocol) {
    case kGreIpv4:
      return LinkResult{.protocol = NetworkProtocol::ipv4, .network = inner};
    case kGreIpv6:
      return LinkResult{.protocol = NetworkProtocol::ipv6, .network = inner};
    case kGreEthernet:
      return ethernet(inner);
    case kGrePpp:
      return decode_ppp(inner);
    case kGreErspan12:
      // Type I has no header and no sequence number; type II always sets S.
      if (!sequence) return ethernet(inner);
      if (inner.size() < kErspan2Header) return fail(FrameOutcome::truncated_tunnel_header);
      return ethernet(inner.subspan(kErspan2Header));
    case kGreErspan3: {
      if (inner.size() < kErspan3Header) return fail(FrameOutcome::truncated_tunnel_header);
      // The O flag (last bit of the header) announces an 8-byte platform-specific subheader.
      const std::size_t length = kErspan3Header + ((inner[11] & 0x01) ? kErspan3PlatformHeader : 0);
      if (inner.size() < length) return fail(FrameOutcome::truncated_tunnel_header);
      return ethernet(inner.subspan(length));
    }
    default:
      return fail(FrameOutcome::unsupported_tunnel_payload);
  }
}

LinkResult decode_vxlan(Bytes payload) {
  if (payload.size() < kVxlanHeader) return fail(FrameOutcome::truncated_tunnel_header);
  // Only the I flag (a VNI is present) and the group-policy G flag may be set, and the last byte is
  // reserved. Strict on purpose: 'I' (0x49), as in a SIP INVITE sent from port 4789, has 0x08 set.
  if ((payload[0] & 0x08) == 0 || (payload[0] & 0x77) != 0 || payload[7] != 0) {
    return fail(FrameOutcome::unsupported_tunnel_payload);
  }
  return ethernet(payload.subspan(kVxlanHeader));
}

LinkResult decode_gtpu(Bytes payload) {
  if (payload.size() < kGtpHeader) return fail(FrameOutcome::truncated_tunnel_header);
  const std::uint8_t flags = payload[0];
  if ((flags >> 5) != 1 || (flags & 0x10) == 0)
    return fail(FrameOutcome::unsupported_tunnel_payload);  // GTPv1, not GTP'
  if (payload[1] != kGtpGpdu) return fail(FrameOutcome::unsupported_tunnel_payload);
  // The length field counts everything after the mandatory 8 bytes; trailing bytes are padding.
  const std::size_t end = std::min(payload.size(), kGtpHeader + load_be16(payload.data() + 2));
  std::size_t offset = kGtpHeader;
  if ((flags & 0x07) != 0) {
    // Any of E, S, PN: sequence number, N-PDU number and next extension type are all present.
    if (end < offset + 4) return fail(FrameOutcome::truncated_tunnel_header);
    std::uint8_t next = payload[offset + 3];
    offset += 4;
    for (int i = 0; next != 0; ++i) {
      if (i == kMaxGtpExtensions) return fail(FrameOutcome::truncated_tunnel_header);
      if (end < offset + 1) return fail(FrameOutcome::truncated_tunnel_header);
      const std::size_t length = std::size_t{payload[offset]} * 4;
      if (length == 0 || end < offset + length) return fail(FrameOutcome::truncated_tunnel_header);
      next = payload[offset + length - 1];
      offset += length;
    }
  }
  return LinkResult{.protocol = NetworkProtocol::unknown_ip, .network = payload.subspan(offset, end - offset)};
}

}  // namespace sipmon
