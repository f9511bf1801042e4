#pragma once
// Builds frames byte by byte for tests: Ethernet (optionally VLAN-tagged), Linux cooked, raw IP;
// IPv4 or IPv6; UDP. Checksums are left zero: the decoders never verify them (captures taken
// on the sending host carry offloaded, i.e. wrong, checksums).
#include <cstdint>
#include <string_view>
#include <vector>

#include "analysis/frame.h"

namespace sipmon::test {

struct UdpSpec {
  bool ipv6 = false;
  std::uint16_t src_port = 5060;
  std::uint16_t dst_port = 5060;
  std::uint8_t src_last_octet = 1;  // 10.0.0.x or 2001:db8::x
  std::uint8_t dst_last_octet = 2;
};

std::vector<std::uint8_t> udp_ip_packet(std::string_view payload, const UdpSpec& spec = {});
std::vector<std::uint8_t> ethernet(const std::vector<std::uint8_t>& ip_packet, bool ipv6,
                                   const std::vector<std::uint16_t>& vlan_tpids = {});
std::vector<std::uint8_t> linux_sll(const std::vector<std::uint8_t>& ip_packet, bool ipv6);
std::vector<std::uint8_t> linux_sll2(const std::vector<std::uint8_t>& ip_packet, bool ipv6);

// Convenience: an Ethernet/IPv4/UDP frame carrying `payload`.
std::vector<std::uint8_t> sip_udp_frame(std::string_view payload, const UdpSpec& spec = {});

// --- Transports and tunnels (additions for the transports issue) ---

struct IpSpec {
  bool ipv6 = false;
  std::uint8_t src_last_octet = 1;
  std::uint8_t dst_last_octet = 2;
  std::uint16_t id = 0x1234;  // IPv4 identification
};

// An IPv4 or IPv6 header (no options, no extension headers) carrying `transport` as `protocol`.
std::vector<std::uint8_t> ip_packet(std::uint8_t protocol, const std::vector<std::uint8_t>& transport,
                                    const IpSpec& spec = {});

struct TcpSpec {
  std::uint16_t src_port = 5060;
  std::uint16_t dst_port = 5060;
  std::uint32_t seq = 1000;
  bool syn = false;
  bool fin = false;
  bool rst = false;
};

// A TCP header (20 bytes, ACK set) followed by `payload`.
std::vector<std::uint8_t> tcp_segment(std::string_view payload, const TcpSpec& spec = {});
// Ethernet/IP/TCP frame.
std::vector<std::uint8_t> tcp_frame(std::string_view payload, const TcpSpec& spec = {}, const IpSpec& ip = {});

// A piece of an IPv4 datagram `whole` (as udp_ip_packet builds it): bytes [offset, offset+length)
// of its payload, with the more-fragments flag as given.
std::vector<std::uint8_t> ipv4_fragment(const std::vector<std::uint8_t>& whole, std::size_t offset, std::size_t length,
                                        bool more);
// The same for IPv6 (40-byte header, no extension headers): a Fragment header is inserted.
std::vector<std::uint8_t> ipv6_fragment(const std::vector<std::uint8_t>& whole, std::size_t offset, std::size_t length,
                                        bool more, std::uint32_t id = 7);

// An SCTP DATA chunk (flags: B=2, E=1) and a packet of chunks.
std::vector<std::uint8_t> sctp_data_chunk(std::string_view payload, std::uint8_t flags = 0x03, std::uint32_t tsn = 1,
                                          std::uint16_t stream = 0);
std::vector<std::uint8_t> sctp_packet(const std::vector<std::vector<std::uint8_t>>& chunks,
                                      std::uint16_t src_port = 5060, std::uint16_t dst_port = 5060);

// GRE header (version 0) with an optional sequence number, then `inner`.
std::vector<std::uint8_t> gre(std::uint16_t protocol, const std::vector<std::uint8_t>& inner,
                              bool with_sequence = false);

// One WebSocket frame; masked with `mask` when it is given (client to server).
std::vector<std::uint8_t> websocket_frame(std::string_view payload, std::uint8_t opcode = 1, bool fin = true,
                                          const std::uint8_t* mask = nullptr);

Frame make_frame(const std::vector<std::uint8_t>& bytes, LinkType link = LinkType::ethernet, std::int64_t ts_ns = 0);

}  // namespace sipmon::test

namespace sipmon::test {

// A TCP segment (PSH|ACK, 20-byte header) carrying `payload`, in IPv4 or IPv6 per `spec`.
std::vector<std::uint8_t> tcp_ip_packet(std::string_view payload, const UdpSpec& spec = {});

// Splits an IPv4 packet (20-byte header, as udp_ip_packet builds) into fragments carrying at most
// `fragment_payload` bytes each (rounded down to a multiple of 8); `id` is the datagram id.
std::vector<std::vector<std::uint8_t>> ipv4_fragments(const std::vector<std::uint8_t>& packet,
                                                      std::size_t fragment_payload, std::uint16_t id = 0x4242);

// Splits an IPv6 packet (bare 40-byte header, as udp_ip_packet builds) with fragment headers.
std::vector<std::vector<std::uint8_t>> ipv6_fragments(const std::vector<std::uint8_t>& packet,
                                                      std::size_t fragment_payload, std::uint32_t id = 0x42424242);

// Inserts a hop-by-hop and a destination-options header (8 bytes each) after the IPv6 header.
std::vector<std::uint8_t> ipv6_with_extension_headers(const std::vector<std::uint8_t>& packet);

}  // namespace sipmon::test
