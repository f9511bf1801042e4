#include <catch2/catch.hpp>

#include <string>

#include "analysis/packet_decoder.h"
#include "analysis/serial_number.h"
#include "analysis/sip_framing.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::string request(std::string_view method, std::string_view body = "") {
  return std::string(method) +
         " sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
         "CSeq: 1 " +
         std::string(method) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

struct Stream {
  PacketDecoder decoder;
  CollectingSink sink;
  std::uint32_t seq = 1000;
  std::int64_t ts = 0;

  explicit Stream(DecoderLimits limits = {}) : decoder(limits) {}

  FrameOutcome send(std::string_view bytes, TcpSpec spec = {}) {
    spec.seq = seq;
    seq += static_cast<std::uint32_t>(bytes.size());
    return at(bytes, spec);
  }
  FrameOutcome at(std::string_view bytes, const TcpSpec& spec, const IpSpec& ip = {}) {
    const auto frame = tcp_frame(bytes, spec, ip);
    return decoder.decode(make_frame(frame, LinkType::ethernet, ts), sink);
  }
};

}  // namespace

TEST_CASE("framing finds message ends by Content-Length, compact form included", "[tcp][framing]") {
  const std::string message = request("INVITE", "v=0\r\n");
  CHECK(frame_sip_message(message + "tail").length == message.size());
  CHECK(frame_sip_message(message.substr(0, 20)).status == SipFrameStatus::need_more);
  CHECK(frame_sip_message(message.substr(0, message.size() - 1)).status == SipFrameStatus::need_more);
  const std::string compact = "SIP/2.0 200 OK\r\nl: 3\r\n\r\nabcSIP/2.0";
  CHECK(frame_sip_message(compact).length == compact.size() - 7);
  CHECK(frame_sip_message("HTTP/1.1 200 OK\r\n\r\n").status == SipFrameStatus::not_sip);
  std::size_t keep = 0;
  const std::string junk = "ody tail\r\nmore\r\n" + message;
  CHECK(find_sip_start(junk, keep) == junk.size() - message.size());
}

TEST_CASE("several messages in one segment are handed over one at a time", "[tcp]") {
  Stream s;
  const std::string a = request("OPTIONS");
  const std::string b = request("INVITE", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n");
  CHECK(s.send(a + b) == FrameOutcome::none);
  REQUIRE(s.sink.payloads.size() == 2);
  CHECK(s.sink.payloads[0] == a);
  CHECK(s.sink.payloads[1] == b);
  CHECK(s.sink.meta[0].transport == Transport::tcp);
}

TEST_CASE("one message over many segments is handed over once, when complete", "[tcp]") {
  Stream s;
  CHECK(s.at("", TcpSpec{.seq = 999, .syn = true}) == FrameOutcome::tcp_control);
  const std::string message = request("INVITE", std::string(5000, 'x'));
  for (std::size_t at = 0; at < message.size(); at += 1400) {
    const FrameOutcome outcome = s.send(std::string_view(message).substr(at, 1400));
    CHECK(outcome == (at + 1400 >= message.size() ? FrameOutcome::none : FrameOutcome::tcp_segment_buffered));
  }
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == message);
  CHECK(s.decoder.tcp_reassembler().bytes_buffered() == 0);
}

TEST_CASE("out-of-order segments are put back in order, retransmissions are not counted twice", "[tcp]") {
  Stream s;
  CHECK(s.at("", TcpSpec{.seq = 999, .syn = true}) == FrameOutcome::tcp_control);
  const std::string message = request("REGISTER", std::string(300, 'b'));
  const std::string first = message.substr(0, 100);
  const std::string second = message.substr(100);
  CHECK(s.at(second, TcpSpec{.seq = 1100}) == FrameOutcome::tcp_segment_buffered);
  CHECK(s.at(first, TcpSpec{.seq = 1000}) == FrameOutcome::none);
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == message);
  CHECK(s.at(second, TcpSpec{.seq = 1100}) == FrameOutcome::tcp_retransmission);
  CHECK(s.sink.payloads.size() == 1);
}

TEST_CASE("a capture that starts mid-stream resynchronises on the next start line", "[tcp]") {
  Stream s;
  const std::string message = request("BYE");
  CHECK(s.send("o=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n") == FrameOutcome::payload_not_sip);
  CHECK(s.send("c=IN IP4 10.0.0.1\r\n" + message) == FrameOutcome::none);
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == message);
}

TEST_CASE("a gap the capture never fills is counted and the stream resumes at the next message", "[tcp]") {
  Stream s(DecoderLimits{.ip = {}, .tcp = {.max_out_of_order = 2}, .sctp = {}});
  const std::string lost = request("INVITE", std::string(200, 'x') + "\r\n");
  const std::string next = request("ACK");
  CHECK(s.send(lost.substr(0, 50)) == FrameOutcome::tcp_segment_buffered);
  s.seq += 100;  // 100 bytes never captured
  const std::string rest = lost.substr(150) + next;
  // Queued while the hole might still be filled...
  CHECK(s.send(rest.substr(0, 20)) == FrameOutcome::tcp_segment_buffered);
  CHECK(s.send(rest.substr(20, 20)) == FrameOutcome::tcp_segment_buffered);
  // ...until too much waits: the hole is given up, the cut message dropped, ACK found.
  CHECK(s.send(rest.substr(40)) == FrameOutcome::none);
  CHECK(s.decoder.events()[DecoderEvent::tcp_gap] == 1);
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == next);
}

TEST_CASE("a message larger than the per-flow limit is dropped and counted", "[tcp]") {
  Stream s(DecoderLimits{.ip = {}, .tcp = {.max_flow_bytes = 2048}, .sctp = {}});
  const std::string huge = request("MESSAGE", std::string(4000, 'm') + "\r\n");
  for (std::size_t at = 0; at < huge.size(); at += 1000) s.send(std::string_view(huge).substr(at, 1000));
  CHECK(s.decoder.events()[DecoderEvent::tcp_message_too_large] >= 1);
  CHECK(s.sink.payloads.empty());
  CHECK(s.decoder.tcp_reassembler().bytes_buffered() <= 2048);
  const std::string small = request("OPTIONS");
  CHECK(s.send(small) == FrameOutcome::none);
  CHECK(s.sink.payloads.at(0) == small);
}

TEST_CASE("flows beyond the table evict the least recently used, idle flows expire by packet time", "[tcp]") {
  Stream s(DecoderLimits{.ip = {}, .tcp = {.max_flows = 4, .idle_timeout_ns = 60 * kSecond}, .sctp = {}});
  const std::string partial = request("INVITE", std::string(100, 'x')).substr(0, 60);
  for (std::uint16_t port = 1; port <= 5; ++port) {
    s.ts = port;
    CHECK(s.at(partial, TcpSpec{.src_port = static_cast<std::uint16_t>(6000 + port)}) ==
          FrameOutcome::tcp_segment_buffered);
  }
  CHECK(s.decoder.events()[DecoderEvent::tcp_flow_evicted] == 1);
  CHECK(s.decoder.tcp_reassembler().flows_in_use() == 4);
  s.ts = 120 * kSecond;
  s.at(request("OPTIONS"), TcpSpec{.src_port = 7000});
  CHECK(s.decoder.events()[DecoderEvent::tcp_flow_expired] >= 1);
  CHECK(s.decoder.tcp_reassembler().flows_in_use() == 1);
}

TEST_CASE("TLS is counted as encrypted, a lone CRLFCRLF as a keep-alive, pure ACKs as control", "[tcp]") {
  Stream s;
  CHECK(s.at(std::string("\x16\x03\x01\x00\x05hello", 10), TcpSpec{.src_port = 40000, .dst_port = 5061}) ==
        FrameOutcome::encrypted_tls);
  // Mid-stream TLS on the SIPS port: no record header at the segment start, still encrypted.
  CHECK(s.at("\x8a\x13 ciphertext", TcpSpec{.src_port = 5061, .dst_port = 40000, .seq = 77}) ==
        FrameOutcome::encrypted_tls);
  CHECK(s.at("\x8a\x13 not sip", TcpSpec{.src_port = 5062, .dst_port = 40000, .seq = 77}) ==
        FrameOutcome::payload_not_sip);
  CHECK(s.send("\r\n\r\n") == FrameOutcome::none);
  CHECK(s.sink.payloads.empty());  // a keep-alive event, not a payload
  REQUIRE(s.sink.keepalives.size() == 1);
  CHECK(s.sink.keepalives[0].transport == Transport::tcp);
  CHECK(s.sink.keepalives[0].bytes.empty());
  CHECK(s.at("", TcpSpec{.seq = 5}) == FrameOutcome::tcp_control);
  auto truncated = tcp_frame("x");
  truncated.resize(14 + 20 + 10);
  CHECK(s.decoder.decode(make_frame(truncated), s.sink) == FrameOutcome::truncated_tcp_header);
}

TEST_CASE("sequence numbers compare by RFC 1982 serial arithmetic, across the wrap", "[tcp][serial]") {
  CHECK(serial_compare(5, 5).order == SerialOrder::same);
  CHECK(serial_compare(6, 5).order == SerialOrder::after);
  CHECK(serial_compare(6, 5).amount == 1);
  CHECK(serial_compare(2, 0xFFFFFFFEu).order == SerialOrder::after);  // wrapped: 4 ahead
  CHECK(serial_compare(2, 0xFFFFFFFEu).amount == 4);
  CHECK(serial_compare(0xFFFFFFFEu, 2).order == SerialOrder::before);
  CHECK(serial_compare(0xFFFFFFFEu, 2).amount == 4);
  CHECK(serial_compare(0x7FFFFFFFu, 0).order == SerialOrder::after);
  CHECK(serial_compare(0x80000001u, 0).order == SerialOrder::before);
  CHECK(serial_compare(0x80000001u, 0).amount == 0x7FFFFFFFu);
  // Exactly half the space apart: RFC 1982 §3.2 defines no order, either way round.
  CHECK(serial_compare(0x80000000u, 0).order == SerialOrder::incomparable);
  CHECK(serial_compare(0, 0x80000000u).order == SerialOrder::incomparable);
  CHECK_FALSE(serial_before(0, 0x80000000u));
  CHECK_FALSE(serial_before(0x80000000u, 0));
}

TEST_CASE("a segment exactly 2^31 away from the stream is a gap, and the stream resumes in it", "[tcp][serial]") {
  Stream s;
  CHECK(s.send("x") == FrameOutcome::payload_not_sip);
  const std::string message = request("OPTIONS");
  // seq is now 1001: half the sequence space on is 0x800003E9.
  CHECK(s.at(message, TcpSpec{.seq = 1001u + 0x80000000u}) == FrameOutcome::none);
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == message);
  CHECK(s.decoder.events()[DecoderEvent::tcp_gap] == 1);
  // The first byte again is now nearly half the space from the stream: another gap.
  CHECK(s.at("x", TcpSpec{.seq = 1000}) == FrameOutcome::payload_not_sip);
  CHECK(s.decoder.events()[DecoderEvent::tcp_gap] == 2);
}

TEST_CASE("queued segments left 2^31 away by a resynchronisation are dropped, not delivered", "[tcp][serial]") {
  Stream s;
  CHECK(s.send("x") == FrameOutcome::payload_not_sip);  // next expected: 1001
  const std::string held = request("INFO");
  CHECK(s.at(held, TcpSpec{.seq = 1011}) == FrameOutcome::tcp_segment_buffered);  // 10 ahead: queued
  // Far ahead (but less than half the space): the hole is given up and the stream restarts there.
  // After this message the stream expects 1011 + 2^31, exactly half the space from the held
  // segment, which must then be dropped rather than delivered.
  const std::string message = request("OPTIONS");
  const std::uint32_t restart = 1011u + 0x80000000u - static_cast<std::uint32_t>(message.size());
  CHECK(s.at(message, TcpSpec{.seq = restart}) == FrameOutcome::none);
  REQUIRE(s.sink.payloads.size() == 1);
  CHECK(s.sink.payloads[0] == message);
  CHECK(s.decoder.tcp_reassembler().bytes_buffered() == 0);
}
