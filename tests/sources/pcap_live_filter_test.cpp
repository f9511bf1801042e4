// The libpcap fallback's capture filter with media endpoints (docs/live.md, "libpcap fallback"):
// compiled by libpcap itself and run on built frames with pcap_offline_filter, the same classic
// BPF program pcap_setfilter attaches to the socket.
#include <catch2/catch.hpp>

#include <pcap/pcap.h>

#include "sources/pcap_live_source.h"
#include "support/frame_builder.h"

namespace sipmon {
namespace {

IpAddress v4(std::uint8_t last) {
  IpAddress address;
  address.bytes[0] = 10;
  address.bytes[3] = last;
  return address;
}

IpAddress v6(std::uint8_t last) {  // 2001:db8::last, as the frame builder writes it
  IpAddress address;
  address.family = 6;
  address.bytes[0] = 0x20;
  address.bytes[1] = 0x01;
  address.bytes[2] = 0x0d;
  address.bytes[3] = 0xb8;
  address.bytes[15] = last;
  return address;
}

struct Compiled {
  explicit Compiled(const std::string& expression) : pcap(pcap_open_dead(DLT_EN10MB, 65535)) {
    ok = pcap_compile(pcap, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
  }
  ~Compiled() {
    if (ok) pcap_freecode(&program);
    pcap_close(pcap);
  }
  bool passes(const std::vector<std::uint8_t>& frame) const {
    pcap_pkthdr header{};
    header.caplen = header.len = static_cast<bpf_u_int32>(frame.size());
    return pcap_offline_filter(&program, &header, frame.data()) != 0;
  }
  pcap_t* pcap;
  bpf_program program{};
  bool ok = false;
};

std::vector<std::uint8_t> udp(bool ipv6, std::uint8_t src, std::uint16_t sport, std::uint8_t dst, std::uint16_t dport) {
  return test::sip_udp_frame(
      "\x80\x00\x00\x01rtp-ish",
      {.ipv6 = ipv6, .src_port = sport, .dst_port = dport, .src_last_octet = src, .dst_last_octet = dst});
}

}  // namespace

TEST_CASE("pcap fallback filter: SIP ports only until endpoints are watched") {
  Compiled filter(pcap_filter_expression({5060}));
  REQUIRE(filter.ok);
  CHECK(filter.passes(udp(false, 1, 5060, 2, 5060)));
  CHECK_FALSE(filter.passes(udp(false, 1, 40000, 2, 30000)));
}

TEST_CASE("pcap fallback filter: UDP to or from a watched endpoint passes, other UDP does not") {
  const std::vector<PcapMediaEndpoint> endpoints{{v4(2), 30000}, {v6(9), 31000}};
  Compiled filter(pcap_filter_expression({5060}, endpoints));
  REQUIRE(filter.ok);
  CHECK(filter.passes(udp(false, 1, 5060, 2, 5060)));          // SIP still
  CHECK(filter.passes(udp(false, 1, 40000, 2, 30000)));        // to 10.0.0.2:30000
  CHECK(filter.passes(udp(false, 2, 30000, 1, 40000)));        // from it (symmetric RTP)
  CHECK_FALSE(filter.passes(udp(false, 1, 40000, 3, 30000)));  // the port on another host
  CHECK_FALSE(filter.passes(udp(false, 1, 40000, 2, 30002)));  // another port on the host
  CHECK(filter.passes(udp(true, 1, 40000, 9, 31000)));         // IPv6 endpoint
  CHECK_FALSE(filter.passes(udp(true, 1, 40000, 8, 31000)));
  // The same under a VLAN tag left in the frame.
  auto tagged = test::ethernet(test::udp_ip_packet("x", {.src_port = 4, .dst_port = 30000, .dst_last_octet = 2}), false,
                               {0x8100});
  CHECK(filter.passes(tagged));
}

TEST_CASE("pcap fallback filter: past the bound every UDP datagram passes, and the bound fits the kernel") {
  std::vector<PcapMediaEndpoint> endpoints;
  for (std::size_t i = 0; i < kPcapMaxFilterEndpoints; ++i)
    endpoints.push_back({v6(static_cast<std::uint8_t>(i)), static_cast<std::uint16_t>(20000 + 2 * i)});
  {
    Compiled filter(pcap_filter_expression({5060, 5061}, endpoints));
    REQUIRE(filter.ok);
    CHECK(filter.program.bf_len <= 4096);  // BPF_MAXINSNS: more and the kernel refuses it
    CHECK_FALSE(filter.passes(udp(false, 1, 40000, 2, 30000)));
    CHECK(filter.passes(udp(true, 1, 40000, 5, 20010)));
  }
  endpoints.push_back({v4(2), 1});
  const std::string expression = pcap_filter_expression({5060}, endpoints);
  CHECK(expression.find("host") == std::string::npos);
  Compiled filter(expression);
  REQUIRE(filter.ok);
  CHECK(filter.passes(udp(false, 1, 40000, 3, 30000)));  // any UDP: the engine matches
  CHECK_FALSE(filter.passes(test::tcp_frame("x", {.src_port = 4000, .dst_port = 4001})));
}

}  // namespace sipmon
