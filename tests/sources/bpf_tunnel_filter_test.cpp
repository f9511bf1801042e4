// The kernel filter follows the encapsulations the replay decoder follows (issue 24): every frame
// here is run through the kernel's BPF (BPF_PROG_TEST_RUN) and through the replay decoder
// (PacketDecoder); the filter must copy exactly the frames in which the decoder finds a payload on
// a SIP port, and count each encapsulation it crossed. Needs root (sipmon_root_tests).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "analysis/packet_decoder.h"
#include "sources/bpf_filter_harness.h"
#include "support/frame_builder.h"

namespace sipmon {
namespace {

using test::Filter;
using test::Packet;
using test::payload_of;

const std::string& kInvite = test::kBpfTestInvite;

std::string_view as_view(const Packet& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Packet concat(Packet head, const Packet& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

Packet sip_ip(bool ipv6 = false, std::uint16_t port = 5060) {
  return test::udp_ip_packet(kInvite, {.ipv6 = ipv6, .src_port = 40000, .dst_port = port});
}

Packet eth_ip(const Packet& ip, bool ipv6 = false) { return test::ethernet(ip, ipv6); }

// Outer IPv4 carrying `payload` as `protocol`.
Packet outer(std::uint8_t protocol, const Packet& payload) {
  return eth_ip(test::ip_packet(protocol, payload, {.src_last_octet = 7, .dst_last_octet = 8}));
}

Packet udp_to(std::uint16_t port, const Packet& payload) {
  return eth_ip(test::udp_ip_packet(as_view(payload), {.src_port = 33333, .dst_port = port}));
}

Packet vxlan(const Packet& inner_frame) { return concat({0x08, 0, 0, 0, 0, 0x12, 0x34, 0}, inner_frame); }

// A GTP-U G-PDU; with `extension`, a one-unit PDU session container before the inner packet.
Packet gtpu(const Packet& inner_ip, bool extension = false) {
  Packet body;
  if (extension) body = {0, 1, 0, 0x85, /* extension: 1 unit */ 1, 0x10, 0x05, 0};
  body = concat(body, inner_ip);
  Packet header = {static_cast<std::uint8_t>(extension ? 0x34 : 0x30),
                   0xff,
                   static_cast<std::uint8_t>(body.size() >> 8),
                   static_cast<std::uint8_t>(body.size()),
                   0,
                   0,
                   0,
                   1};
  return concat(header, body);
}

Packet erspan2(const Packet& inner_frame) {
  return test::gre(0x88be, concat({0x10, 0x64, 0, 0, 0, 0, 0, 0}, inner_frame), true);
}

Packet erspan3(const Packet& inner_frame, bool platform_subheader) {
  Packet header = {0x20, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(platform_subheader ? 1 : 0)};
  if (platform_subheader) header.insert(header.end(), 8, 0);
  return test::gre(0x22eb, concat(header, inner_frame));
}

// Wraps an IP packet in `levels` IPv4-in-IPv4 headers.
Packet ip_in_ip(Packet ip, int levels) {
  for (int i = 0; i < levels; ++i) ip = test::ip_packet(4, ip, {.src_last_octet = 20, .dst_last_octet = 21});
  return ip;
}

struct SipPorts : PayloadSink {
  void on_payload(const Payload& payload) override {
    for (std::uint16_t port : {payload.src_port, payload.dst_port}) found |= port == 5060 || port == 5061;
  }
  bool found = false;
};

// The replay decoder's verdict on one frame, on its own.
bool decoder_finds_sip_port(const Packet& frame) {
  PacketDecoder decoder;
  SipPorts sink;
  decoder.decode(test::make_frame(frame), sink);
  return sink.found;
}

// Runs `frame` through both; they must agree, and the filter copy it whole when it matched.
bool filter_matches(Filter& filter, const Packet& frame) {
  filter.run(frame);
  const auto records = filter.take();
  const bool copied = records.size() == 1 && payload_of(records[0]) == frame;
  CHECK(records.size() <= 1);
  CHECK(copied == decoder_finds_sip_port(frame));
  return copied;
}

}  // namespace

TEST_CASE("bpf tunnels: GRE with IPv4, IPv6, Ethernet and PPP payloads", "[bpf]") {
  Filter filter;
  CHECK(filter_matches(filter, outer(47, test::gre(0x0800, sip_ip()))));
  CHECK(filter_matches(filter, outer(47, test::gre(0x86dd, sip_ip(true), true))));
  CHECK(filter_matches(filter, outer(47, test::gre(0x6558, eth_ip(sip_ip())))));
  CHECK(filter_matches(filter, outer(47, test::gre(0x880b, concat({0xff, 0x03, 0x00, 0x21}, sip_ip())))));
  CHECK(filter_matches(filter, outer(47, test::gre(0x880b, concat({0x57}, sip_ip(true))))));  // compressed protocol
  CHECK_FALSE(filter_matches(filter, outer(47, test::gre(0x0800, sip_ip(false, 53)))));
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 5);
  CHECK(filter.counter(SIPMON_COUNTER_GRE) == 5);
  CHECK(filter.counter(SIPMON_COUNTER_GRE_PPP) == 2);
  CHECK(filter.counter(SIPMON_COUNTER_ERSPAN) == 0);
}

TEST_CASE("bpf tunnels: ERSPAN types I, II and III, with a VLAN-tagged mirrored frame", "[bpf]") {
  Filter filter;
  const Packet mirrored = eth_ip(sip_ip());
  const Packet tagged = test::ethernet(sip_ip(), false, {0x8100});
  CHECK(filter_matches(filter, outer(47, test::gre(0x88be, mirrored))));  // type I: no header
  CHECK(filter_matches(filter, outer(47, erspan2(mirrored))));
  CHECK(filter_matches(filter, outer(47, erspan2(tagged))));
  CHECK(filter_matches(filter, outer(47, erspan3(mirrored, false))));
  CHECK(filter_matches(filter, outer(47, erspan3(tagged, true))));
  CHECK_FALSE(filter_matches(filter, outer(47, erspan2(eth_ip(sip_ip(false, 443))))));
  CHECK(filter.counter(SIPMON_COUNTER_ERSPAN) == 5);
  CHECK(filter.counter(SIPMON_COUNTER_GRE) == 5);
  CHECK(filter.counter(SIPMON_COUNTER_VLAN) == 2);
}

TEST_CASE("bpf tunnels: VXLAN on its port, and on the one configured instead", "[bpf]") {
  const Packet inner = eth_ip(sip_ip());
  {
    Filter filter;
    CHECK(filter_matches(filter, udp_to(4789, vxlan(inner))));
    CHECK(filter_matches(filter, udp_to(4789, vxlan(test::ethernet(sip_ip(true), true, {0x88a8, 0x8100})))));
    Packet not_vxlan = vxlan(inner);
    not_vxlan[0] = 0x49;  // 'I': flags other than I and G set, as a SIP INVITE from port 4789 would be
    CHECK_FALSE(filter_matches(filter, udp_to(4789, not_vxlan)));
    CHECK_FALSE(filter_matches(filter, udp_to(8472, vxlan(inner))));
    CHECK(filter.counter(SIPMON_COUNTER_VXLAN) == 2);
  }
  Filter linux_port({5060, 5061}, SIPMON_DEFAULT_SNAPLEN, 1u << 20, 8472);
  linux_port.run(udp_to(8472, vxlan(inner)));
  linux_port.run(udp_to(4789, vxlan(inner)));
  CHECK(linux_port.take().size() == 1);
  CHECK(linux_port.counter(SIPMON_COUNTER_VXLAN) == 1);
}

TEST_CASE("bpf tunnels: GTP-U G-PDUs, with extension headers, and no other GTP message", "[bpf]") {
  Filter filter;
  CHECK(filter_matches(filter, udp_to(2152, gtpu(sip_ip()))));
  CHECK(filter_matches(filter, udp_to(2152, gtpu(sip_ip(true), true))));
  CHECK(filter_matches(
      filter, udp_to(2152, gtpu(test::tcp_ip_packet(kInvite, {.ipv6 = true, .src_port = 5060, .dst_port = 40000})))));
  Packet echo = gtpu(sip_ip());
  echo[1] = 1;  // echo request
  filter.run(udp_to(2152, echo));
  CHECK(filter.take().empty());
  CHECK(filter.counter(SIPMON_COUNTER_GTPU) == 3);
}

TEST_CASE("bpf tunnels: IPv4 and IPv6 in IP, nested up to the decoder's depth and no deeper", "[bpf]") {
  static_assert(SIPMON_MAX_TUNNEL_DEPTH == 4);
  Filter filter;
  CHECK(filter_matches(filter, outer(4, sip_ip())));
  CHECK(filter_matches(filter, outer(41, sip_ip(true))));
  CHECK(filter_matches(filter, eth_ip(test::ip_packet(41, sip_ip(true), {.ipv6 = true}), true)));
  CHECK(filter.counter(SIPMON_COUNTER_IP_IN_IP) == 3);
  // Outer IP + 4 tunnels is the deepest the decoder follows.
  CHECK(filter_matches(filter, eth_ip(ip_in_ip(sip_ip(), 4))));
  CHECK_FALSE(filter_matches(filter, eth_ip(ip_in_ip(sip_ip(), 5))));
  CHECK(filter.counter(SIPMON_COUNTER_TUNNEL_TOO_DEEP) == 1);
  // Different tunnels count the same way: GRE in VXLAN in GTP-U in IP-in-IP.
  const Packet mixed = test::udp_ip_packet(
      as_view(gtpu(test::udp_ip_packet(as_view(vxlan(eth_ip(test::ip_packet(47, test::gre(0x0800, sip_ip()))))),
                                       {.src_port = 1, .dst_port = 4789}))),
      {.src_port = 2, .dst_port = 2152});
  CHECK(filter_matches(filter, eth_ip(ip_in_ip(mixed, 1))));
  CHECK_FALSE(filter_matches(filter, eth_ip(ip_in_ip(mixed, 2))));
  CHECK(filter.counter(SIPMON_COUNTER_TUNNEL_TOO_DEEP) == 2);
}

TEST_CASE("bpf tunnels: SIP over SCTP is matched by its ports, DATA chunks whole", "[bpf]") {
  Filter filter;
  const Packet data = test::sctp_packet({test::sctp_data_chunk(kInvite)}, 40000, 5060);
  CHECK(filter_matches(filter, outer(132, data)));
  CHECK(filter_matches(filter, outer(47, test::gre(0x0800, test::ip_packet(132, data)))));
  CHECK_FALSE(filter_matches(filter, outer(132, test::sctp_packet({test::sctp_data_chunk(kInvite)}, 2905, 2905))));
  CHECK(filter.counter(SIPMON_COUNTER_SCTP) == 2);
}

TEST_CASE("bpf tunnels: fragments inside a tunnel and fragmented tunnel packets all follow", "[bpf]") {
  Filter filter;
  const std::string big = kInvite + std::string(2400, 'v');
  const Packet sip = test::udp_ip_packet(big, {.src_port = 40000, .dst_port = 5060});
  // Inner fragments, each in its own GRE packet: the later ones carry no ports.
  const auto inner = test::ipv4_fragments(sip, 1000, 11);
  REQUIRE(inner.size() == 3);
  for (const Packet& piece : inner) filter.run(outer(47, test::gre(0x0800, piece)));
  CHECK(filter.take().size() == 3);
  // An outer datagram (GRE carrying the whole SIP packet) fragmented on the way.
  const Packet tunnelled = test::ip_packet(47, test::gre(0x0800, sip), {.id = 77});
  const auto outer_pieces = test::ipv4_fragments(tunnelled, 1000, 77);
  REQUIRE(outer_pieces.size() == 3);
  for (const Packet& piece : outer_pieces) filter.run(eth_ip(piece));
  CHECK(filter.take().size() == 3);
  // The same with something else inside: no fragment of it passes.
  const Packet other = test::ip_packet(47, test::gre(0x0800, test::udp_ip_packet(big, {.src_port = 1, .dst_port = 2})));
  for (const Packet& piece : test::ipv4_fragments(other, 1000, 78)) filter.run(eth_ip(piece));
  CHECK(filter.take().empty());
  CHECK(filter.counter(SIPMON_COUNTER_FRAGMENTS) == 6);
  // The outer datagram's later fragments carry no GRE header: only its first fragment crossed GRE.
  CHECK(filter.counter(SIPMON_COUNTER_GRE) == 3 + 1);
}

TEST_CASE("bpf tunnels: MPLS and PPPoE on the mirrored link", "[bpf]") {
  Filter filter;
  Packet mpls = eth_ip(concat({0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40}, sip_ip()));  // two labels
  mpls[12] = 0x88;
  mpls[13] = 0x47;
  CHECK(filter_matches(filter, mpls));
  Packet pppoe = eth_ip(concat({0x11, 0x00, 0x00, 0x01, 0, 0, 0x00, 0x21}, sip_ip()));
  pppoe[12] = 0x88;
  pppoe[13] = 0x64;
  CHECK(filter_matches(filter, pppoe));
  CHECK(filter.counter(SIPMON_COUNTER_MPLS) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_PPPOE) == 1);
}

}  // namespace sipmon
