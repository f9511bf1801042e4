#include <catch2/catch.hpp>

#include <string>

#include "analysis/packet_decoder.h"
#include "analysis/tunnel_decoder.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::string_view kOptions =
    "OPTIONS sip:bob@example.com SIP/2.0\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
constexpr std::uint8_t kGre = 47;

using Packet = std::vector<std::uint8_t>;

Packet concat(Packet head, const Packet& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// The inner SIP packet every tunnel below carries: 10.0.0.7 -> 10.0.0.8, UDP 5060.
Packet inner_ip() { return udp_ip_packet(kOptions, UdpSpec{.src_last_octet = 7, .dst_last_octet = 8}); }
Packet inner_ethernet() { return ethernet(inner_ip(), false); }

// Decodes an Ethernet/IPv4 frame carrying `transport` as `protocol`; expects the inner SIP.
void expect_inner_sip(std::uint8_t protocol, const Packet& transport) {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto frame = ethernet(ip_packet(protocol, transport), false);
  REQUIRE(decoder.decode(make_frame(frame), sink) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == kOptions);
  CHECK(sink.meta[0].src.bytes[3] == 7);  // the inner endpoints, not the tunnel's
  CHECK(sink.meta[0].dst.bytes[3] == 8);
}

Packet udp_with(std::uint16_t port, const Packet& payload) {
  const std::string text(payload.begin(), payload.end());
  const auto ip = udp_ip_packet(text, UdpSpec{.src_port = 40000, .dst_port = port});
  return Packet(ip.begin() + 20, ip.end());  // the UDP header and payload
}

}  // namespace

TEST_CASE("GRE carries IPv4, IPv6 and Ethernet", "[tunnel]") {
  expect_inner_sip(kGre, gre(0x0800, inner_ip()));
  expect_inner_sip(kGre, gre(0x0800, inner_ip(), true));
  expect_inner_sip(kGre, gre(0x6558, inner_ethernet()));
  PacketDecoder decoder;
  CollectingSink sink;
  const auto v6 = udp_ip_packet(kOptions, UdpSpec{.ipv6 = true});
  REQUIRE(decoder.decode(make_frame(ethernet(ip_packet(kGre, gre(0x86dd, v6)), false)), sink) == FrameOutcome::none);
  CHECK(sink.meta.at(0).src.family == 6);
}

TEST_CASE("ERSPAN type I, II and III inside GRE", "[tunnel]") {
  expect_inner_sip(kGre, gre(0x88be, inner_ethernet()));  // type I: no header, no sequence
  const Packet erspan2 = {0x10, 0x01, 0x00, 0x05, 0, 0, 0, 0};
  expect_inner_sip(kGre, gre(0x88be, concat(erspan2, inner_ethernet()), true));
  Packet erspan3 = {0x20, 0x01, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0};
  expect_inner_sip(kGre, gre(0x22eb, concat(erspan3, inner_ethernet()), true));
  erspan3[11] = 0x01;  // O flag: an 8-byte platform subheader follows
  expect_inner_sip(kGre, gre(0x22eb, concat(concat(erspan3, Packet(8, 0)), inner_ethernet()), true));
}

TEST_CASE("PPP inside enhanced GRE (PPTP), with and without address/control", "[tunnel]") {
  Packet pptp = {0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 1, 0, 0, 0, 1};  // K, S, version 1; key; sequence
  expect_inner_sip(kGre, concat(concat(pptp, {0xff, 0x03, 0x00, 0x21}), inner_ip()));
  expect_inner_sip(kGre, concat(concat(pptp, {0x21}), inner_ip()));  // compressed protocol field
}

TEST_CASE("IP-in-IP and IPv6-in-IPv4", "[tunnel]") {
  expect_inner_sip(4, inner_ip());
  PacketDecoder decoder;
  CollectingSink sink;
  const auto v6 = udp_ip_packet(kOptions, UdpSpec{.ipv6 = true});
  REQUIRE(decoder.decode(make_frame(ethernet(ip_packet(41, v6), false)), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == kOptions);
}

TEST_CASE("VXLAN on UDP 4789 and GTP-U on UDP 2152", "[tunnel]") {
  const Packet vxlan = {0x08, 0, 0, 0, 0, 0, 0x2a, 0};
  expect_inner_sip(17, udp_with(kVxlanPort, concat(vxlan, inner_ethernet())));
  const auto ip = inner_ip();
  Packet gtp = {0x30, 0xff, static_cast<std::uint8_t>(ip.size() >> 8), static_cast<std::uint8_t>(ip.size()), 0, 0,
                0,    1};
  expect_inner_sip(17, udp_with(kGtpUserPort, concat(gtp, ip)));
  // With a sequence number and one extension header (PDU session container, 4 bytes).
  const Packet ext = {0, 1, 0, 0x85, 1, 0x10, 0x01, 0x00};
  const std::size_t length = ext.size() + ip.size();
  Packet gtp_ext = {0x36, 0xff, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length), 0, 0, 0, 1};
  expect_inner_sip(17, udp_with(kGtpUserPort, concat(concat(gtp_ext, ext), ip)));
}

TEST_CASE("GTP signalling and non-VXLAN payloads on tunnel ports are ordinary UDP", "[tunnel]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const Packet echo = {0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0};
  const auto frame = ethernet(ip_packet(17, udp_with(kGtpUserPort, echo)), false);
  CHECK(decoder.decode(make_frame(frame), sink) == FrameOutcome::none);  // handed on as a UDP payload
  CHECK(sink.meta.at(0).dst_port == kGtpUserPort);
  CHECK(decode_gtpu(Bytes(echo.data(), echo.size())).anomaly == FrameOutcome::unsupported_tunnel_payload);
  const Packet truncated = {0x30, 0xff, 0, 4};
  CHECK(decode_gtpu(Bytes(truncated.data(), truncated.size())).anomaly == FrameOutcome::truncated_tunnel_header);
}

TEST_CASE("tunnels nest only so deep", "[tunnel]") {
  Packet packet = inner_ip();
  for (int i = 0; i < 6; ++i) packet = ip_packet(kGre, gre(0x0800, packet));
  PacketDecoder decoder;
  CollectingSink sink;
  CHECK(decoder.decode(make_frame(ethernet(packet, false)), sink) == FrameOutcome::tunnel_too_deep);
  CHECK(sink.payloads.empty());
}

TEST_CASE("PPPoE sessions and MPLS label stacks in the link layer", "[tunnel]") {
  PacketDecoder decoder;
  CollectingSink sink;
  Packet pppoe = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0, 0, 0x00, 0x21};
  CHECK(decoder.decode(make_frame(concat(pppoe, inner_ip())), sink) == FrameOutcome::none);
  Packet mpls = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0x47, 0, 0x01, 0x00, 64, 0, 0x02, 0x01, 64};
  CHECK(decoder.decode(make_frame(concat(mpls, inner_ip())), sink) == FrameOutcome::none);
  CHECK(sink.payloads.size() == 2);
}

TEST_CASE("ICMP errors quoting SIP are counted apart, not as messages", "[tunnel][icmp]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const Packet unreachable = {3, 3, 0, 0, 0, 0, 0, 0};
  const auto quoted = concat(unreachable, inner_ip());
  CHECK(decoder.decode(make_frame(ethernet(ip_packet(1, quoted), false)), sink) == FrameOutcome::icmp_quoted_sip);
  const Packet echo = {8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
  CHECK(decoder.decode(make_frame(ethernet(ip_packet(1, echo), false)), sink) == FrameOutcome::icmp);
  const auto v6 = udp_ip_packet(kOptions, UdpSpec{.ipv6 = true});
  const Packet too_big = {2, 0, 0, 0, 0, 0, 0x05, 0x00};
  CHECK(decoder.decode(make_frame(ethernet(ip_packet(58, concat(too_big, v6), IpSpec{.ipv6 = true}), true)), sink) ==
        FrameOutcome::icmp_quoted_sip);
  CHECK(sink.payloads.empty());
}

TEST_CASE("a SIP INVITE sent from the VXLAN port is not taken for VXLAN", "[tunnel]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto frame = sip_udp_frame("INVITE sip:b@x SIP/2.0\r\n\r\n", UdpSpec{.src_port = kVxlanPort, .dst_port = 5060});
  REQUIRE(decoder.decode(make_frame(frame), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == "INVITE sip:b@x SIP/2.0\r\n\r\n");
  CHECK(sink.meta.at(0).src_port == kVxlanPort);
}
