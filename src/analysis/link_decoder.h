#pragma once
// Link layer: strips whatever the capture put in front of the network header (Ethernet with any
// number of VLAN tags, Linux cooked v1/v2, BSD null/loop, or nothing) and says which network
// protocol follows.
#include <cstdint>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"

namespace sipmon {

enum class NetworkProtocol : std::uint8_t { ipv4, ipv6, unknown_ip /* raw link: decide by nibble */ };

struct LinkResult {
  FrameOutcome anomaly = FrameOutcome::none;  // none: network points at the network header
  NetworkProtocol protocol = NetworkProtocol::unknown_ip;
  std::uint16_t vlan_tags = 0;  // how many 802.1Q/802.1ad tags were stripped
  Bytes network;
};

// Ethernet-family ethertype chain starting at `type_offset` (shared by Ethernet and SLL headers).
LinkResult decode_ethertype_chain(Bytes frame, std::size_t type_offset);

LinkResult decode_link(std::uint32_t link_type, Bytes frame);

// The packet decoder's fast path (issue 26): when the link header says that IPv4 follows it
// directly (no VLAN tag, PPPoE or MPLS), the bytes decode_link would hand on as `network`.
// Empty for anything else, which decode_link then takes (and names, if it is an anomaly).
Bytes plain_ipv4_network(std::uint32_t link_type, Bytes frame);

// PPP (RFC 1661) frame from its address/control or protocol field: used inside PPPoE and GRE.
LinkResult decode_ppp(Bytes frame);

}  // namespace sipmon
