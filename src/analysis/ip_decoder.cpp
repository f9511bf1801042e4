#include "analysis/ip_decoder.h"

#include <algorithm>
#include <cstring>

namespace sipmon {
namespace {

constexpr std::size_t kIpv6Header = 40;
// Extension headers a datagram may legitimately stack before its transport header; the bound
// keeps a crafted chain from looping.
constexpr int kMaxIpv6ExtensionHeaders = 16;

namespace ipv6_next {
constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kAuthentication = 51;
constexpr std::uint8_t kDestinationOptions = 60;
constexpr std::uint8_t kMobility = 135;
constexpr std::uint8_t kHip = 139;
constexpr std::uint8_t kShim6 = 140;
}  // namespace ipv6_next

IpPacket ip_failure(FrameOutcome anomaly) {
  IpPacket ip;
  ip.anomaly = anomaly;
  return ip;
}

// The payload the IP header promises, cut to what was captured.
Bytes trim_to(Bytes packet, std::size_t header, std::size_t ip_length, bool& truncated) {
  truncated = ip_length > packet.size();
  const std::size_t end = std::min(ip_length, packet.size());
  return packet.subspan(header, end - header);
}

}  // namespace

bool skip_ipv6_extension_headers(std::uint8_t& protocol, Bytes& payload) {
  for (int i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    switch (protocol) {
      case ipv6_next::kHopByHop:
      case ipv6_next::kRouting:
      case ipv6_next::kDestinationOptions:
      case ipv6_next::kMobility:
      case ipv6_next::kHip:
      case ipv6_next::kShim6: {
        if (payload.size() < 8) return false;
        const std::size_t length = (std::size_t{payload[1]} + 1) * 8;
        if (payload.size() < length) return false;
        protocol = payload[0];
        payload = payload.subspan(length);
        continue;
      }
      default:
        return true;
    }
  }
  return false;
}

IpPacket decode_ipv4(Bytes packet) {
  if (packet.size() < ipv4::kMinHeader) return ip_failure(FrameOutcome::truncated_ipv4_header);
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 4) return ip_failure(FrameOutcome::ip_version_mismatch);
  const std::size_t header = std::size_t{p[0] & 0x0fu} * 4;
  const std::size_t total = load_be16(p + 2);
  if (header < ipv4::kMinHeader || total < header) return ip_failure(FrameOutcome::bad_ipv4_header);
  if (packet.size() < header) return ip_failure(FrameOutcome::truncated_ipv4_header);

  IpPacket ip;
  ip.src = ipv4::address(p + 12);
  ip.dst = ipv4::address(p + 16);
  ip.protocol = p[9];
  const std::uint16_t flags_offset = load_be16(p + 6);
  ip.more_fragments = (flags_offset & ipv4::kMoreFragments) != 0;
  ip.fragment_offset = static_cast<std::uint32_t>(flags_offset & ipv4::kFragmentOffset) * 8;
  ip.is_fragment = ip.more_fragments || ip.fragment_offset != 0;
  ip.fragment_id = load_be16(p + 4);
  ip.payload = trim_to(packet, header, total, ip.truncated);
  return ip;
}

IpPacket decode_ipv6(Bytes packet) {
  if (packet.size() < kIpv6Header) return ip_failure(FrameOutcome::truncated_ipv6_header);
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 6) return ip_failure(FrameOutcome::ip_version_mismatch);

  IpPacket ip;
  ip.src.family = ip.dst.family = 6;
  std::memcpy(ip.src.bytes.data(), p + 8, 16);
  std::memcpy(ip.dst.bytes.data(), p + 24, 16);
  // A zero payload length means a jumbogram (hop-by-hop option); take what was captured.
  const std::size_t payload_length = load_be16(p + 4);
  const std::size_t total = payload_length == 0 ? packet.size() : kIpv6Header + payload_length;
  Bytes rest = trim_to(packet, kIpv6Header, total, ip.truncated);

  std::uint8_t next = p[6];
  for (int i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    switch (next) {
      case ipv6_next::kHopByHop:
      case ipv6_next::kRouting:
      case ipv6_next::kDestinationOptions:
      case ipv6_next::kMobility:
      case ipv6_next::kHip:
      case ipv6_next::kShim6:
      case ipv6_next::kAuthentication: {
        if (rest.size() < 8) return ip_failure(FrameOutcome::bad_ipv6_extension_header);
        // Hdr Ext Len counts 8-octet units past the first 8 (RFC 8200 §4.3); the Authentication
        // Header's Payload Len counts 4-octet units, minus 2 (RFC 4302 §2.2).
        const std::size_t length =
            next == ipv6_next::kAuthentication ? (std::size_t{rest[1]} + 2) * 4 : (std::size_t{rest[1]} + 1) * 8;
        if (rest.size() < length) return ip_failure(FrameOutcome::bad_ipv6_extension_header);
        next = rest[0];
        rest = rest.subspan(length);
        continue;
      }
      case ipv6_next::kFragment: {
        if (rest.size() < 8) return ip_failure(FrameOutcome::bad_ipv6_extension_header);
        const std::uint16_t offset_flags = load_be16(rest.data() + 2);
        ip.fragment_offset = std::uint32_t{offset_flags & 0xfff8u};
        ip.more_fragments = (offset_flags & 1) != 0;
        ip.fragment_id = load_be32(rest.data() + 4);
        // An atomic fragment (offset 0, no more) is a whole datagram: keep decoding it.
        ip.is_fragment = ip.is_fragment || ip.more_fragments || ip.fragment_offset != 0;
        next = rest[0];
        rest = rest.subspan(8);
        if (ip.is_fragment) {
          ip.protocol = next;
          ip.payload = rest;
          return ip;
        }
        continue;
      }
      default:
        ip.protocol = next;
        ip.payload = rest;
        return ip;
    }
  }
  return ip_failure(FrameOutcome::bad_ipv6_extension_header);
}

IpPacket decode_ip(NetworkProtocol protocol, Bytes packet) {
  switch (protocol) {
    case NetworkProtocol::ipv4:
      return decode_ipv4(packet);
    case NetworkProtocol::ipv6:
      return decode_ipv6(packet);
    case NetworkProtocol::unknown_ip:
      break;
  }
  if (packet.empty()) return ip_failure(FrameOutcome::truncated_ipv4_header);
  return (packet[0] >> 4) == 6 ? decode_ipv6(packet) : decode_ipv4(packet);
}

}  // namespace sipmon
