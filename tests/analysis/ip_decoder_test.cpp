#include <catch2/catch.hpp>

#include "analysis/ip_decoder.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

Bytes view(const std::vector<std::uint8_t>& bytes) { return Bytes(bytes.data(), bytes.size()); }

// IPv6 header + the given extension-header bytes + UDP payload; `first_next` names the first one.
std::vector<std::uint8_t> ipv6_with_extensions(std::uint8_t first_next, const std::vector<std::uint8_t>& extensions,
                                               std::string_view payload) {
  auto packet = udp_ip_packet(payload, UdpSpec{.ipv6 = true});
  const std::size_t length = packet.size() - 40 + extensions.size();
  packet[4] = static_cast<std::uint8_t>(length >> 8);
  packet[5] = static_cast<std::uint8_t>(length);
  packet[6] = first_next;
  packet.insert(packet.begin() + 40, extensions.begin(), extensions.end());
  return packet;
}

}  // namespace

TEST_CASE("IPv4 header, addresses, protocol and payload trimmed to the total length", "[ip]") {
  auto packet = udp_ip_packet("hello");
  const std::size_t ip_length = packet.size();
  packet.insert(packet.end(), 6, 0);  // Ethernet minimum-size padding after the datagram
  const IpPacket ip = decode_ipv4(view(packet));
  REQUIRE(ip.anomaly == FrameOutcome::none);
  CHECK(ip.protocol == ip_protocol::kUdp);
  CHECK(ip.src.family == 4);
  CHECK(ip.src.bytes[3] == 1);
  CHECK(ip.dst.bytes[3] == 2);
  CHECK(ip.payload.size() == ip_length - 20);
  CHECK_FALSE(ip.truncated);
  CHECK_FALSE(ip.is_fragment);
}

TEST_CASE("IPv4 options are skipped by the header length", "[ip]") {
  auto packet = udp_ip_packet("hello");
  packet[0] = 0x46;  // 24-byte header
  packet.insert(packet.begin() + 20, {1, 1, 1, 0});
  packet[3] = static_cast<std::uint8_t>(packet.size());
  const IpPacket ip = decode_ipv4(view(packet));
  REQUIRE(ip.anomaly == FrameOutcome::none);
  CHECK(ip.payload.size() == packet.size() - 24);
}

TEST_CASE("broken IPv4 headers are named", "[ip]") {
  auto packet = udp_ip_packet("hello");
  auto bad_ihl = packet;
  bad_ihl[0] = 0x44;
  CHECK(decode_ipv4(view(bad_ihl)).anomaly == FrameOutcome::bad_ipv4_header);
  auto wrong_version = packet;
  wrong_version[0] = 0x65;
  CHECK(decode_ipv4(view(wrong_version)).anomaly == FrameOutcome::ip_version_mismatch);
  const std::vector<std::uint8_t> short_packet(packet.begin(), packet.begin() + 12);
  CHECK(decode_ipv4(view(short_packet)).anomaly == FrameOutcome::truncated_ipv4_header);
}

TEST_CASE("a snap length shorter than the datagram marks it truncated", "[ip]") {
  auto packet = udp_ip_packet(std::string(100, 'a'));
  packet.resize(60);
  const IpPacket ip = decode_ipv4(view(packet));
  REQUIRE(ip.anomaly == FrameOutcome::none);
  CHECK(ip.truncated);
  CHECK(ip.payload.size() == 40);
}

TEST_CASE("IPv4 fragments are recognized as fragments", "[ip]") {
  auto first = udp_ip_packet("hello");
  first[6] = 0x20;  // MF
  CHECK(decode_ipv4(view(first)).is_fragment);
  auto later = udp_ip_packet("hello");
  later[6] = 0x00;
  later[7] = 0x10;  // offset 16 * 8
  const IpPacket ip = decode_ipv4(view(later));
  CHECK(ip.is_fragment);
  CHECK(ip.fragment_offset == 128);
}

TEST_CASE("IPv6 extension headers are walked to the transport header", "[ip]") {
  // Hop-by-hop (8 bytes) -> destination options (8 bytes) -> UDP.
  const std::vector<std::uint8_t> extensions = {60, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0};
  const auto packet = ipv6_with_extensions(0, extensions, "hello");
  const IpPacket ip = decode_ipv6(view(packet));
  REQUIRE(ip.anomaly == FrameOutcome::none);
  CHECK(ip.protocol == ip_protocol::kUdp);
  CHECK(ip.payload.size() == 8 + 5);
  CHECK(ip.src.family == 6);
  CHECK(ip.dst.bytes[15] == 2);
}

TEST_CASE("IPv6 extension lengths: 8-octet units, and the Authentication Header's 4-octet ones", "[ip]") {
  // Hop-by-hop with Hdr Ext Len 1: 16 bytes (RFC 8200 §4.3). Then an Authentication Header with
  // Payload Len 4: (4 + 2) * 4 = 24 bytes (RFC 4302 §2.2), read as 8-octet units it would be 40.
  std::vector<std::uint8_t> extensions(16 + 24, 0);
  extensions[0] = 51;  // next: AH
  extensions[1] = 1;
  extensions[16] = 17;  // next: UDP
  extensions[17] = 4;
  const auto packet = ipv6_with_extensions(0, extensions, "hello");
  const IpPacket ip = decode_ipv6(view(packet));
  REQUIRE(ip.anomaly == FrameOutcome::none);
  CHECK(ip.protocol == ip_protocol::kUdp);
  CHECK(ip.payload.size() == 8 + 5);
}

TEST_CASE("an IPv6 atomic fragment is a whole datagram, a real fragment is not", "[ip]") {
  const std::vector<std::uint8_t> atomic = {17, 0, 0, 0, 0, 0, 0, 7};
  const IpPacket whole = decode_ipv6(view(ipv6_with_extensions(44, atomic, "hello")));
  REQUIRE(whole.anomaly == FrameOutcome::none);
  CHECK_FALSE(whole.is_fragment);
  CHECK(whole.protocol == ip_protocol::kUdp);
  const std::vector<std::uint8_t> first_piece = {17, 0, 0, 1, 0, 0, 0, 7};  // M flag set
  const IpPacket piece = decode_ipv6(view(ipv6_with_extensions(44, first_piece, "hello")));
  CHECK(piece.is_fragment);
  CHECK(piece.more_fragments);
  CHECK(piece.fragment_id == 7);
}

TEST_CASE("an IPv6 extension header longer than the packet is refused", "[ip]") {
  const std::vector<std::uint8_t> extensions = {17, 200, 0, 0, 0, 0, 0, 0};
  CHECK(decode_ipv6(view(ipv6_with_extensions(0, extensions, "x"))).anomaly == FrameOutcome::bad_ipv6_extension_header);
}

TEST_CASE("raw links pick the IP version from the first nibble", "[ip]") {
  CHECK(decode_ip(NetworkProtocol::unknown_ip, view(udp_ip_packet("x", UdpSpec{.ipv6 = true}))).src.family == 6);
  CHECK(decode_ip(NetworkProtocol::unknown_ip, view(udp_ip_packet("x"))).src.family == 4);
  CHECK(decode_ip(NetworkProtocol::unknown_ip, Bytes{}).anomaly != FrameOutcome::none);
}
