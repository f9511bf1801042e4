#pragma once
// Tunnels that carry mirrored or mobile traffic: GRE (RFC 2784/2890, with PPP as PPTP uses it,
// transparent Ethernet bridging, and Cisco ERSPAN types I, II and III), VXLAN (RFC 7348) and
// GTP-U (3GPP TS 29.281). Each returns what a link decoder returns for the inner packet, so the
// packet decoder can go round again. IP-in-IP needs no header of its own (the outer IP protocol
// field says 4 or 41).
#include <cstdint>

#include "analysis/bytes.h"
#include "analysis/link_decoder.h"

namespace sipmon {

inline constexpr std::uint16_t kVxlanPort = 4789;
inline constexpr std::uint16_t kGtpUserPort = 2152;

// `packet` starts at the GRE header.
LinkResult decode_gre(Bytes packet);

// `payload` is a UDP payload on the VXLAN port. anomaly != none when it is not VXLAN.
LinkResult decode_vxlan(Bytes payload);

// `payload` is a UDP payload on the GTP-U port. Only G-PDUs (user data) carry an inner packet;
// signalling messages (echo, error indication) come back as unsupported_tunnel_payload.
LinkResult decode_gtpu(Bytes payload);

}  // namespace sipmon
