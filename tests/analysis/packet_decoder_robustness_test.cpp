#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "analysis/engine.h"
#include "analysis/packet_decoder.h"
#include "analysis/websocket_decoder.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

// Frames of every transport the decoder keeps state for, to be mutated.
std::vector<std::vector<std::uint8_t>> templates() {
  const std::string invite =
      "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: r@x\r\n"
      "CSeq: 1 INVITE\r\nContent-Length: 40\r\n\r\n" +
      std::string(38, 'b') + "\r\n";
  const auto whole = udp_ip_packet(invite + std::string(2000, 'p'));
  const auto whole6 = udp_ip_packet(invite + std::string(2000, 'p'), UdpSpec{.ipv6 = true});
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  const auto ws = websocket_frame(invite, websocket_opcode::kText, true, mask);
  return {
      tcp_frame(invite, TcpSpec{.seq = 1}),
      tcp_frame(invite.substr(0, 60), TcpSpec{.seq = 1}),
      tcp_frame(invite.substr(60), TcpSpec{.seq = 61}),
      tcp_frame("", TcpSpec{.seq = 0, .syn = true}),
      tcp_frame("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", TcpSpec{.src_port = 9, .dst_port = 80, .seq = 1}),
      tcp_frame(std::string(ws.begin(), ws.end()), TcpSpec{.src_port = 9, .dst_port = 80, .seq = 40}),
      ethernet(ipv4_fragment(whole, 0, 1480, true), false),
      ethernet(ipv4_fragment(whole, 1480, whole.size() - 20 - 1480, false), false),
      ethernet(ipv6_fragment(whole6, 0, 1448, true), true),
      ethernet(ipv6_fragment(whole6, 1448, whole6.size() - 40 - 1448, false), true),
      ethernet(ip_packet(132, sctp_packet({sctp_data_chunk(invite.substr(0, 50), 0x02, 1),
                                           sctp_data_chunk(invite.substr(50), 0x01, 2)})),
               false),
      ethernet(ip_packet(47, gre(0x0800, udp_ip_packet(invite))), false),
      ethernet(ip_packet(1,
                         [&] {
                           std::vector<std::uint8_t> icmp = {3, 3, 0, 0, 0, 0, 0, 0};
                           const auto quoted = udp_ip_packet(invite);
                           icmp.insert(icmp.end(), quoted.begin(), quoted.end());
                           return icmp;
                         }()),
               false),
  };
}

}  // namespace

TEST_CASE("mutated frames of every transport never break the decoder's bounds or the frame count",
          "[decoder][robustness]") {
  DecoderLimits limits;
  limits.ip = {.max_datagrams = 4, .max_datagram_bytes = 65535, .max_total_bytes = 8192, .timeout_ns = 30'000'000'000};
  limits.tcp = {.max_flows = 8,
                .max_flow_bytes = 4096,
                .max_total_bytes = 16384,
                .max_out_of_order = 4,
                .idle_timeout_ns = 60'000'000'000};
  limits.sctp = {.max_messages = 2, .max_message_bytes = 4096, .timeout_ns = 30'000'000'000};
  Engine engine(EngineConfig{.ports = {}, .decoder = limits});
  PacketDecoder decoder(limits);  // the same frames again, to look at its buffers after each one
  struct : PayloadSink {
    void on_payload(const Payload&) override {}
  } ignore;
  bool within_bounds = true;
  const auto frames = templates();
  std::mt19937 random(20261125);  // fixed seed: the same frames on every run
  constexpr int kFrames = 20000;
  std::int64_t ts = 0;
  for (int i = 0; i < kFrames; ++i) {
    auto bytes = frames[random() % frames.size()];
    const int flips = static_cast<int>(random() % 6);
    for (int f = 0; f < flips; ++f) bytes[random() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
    if (random() % 8 == 0) bytes.resize(random() % bytes.size());
    ts += static_cast<std::int64_t>(random() % 4'000'000'000ull);
    engine.on_frame(make_frame(bytes, LinkType::ethernet, ts));
    decoder.decode(make_frame(bytes, LinkType::ethernet, ts), ignore);
    within_bounds = within_bounds && decoder.ip_reassembler().bytes_in_flight() <= limits.ip.max_total_bytes &&
                    decoder.ip_reassembler().datagrams_in_flight() <= limits.ip.max_datagrams &&
                    decoder.tcp_reassembler().bytes_buffered() <= limits.tcp.max_total_bytes &&
                    decoder.tcp_reassembler().flows_in_use() <= limits.tcp.max_flows;
  }
  CHECK(within_bounds);
  const Report report = engine.report();
  const auto& c = report.capture;
  REQUIRE(c.packets == kFrames);
  // Malformed frame outcomes are one per frame; defects are per message and apart.
  const std::uint64_t malformed_frames = total_of_class(c.outcomes, OutcomeClass::malformed);
  CHECK(malformed_frames == c.malformed_packets);
  CHECK(c.sip_packets + c.keepalives + c.non_sip + c.malformed_packets + c.unsupported_link == c.packets);
  CHECK(c.sip_packets > 0);  // the mutations leave enough intact to be decoded
  CHECK(c.sip_packets <= c.sip_messages);
}
