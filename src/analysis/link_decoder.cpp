#include "analysis/link_decoder.h"

#include "analysis/frame.h"

namespace sipmon {
namespace {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;     // 802.1Q
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;     // 802.1ad service tag
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;  // pre-standard QinQ
constexpr std::uint16_t kEthertypeQinQOld2 = 0x9200;
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;
constexpr std::uint16_t kEthertypeMpls = 0x8847;
constexpr std::uint16_t kEthertypeMplsMulticast = 0x8848;
constexpr std::size_t kPppoeHeader = 6;
// Label stacks deeper than a handful are not seen in practice; the bound keeps the walk finite.
constexpr int kMaxMplsLabels = 8;
// Real networks rarely stack more than two tags; a longer chain is more likely garbage than
// traffic, and the bound keeps the loop finite on crafted input.
constexpr int kMaxVlanTags = 8;

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kSllHeader = 16;
constexpr std::size_t kSll2Header = 20;
constexpr std::size_t kNullHeader = 4;

// BSD address families as written by the capturing host (AF_INET6 differs between BSDs).
constexpr std::uint32_t kAfInet = 2;
constexpr std::uint32_t kAfInet6Bsd = 24;
constexpr std::uint32_t kAfInet6FreeBsd = 28;
constexpr std::uint32_t kAfInet6Darwin = 30;
constexpr std::uint32_t kAfInet6Linux = 10;

LinkResult link_failure(FrameOutcome anomaly) {
  LinkResult result;
  result.anomaly = anomaly;
  return result;
}

bool is_vlan(std::uint16_t type) {
  return type == kEthertypeVlan || type == kEthertypeQinQ || type == kEthertypeQinQOld || type == kEthertypeQinQOld2;
}

LinkResult from_family(std::uint32_t family, Bytes frame) {
  LinkResult result{.network = frame.subspan(kNullHeader)};
  if (family == kAfInet) {
    result.protocol = NetworkProtocol::ipv4;
  } else if (family == kAfInet6Bsd || family == kAfInet6FreeBsd || family == kAfInet6Darwin ||
             family == kAfInet6Linux) {
    result.protocol = NetworkProtocol::ipv6;
  } else {
    return link_failure(FrameOutcome::non_ip_address_family);
  }
  return result;
}

// Written in the capturing host's byte order, which the file does not record: the family is a
// small number, so whichever order gives one is right.
std::uint32_t null_family(Bytes frame) {
  const std::uint32_t family = load_le32(frame.data());
  return family > 0xffff ? load_be32(frame.data()) : family;
}

// The network header after a fixed-size link header whose protocol field at `type_offset` says
// IPv4; empty when the frame is shorter than the header or the field says anything else.
Bytes ipv4_after(Bytes frame, std::size_t type_offset, std::size_t header) {
  if (frame.size() < header || load_be16(frame.data() + type_offset) != kEthertypeIpv4) return {};
  return frame.subspan(header);
}

}  // namespace

LinkResult decode_ethertype_chain(Bytes frame, std::size_t type_offset) {
  LinkResult result;
  std::size_t offset = type_offset;
  for (;;) {
    if (frame.size() < offset + 2) return link_failure(FrameOutcome::truncated_link_header);
    const std::uint16_t type = load_be16(frame.data() + offset);
    if (is_vlan(type)) {
      if (++result.vlan_tags > kMaxVlanTags) return link_failure(FrameOutcome::too_many_vlan_tags);
      offset += 4;  // TCI (2) + next ethertype (2)
      continue;
    }
    offset += 2;
    if (type == kEthertypePppoeSession) {
      if (frame.size() < offset + kPppoeHeader) return link_failure(FrameOutcome::truncated_pppoe_header);
      LinkResult ppp = decode_ppp(frame.subspan(offset + kPppoeHeader));
      ppp.vlan_tags = result.vlan_tags;
      return ppp;
    }
    if (type == kEthertypeMpls || type == kEthertypeMplsMulticast) {
      // Labels until the bottom-of-stack bit; then IP, told apart by its version nibble.
      for (int i = 0;; ++i) {
        if (i == kMaxMplsLabels) return link_failure(FrameOutcome::too_many_mpls_labels);
        if (frame.size() < offset + 4) return link_failure(FrameOutcome::truncated_link_header);
        const bool bottom = (frame[offset + 2] & 0x01) != 0;
        offset += 4;
        if (bottom) break;
      }
      result.protocol = NetworkProtocol::unknown_ip;
      result.network = frame.subspan(offset);
      return result;
    }
    if (type == kEthertypeIpv4) {
      result.protocol = NetworkProtocol::ipv4;
    } else if (type == kEthertypeIpv6) {
      result.protocol = NetworkProtocol::ipv6;
    } else {
      return link_failure(FrameOutcome::non_ip_ethertype);
    }
    result.network = frame.subspan(offset);
    return result;
  }
}

LinkResult decode_ppp(Bytes frame) {
  std::size_t offset = 0;
  if (frame.size() >= 2 && frame[0] == 0xff && frame[1] == 0x03) offset = 2;  // HDLC address/control
  if (frame.size() < offset + 1) return link_failure(FrameOutcome::truncated_pppoe_header);
  // Protocol-field compression (RFC 1661 §6.5): an odd first byte is a one-byte protocol.
  std::uint16_t protocol = frame[offset];
  if ((protocol & 1) != 0) {
    offset += 1;
  } else {
    if (frame.size() < offset + 2) return link_failure(FrameOutcome::truncated_pppoe_header);
    protocol = load_be16(frame.data() + offset);
    offset += 2;
  }
  LinkResult result{.network = frame.subspan(offset)};
  if (protocol == 0x0021) {
    result.protocol = NetworkProtocol::ipv4;
  } else if (protocol == 0x0057) {
    result.protocol = NetworkProtocol::ipv6;
  } else {
    return link_failure(FrameOutcome::non_ip_ppp_protocol);
  }
  return result;
}

LinkResult decode_link(std::uint32_t link_type, Bytes frame) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::ethernet:
      if (frame.size() < kEthernetHeader) return link_failure(FrameOutcome::truncated_link_header);
      return decode_ethertype_chain(frame, 12);
    case LinkType::linux_sll:
      if (frame.size() < kSllHeader) return link_failure(FrameOutcome::truncated_link_header);
      return decode_ethertype_chain(frame, 14);
    case LinkType::linux_sll2: {
      if (frame.size() < kSll2Header) return link_failure(FrameOutcome::truncated_link_header);
      // SLL2 puts the protocol first; the rest of the 20-byte header is interface metadata.
      const std::uint16_t type = load_be16(frame.data());
      if (is_vlan(type)) {
        // The tag's TCI follows the header; the next ethertype follows the TCI.
        LinkResult tagged = decode_ethertype_chain(frame, kSll2Header + 2);
        ++tagged.vlan_tags;
        return tagged;
      }
      LinkResult result{.network = frame.subspan(kSll2Header)};
      if (type == kEthertypeIpv4) {
        result.protocol = NetworkProtocol::ipv4;
      } else if (type == kEthertypeIpv6) {
        result.protocol = NetworkProtocol::ipv6;
      } else {
        return link_failure(FrameOutcome::non_ip_ethertype);
      }
      return result;
    }
    case LinkType::null_bsd:
      if (frame.size() < kNullHeader) return link_failure(FrameOutcome::truncated_link_header);
      return from_family(null_family(frame), frame);
    case LinkType::loop:
      if (frame.size() < kNullHeader) return link_failure(FrameOutcome::truncated_link_header);
      return from_family(load_be32(frame.data()), frame);
    case LinkType::raw:
      return LinkResult{.protocol = NetworkProtocol::unknown_ip, .network = frame};
    case LinkType::ipv4:
      return LinkResult{.protocol = NetworkProtocol::ipv4, .network = frame};
    case LinkType::ipv6:
      return LinkResult{.protocol = NetworkProtocol::ipv6, .network = frame};
  }
  return link_failure(FrameOutcome::unsupported_link_type);
}

Bytes plain_ipv4_network(std::uint32_t link_type, Bytes frame) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::ethernet:
      return ipv4_after(frame, 12, kEthernetHeader);
    case LinkType::linux_sll:
      return ipv4_after(frame, 14, kSllHeader);
    case LinkType::linux_sll2:
      return ipv4_after(frame, 0, kSll2Header);
    case LinkType::null_bsd:
      if (frame.size() < kNullHeader || null_family(frame) != kAfInet) return {};
      return frame.subspan(kNullHeader);
    case LinkType::loop:
      if (frame.size() < kNullHeader || load_be32(frame.data()) != kAfInet) return {};
      return frame.subspan(kNullHeader);
    case LinkType::raw:  // the version nibble decides: the IPv4 reader checks it
    case LinkType::ipv4:
      return frame;
    case LinkType::ipv6:
      break;
  }
  return {};
}

}  // namespace sipmon
