#include <catch2/catch.hpp>

#include "analysis/link_decoder.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

Bytes view(const std::vector<std::uint8_t>& bytes) { return Bytes(bytes.data(), bytes.size()); }
std::uint32_t type(LinkType link) { return static_cast<std::uint32_t>(link); }

}  // namespace

TEST_CASE("Ethernet without tags points at the IP header", "[link]") {
  const auto ip = udp_ip_packet("x");
  const auto frame = ethernet(ip, false);
  const LinkResult result = decode_link(type(LinkType::ethernet), view(frame));
  REQUIRE(result.anomaly == FrameOutcome::none);
  CHECK(result.protocol == NetworkProtocol::ipv4);
  CHECK(result.vlan_tags == 0);
  CHECK(result.network.size() == ip.size());
  CHECK(result.network[0] == 0x45);
}

TEST_CASE("802.1Q, QinQ 0x88a8 and 0x9100 tags are stripped at any depth", "[link]") {
  const auto ip = udp_ip_packet("x", UdpSpec{.ipv6 = true});
  const auto frame = ethernet(ip, true, {0x88a8, 0x9100, 0x8100});
  const LinkResult result = decode_link(type(LinkType::ethernet), view(frame));
  REQUIRE(result.anomaly == FrameOutcome::none);
  CHECK(result.protocol == NetworkProtocol::ipv6);
  CHECK(result.vlan_tags == 3);
  CHECK(result.network.size() == ip.size());
}

TEST_CASE("an endless VLAN chain is refused, not followed", "[link]") {
  const auto frame = ethernet(udp_ip_packet("x"), false, std::vector<std::uint16_t>(20, 0x8100));
  CHECK(decode_link(type(LinkType::ethernet), view(frame)).anomaly == FrameOutcome::too_many_vlan_tags);
}

TEST_CASE("non-IP ethertypes and short frames are named", "[link]") {
  std::vector<std::uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  CHECK(decode_link(type(LinkType::ethernet), view(arp)).anomaly == FrameOutcome::non_ip_ethertype);
  const std::vector<std::uint8_t> runt(10, 0);
  CHECK(decode_link(type(LinkType::ethernet), view(runt)).anomaly == FrameOutcome::truncated_link_header);
  auto tagged = ethernet(udp_ip_packet("x"), false, {0x8100});
  tagged.resize(16);  // the tag is there but the inner ethertype is cut off
  CHECK(decode_link(type(LinkType::ethernet), view(tagged)).anomaly == FrameOutcome::truncated_link_header);
}

TEST_CASE("Linux cooked captures v1 and v2", "[link]") {
  const auto ip = udp_ip_packet("x", UdpSpec{.ipv6 = true});
  const LinkResult v1 = decode_link(type(LinkType::linux_sll), view(linux_sll(ip, true)));
  REQUIRE(v1.anomaly == FrameOutcome::none);
  CHECK(v1.protocol == NetworkProtocol::ipv6);
  CHECK(v1.network.size() == ip.size());
  const LinkResult v2 = decode_link(type(LinkType::linux_sll2), view(linux_sll2(ip, true)));
  REQUIRE(v2.anomaly == FrameOutcome::none);
  CHECK(v2.protocol == NetworkProtocol::ipv6);
  CHECK(v2.network.size() == ip.size());
}

TEST_CASE("BSD null in either byte order, loop in network order", "[link]") {
  const auto ip = udp_ip_packet("x");
  std::vector<std::uint8_t> little = {2, 0, 0, 0};
  little.insert(little.end(), ip.begin(), ip.end());
  std::vector<std::uint8_t> big = {0, 0, 0, 2};
  big.insert(big.end(), ip.begin(), ip.end());
  for (const auto* frame : {&little, &big}) {
    const LinkResult result = decode_link(type(LinkType::null_bsd), view(*frame));
    REQUIRE(result.anomaly == FrameOutcome::none);
    CHECK(result.protocol == NetworkProtocol::ipv4);
    CHECK(result.network.size() == ip.size());
  }
  CHECK(decode_link(type(LinkType::loop), view(big)).protocol == NetworkProtocol::ipv4);
  std::vector<std::uint8_t> darwin_v6 = {30, 0, 0, 0};
  CHECK(decode_link(type(LinkType::null_bsd), view(darwin_v6)).protocol == NetworkProtocol::ipv6);
  std::vector<std::uint8_t> appletalk = {16, 0, 0, 0};
  CHECK(decode_link(type(LinkType::null_bsd), view(appletalk)).anomaly == FrameOutcome::non_ip_address_family);
}

TEST_CASE("raw IP links and unknown link types", "[link]") {
  const auto ip = udp_ip_packet("x");
  const LinkResult raw = decode_link(type(LinkType::raw), view(ip));
  CHECK(raw.anomaly == FrameOutcome::none);
  CHECK(raw.protocol == NetworkProtocol::unknown_ip);
  CHECK(decode_link(type(LinkType::ipv4), view(ip)).protocol == NetworkProtocol::ipv4);
  CHECK(decode_link(147, view(ip)).anomaly == FrameOutcome::unsupported_link_type);
}
