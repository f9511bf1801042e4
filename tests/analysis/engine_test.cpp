#include <catch2/catch.hpp>

#include <memory>

#include "analysis/engine.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

}  // namespace

TEST_CASE("engine counts a request, a response, a keep-alive and non-SIP payloads once each", "[engine]") {
  Engine engine;
  const auto invite = sip_udp_frame(kInvite);
  const auto ok = sip_udp_frame(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
      "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\nFrom: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n");
  const auto keepalive = sip_udp_frame("\r\n\r\n");
  const auto dns = sip_udp_frame("\x12\x34\x01\x00", UdpSpec{.src_port = 53, .dst_port = 53});
  for (const auto* bytes : {&invite, &ok, &keepalive, &dns}) engine.on_frame(make_frame(*bytes, LinkType::ethernet, 1));

  const Report report = engine.report();
  CHECK(report.capture.packets == 4);
  CHECK(report.capture.sip_messages == 2);
  CHECK(report.capture.keepalives == 1);
  CHECK(report.capture.non_sip == 1);
  CHECK(report.capture.outcomes[FrameOutcome::payload_not_sip] == 1);
  CHECK(report.capture.malformed() == 0);
  CHECK(report.requests[Method::invite] == 1);
  CHECK(report.responses.count(200) == 1);
  CHECK(count_of(report.responses[Method::invite], 200) == 1);  // the 200's CSeq says INVITE
}

TEST_CASE("engine's port filter leaves SIP on other ports out and says so", "[engine]") {
  Engine engine(EngineConfig{.ports = {5080}});
  const auto invite = sip_udp_frame(kInvite);
  engine.on_frame(make_frame(invite));
  const Report report = engine.report();
  CHECK(report.capture.sip_messages == 0);
  CHECK(report.capture.outcomes[FrameOutcome::port_filtered] == 1);
}

TEST_CASE("every frame lands in exactly one outcome", "[engine]") {
  Engine engine;
  const auto invite = sip_udp_frame(kInvite);
  std::vector<std::uint8_t> truncated(invite.begin(), invite.begin() + 20);
  engine.on_frame(make_frame(invite));
  engine.on_frame(make_frame(truncated));
  engine.on_frame(make_frame(invite, static_cast<LinkType>(147)));
  const Report report = engine.report();
  const auto& c = report.capture;
  CHECK(c.packets == 3);
  CHECK(c.sip_packets + c.keepalives + c.non_sip + c.unsupported_link + 1 /* truncated */ == c.packets);
  CHECK(c.outcomes[FrameOutcome::truncated_ipv4_header] == 1);
  CHECK(c.unsupported_link == 1);
  CHECK(c.unsupported_link_by_type.at(147) == 1);
}

TEST_CASE("engine counts per peer when given a peers table", "[engine][peers]") {
  // frame_builder addresses are 10.0.0.x.
  auto peers = PeerTable::parse("alice_side 10.0.0.1\n", "test");
  REQUIRE(peers);
  Engine engine(EngineConfig{.ports = {}, .peers = std::make_shared<const PeerTable>(std::move(*peers))});
  engine.on_frame(make_frame(sip_udp_frame(kInvite, UdpSpec{.src_last_octet = 1, .dst_last_octet = 2})));
  engine.on_frame(make_frame(sip_udp_frame(kInvite, UdpSpec{.src_last_octet = 3, .dst_last_octet = 4})));
  engine.on_frame(make_frame(sip_udp_frame(
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
      "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\nFrom: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
      UdpSpec{.src_last_octet = 2, .dst_last_octet = 1})));  // to alice_side: still alice_side's
  const Report report = engine.report();
  REQUIRE(report.peers.size() == 2);
  CHECK(report.peers.at("alice_side").request_count(Method::invite) == 1);
  CHECK(count_of(report.peers.at("alice_side").responses, 486) == 1);
  CHECK(report.peers.at("other").request_count(Method::invite) == 1);
  CHECK(report.peers.at("other").responses.empty());

  Engine without;  // no table: no per-peer section
  without.on_frame(make_frame(sip_udp_frame(kInvite)));
  CHECK(without.report().peers.empty());
}

TEST_CASE("a start line with none of the five mandatory headers is SIP only on SIP's ports", "[engine]") {
  Engine engine;
  // On port 80: text that merely begins like SIP (an HTTP body). tshark does not count it.
  const auto http = sip_udp_frame("SIP/2.0 200 ok\r\nContent-Type: text/html\r\n\r\n<html></html>",
                                  UdpSpec{.src_port = 80, .dst_port = 40000});
  // On port 5060: a broken REGISTER (zeek's sip-junk-before-request), which tshark counts.
  const auto broken = sip_udp_frame("REGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n",
                                    UdpSpec{.src_port = 31000, .dst_port = 5060});
  engine.on_frame(make_frame(http));
  engine.on_frame(make_frame(broken));
  const Report report = engine.report();
  CHECK(report.capture.sip_messages == 1);
  CHECK(report.requests[Method::register_] == 1);
  CHECK(report.responses.count(200) == 0);
  CHECK(report.capture.outcomes[FrameOutcome::sip_start_line_only] == 1);
}

TEST_CASE("a TCP flow speaking HTTP whose segment begins 'SIP/2.0 200 ok' counts no SIP message", "[engine][tcp]") {
  Engine engine;
  const std::string request = "GET /status HTTP/1.1\r\nHost: example.test\r\n\r\n";
  const std::string quoted = "SIP/2.0 200 ok\r\nContent-Type: text/plain\r\nServer: web\r\n\r\nthe SIP trunk is up\r\n";
  const TcpSpec client{.src_port = 40000, .dst_port = 80, .seq = 1};
  const TcpSpec server{.src_port = 80, .dst_port = 40000, .seq = 1};
  engine.on_frame(make_frame(tcp_frame(request, client)));
  engine.on_frame(make_frame(tcp_frame("HTTP/1.1 200 OK\r\nContent-Length: 72\r\n\r\n", server)));
  engine.on_frame(make_frame(tcp_frame(quoted, TcpSpec{.src_port = 80, .dst_port = 40000, .seq = 40})));
  const Report report = engine.report();
  CHECK(report.capture.sip_messages == 0);
  CHECK(report.responses.total() == 0);
  CHECK(report.capture.packets == 3);
  CHECK(report.capture.non_sip == 3);
}
