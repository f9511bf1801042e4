#include <catch2/catch.hpp>

#include <string>

#include "analysis/packet_decoder.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::string big_message() {
  std::string body(3000, 'v');
  return "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: frag@x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

FrameOutcome feed(PacketDecoder& decoder, PayloadSink& sink, const std::vector<std::uint8_t>& ip, bool ipv6,
                  std::int64_t ts = 0) {
  const auto frame = ethernet(ip, ipv6);
  return decoder.decode(make_frame(frame, LinkType::ethernet, ts), sink);
}

}  // namespace

TEST_CASE("IPv4 fragments in order give the whole UDP datagram once, on the last piece", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::string message = big_message();
  const auto whole = udp_ip_packet(message);
  const std::size_t payload = whole.size() - 20;
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 0, 1480, true), false) == FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 1480, 1480, true), false) == FrameOutcome::ip_fragment_buffered);
  CHECK(sink.payloads.empty());
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 2960, payload - 2960, false), false) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == message);
  CHECK(sink.meta[0].dst_port == 5060);
  // The datagram stays readable until the next frame, then its slot is free again.
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 1);
  feed(decoder, sink, udp_ip_packet("next"), false);
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 0);
  CHECK(decoder.ip_reassembler().bytes_in_flight() == 0);
}

TEST_CASE("IPv4 fragments out of order and duplicated still reassemble", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::string message = big_message();
  const auto whole = udp_ip_packet(message);
  const std::size_t payload = whole.size() - 20;
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 2960, payload - 2960, false), false) ==
        FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 1480, 1480, true), false) == FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 1480, 1480, true), false) ==
        FrameOutcome::ip_fragment_buffered);  // duplicate
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 0, 1480, true), false) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == message);
}

TEST_CASE("IPv6 fragments reassemble", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::string message = big_message();
  const auto whole = udp_ip_packet(message, UdpSpec{.ipv6 = true});
  const std::size_t payload = whole.size() - 40;
  CHECK(feed(decoder, sink, ipv6_fragment(whole, 0, 1448, true), true) == FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv6_fragment(whole, 1448, payload - 1448, false), true) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == message);
  CHECK(sink.meta[0].src.family == 6);
}

TEST_CASE("overlapping fragments that disagree drop the datagram and are counted", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto whole = udp_ip_packet(big_message());
  auto altered = whole;
  altered[20 + 1500] ^= 0xff;  // a byte inside the overlap differs
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 0, 1600, true), false) == FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv4_fragment(altered, 1480, 1480, true), false) == FrameOutcome::ip_fragment_inconsistent);
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 0);
  CHECK(decoder.ip_reassembler().bytes_in_flight() == 0);
  // The rest of the datagram cannot complete it any more.
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 2960, whole.size() - 20 - 2960, false), false) ==
        FrameOutcome::ip_fragment_buffered);
  CHECK(sink.payloads.empty());
}

TEST_CASE("a fragment beyond the 64 KiB datagram limit or cut by the snap length is refused", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto whole = udp_ip_packet(big_message());
  auto far = ipv4_fragment(whole, 0, 1480, true);
  far[6] = 0x3f;  // offset 0x1fff * 8 = 65528: plus 1480 bytes passes 65535
  far[7] = 0xff;
  CHECK(feed(decoder, sink, far, false) == FrameOutcome::ip_fragment_too_large);
  auto cut = ethernet(ipv4_fragment(whole, 0, 1480, true), false);
  cut.resize(cut.size() - 100);
  CHECK(decoder.decode(make_frame(cut), sink) == FrameOutcome::ip_fragment_truncated);
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 0);
}

TEST_CASE("an unfinished datagram times out by packet time and its slot is reused", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto whole = udp_ip_packet(big_message());
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 0, 1480, true), false, 0) == FrameOutcome::ip_fragment_buffered);
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 1);
  // 31 s later the rest arrives: too late, the first piece is gone.
  CHECK(feed(decoder, sink, ipv4_fragment(whole, 1480, whole.size() - 20 - 1480, false), false, 31 * kSecond) ==
        FrameOutcome::ip_fragment_buffered);
  CHECK(decoder.events()[DecoderEvent::ip_fragment_timeout] == 1);
  CHECK(sink.payloads.empty());
}

TEST_CASE("a full table evicts the oldest datagram and a byte budget bounds memory", "[ip_reassembly]") {
  PacketDecoder decoder(DecoderLimits{.ip = {.max_datagrams = 2, .max_total_bytes = 4000}, .tcp = {}, .sctp = {}});
  CollectingSink sink;
  const auto whole = udp_ip_packet(big_message());
  for (std::uint16_t id = 1; id <= 3; ++id) {
    auto piece = ipv4_fragment(whole, 0, 1480, true);
    piece[4] = 0;
    piece[5] = static_cast<std::uint8_t>(id);
    CHECK(feed(decoder, sink, piece, false, id) == FrameOutcome::ip_fragment_buffered);
  }
  CHECK(decoder.events()[DecoderEvent::ip_fragment_evicted] == 1);
  CHECK(decoder.ip_reassembler().datagrams_in_flight() == 2);
  // Two datagrams hold 2960 bytes; another 1480 would pass the 4000-byte budget.
  auto more = ipv4_fragment(whole, 1480, 1480, true);
  more[4] = 0;
  more[5] = 3;
  CHECK(feed(decoder, sink, more, false, 4) == FrameOutcome::ip_fragment_memory_full);
  CHECK(decoder.ip_reassembler().bytes_in_flight() <= 4000);
}

TEST_CASE("IPv6 extension headers after the Fragment header are read once the datagram is whole", "[ip_reassembly]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::string message = big_message();
  auto whole = udp_ip_packet(message, UdpSpec{.ipv6 = true});
  // Put an 8-byte Destination Options header (next: UDP) in front of the UDP header.
  whole.insert(whole.begin() + 40, {17, 0, 1, 4, 0, 0, 0, 0});
  whole[6] = 60;
  const std::size_t payload = whole.size() - 40;
  CHECK(feed(decoder, sink, ipv6_fragment(whole, 0, 1448, true), true) == FrameOutcome::ip_fragment_buffered);
  CHECK(feed(decoder, sink, ipv6_fragment(whole, 1448, payload - 1448, false), true) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == message);
}
