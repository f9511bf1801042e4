#pragma once
// Network layer: IPv4 and IPv6 (with its extension-header chain) down to the transport payload.
#include <array>
#include <cstdint>
#include <cstring>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"
#include "analysis/link_decoder.h"

namespace sipmon {

// An IPv4 address is kept in the first four bytes; `family` says which.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t family = 4;  // 4 or 6

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

namespace ipv4 {
inline constexpr std::size_t kMinHeader = 20;
// The flags and fragment offset field (RFC 791 §3.1): MF, and the offset in units of 8 bytes.
inline constexpr std::uint16_t kMoreFragments = 0x2000;
inline constexpr std::uint16_t kFragmentOffset = 0x1fff;

inline IpAddress address(const std::uint8_t* p) {
  IpAddress address;
  address.family = 4;
  std::memcpy(address.bytes.data(), p, 4);
  return address;
}
}  // namespace ipv4

namespace ip_protocol {
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kIpInIp = 4;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIpv6InIp = 41;
inline constexpr std::uint8_t kGre = 47;
inline constexpr std::uint8_t kEsp = 50;
inline constexpr std::uint8_t kIcmpv6 = 58;
inline constexpr std::uint8_t kSctp = 132;
}  // namespace ip_protocol

struct IpPacket {
  FrameOutcome anomaly = FrameOutcome::none;  // none: the fields below are valid
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;  // transport protocol after all extension headers
  bool is_fragment = false;   // a piece of a larger datagram (not an atomic fragment)
  std::uint32_t fragment_id = 0;
  std::uint32_t fragment_offset = 0;  // bytes
  bool more_fragments = false;
  bool truncated = false;  // the capture holds less than the IP length says (snap length)
  Bytes payload;           // transport header onwards, trimmed to the IP length
};

// Skips IPv6 extension headers at the start of `payload` (those after a Fragment header are only
// readable once the datagram is reassembled). Returns false when one is cut short or the chain is
// too long; `protocol` and `payload` then stay where the walk stopped.
bool skip_ipv6_extension_headers(std::uint8_t& protocol, Bytes& payload);

IpPacket decode_ipv4(Bytes packet);
IpPacket decode_ipv6(Bytes packet);
IpPacket decode_ip(NetworkProtocol protocol, Bytes packet);

// The packet decoder's fast path (issue 26): an IPv4 datagram with a 20-byte header (no options),
// not a fragment, captured whole and carrying `protocol`. Sets `src`, `dst` and `payload` as
// decode_ipv4 would (whose is_fragment and truncated would be false) and returns true; returns
// false for anything else, which decode_ipv4 then takes (and names, if it is an anomaly).
// Inline, like the rest of the fast path: its calls would cost as much as its reading.
inline bool read_plain_ipv4(Bytes packet, std::uint8_t protocol, IpAddress& src, IpAddress& dst, Bytes& payload) {
  if (packet.size() < ipv4::kMinHeader) return false;
  const std::uint8_t* p = packet.data();
  const std::size_t total = load_be16(p + 2);
  // 0x45: version 4, header length 5 words. The total length between the header and what was
  // captured: neither bad_ipv4_header nor truncated.
  if (p[0] != 0x45 || p[9] != protocol || total < ipv4::kMinHeader || total > packet.size()) return false;
  if ((load_be16(p + 6) & (ipv4::kMoreFragments | ipv4::kFragmentOffset)) != 0) return false;
  src = ipv4::address(p + 12);
  dst = ipv4::address(p + 16);
  payload = packet.subspan(ipv4::kMinHeader, total - ipv4::kMinHeader);
  return true;
}

}  // namespace sipmon
