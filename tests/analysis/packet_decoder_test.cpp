#include <catch2/catch.hpp>

#include <vector>

#include "analysis/packet_decoder.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

struct CollectingSink : PayloadSink {
  std::vector<std::string> payloads;
  std::vector<Payload> meta;
  void on_payload(const Payload& payload) override {
    payloads.emplace_back(as_text(payload.bytes));
    meta.push_back(payload);
  }
};

}  // namespace

TEST_CASE("UDP payload is handed over with ports and addresses", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto frame = sip_udp_frame("OPTIONS", UdpSpec{.src_port = 5070, .dst_port = 5060});
  REQUIRE(decoder.decode(make_frame(frame, LinkType::ethernet, 42), sink) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == "OPTIONS");
  CHECK(sink.meta[0].src_port == 5070);
  CHECK(sink.meta[0].dst_port == 5060);
  CHECK(sink.meta[0].ts_ns == 42);
  CHECK(sink.meta[0].transport == Transport::udp);
}

TEST_CASE("the UDP length, not the frame, bounds the payload", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("SIP");
  ip.insert(ip.end(), {0, 0, 0});                // bytes after the datagram (padding)
  ip[3] = static_cast<std::uint8_t>(ip.size());  // IP says they belong to it; UDP does not
  REQUIRE(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == "SIP");
}

TEST_CASE("a UDP length beyond the datagram is malformed unless the capture was cut", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("SIP");
  ip[20 + 5] = 200;  // UDP length 200 in a 31-byte datagram
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::bad_udp_length);
  auto short_udp = udp_ip_packet("SIP");
  short_udp[20 + 5] = 4;  // shorter than its own header
  CHECK(decoder.decode(make_frame(ethernet(short_udp, false)), sink) == FrameOutcome::bad_udp_length);
  CHECK(sink.payloads.empty());
}

TEST_CASE("transports not decoded yet are named, not dropped", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("x");
  ip[9] = ip_protocol::kEsp;
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::encrypted_ipsec);
  ip[9] = 99;
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::other_ip_protocol);
  auto truncated = ethernet(udp_ip_packet("x"), false);
  truncated.resize(14 + 20 + 4);
  CHECK(decoder.decode(make_frame(truncated), sink) == FrameOutcome::truncated_udp_header);
}

TEST_CASE("Linux cooked v2 and IPv6 reach the payload", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto ip = udp_ip_packet("SIP/2.0 200 OK", UdpSpec{.ipv6 = true});
  REQUIRE(decoder.decode(make_frame(linux_sll2(ip, true), LinkType::linux_sll2), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == "SIP/2.0 200 OK");
  CHECK(sink.meta.at(0).src.family == 6);
}
