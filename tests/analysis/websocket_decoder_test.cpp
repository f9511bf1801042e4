#include <catch2/catch.hpp>

#include <string>

#include "analysis/packet_decoder.h"
#include "analysis/websocket_decoder.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::string_view kUpgrade =
    "GET / HTTP/1.1\r\nHost: sip.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
constexpr std::string_view kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
constexpr std::string_view kRegister =
    "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\n"
    "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

std::string text(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

}  // namespace

TEST_CASE("a WebSocket frame is parsed and unmasked", "[websocket]") {
  const auto masked = websocket_frame(kRegister, websocket_opcode::kText, true, kMask);
  const WebSocketFrame frame = parse_websocket_frame(Bytes(masked.data(), masked.size()), 65536);
  REQUIRE(frame.status == WebSocketFrameStatus::frame);
  CHECK(frame.length == masked.size());
  CHECK(frame.masked);
  std::vector<std::uint8_t> out(frame.payload.size());
  CHECK(as_text(unmask_websocket_payload(frame, out)) == kRegister);
  // Incomplete, reserved bits, and too large.
  CHECK(parse_websocket_frame(Bytes(masked.data(), 5), 65536).status == WebSocketFrameStatus::need_more);
  auto reserved = masked;
  reserved[0] |= 0x40;
  CHECK(parse_websocket_frame(Bytes(reserved.data(), reserved.size()), 65536).status == WebSocketFrameStatus::bad);
  CHECK(parse_websocket_frame(Bytes(masked.data(), masked.size()), 16).status == WebSocketFrameStatus::bad);
}

TEST_CASE("the HTTP upgrade is followed, then each frame carries one SIP message", "[websocket]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const TcpSpec client{.src_port = 50000, .dst_port = 80, .seq = 1};
  const TcpSpec server{.src_port = 80, .dst_port = 50000, .seq = 1};
  CHECK(decoder.decode(make_frame(tcp_frame(kUpgrade, client)), sink) == FrameOutcome::websocket_handshake);
  CHECK(decoder.decode(make_frame(tcp_frame(kSwitching, server)), sink) == FrameOutcome::websocket_handshake);
  // Client to server frames are masked; two frames in one segment are two messages.
  const std::string frames = text(websocket_frame(kRegister, websocket_opcode::kText, true, kMask)) +
                             text(websocket_frame(kRegister, websocket_opcode::kBinary, true, kMask));
  TcpSpec next = client;
  next.seq = 1 + static_cast<std::uint32_t>(kUpgrade.size());
  CHECK(decoder.decode(make_frame(tcp_frame(frames, next)), sink) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 2);
  CHECK(sink.payloads[0] == kRegister);
  CHECK(sink.meta[0].transport == Transport::websocket);
  // A ping is control.
  next.seq += static_cast<std::uint32_t>(frames.size());
  const std::string ping = text(websocket_frame("", websocket_opcode::kPing, true, kMask));
  CHECK(decoder.decode(make_frame(tcp_frame(ping, next)), sink) == FrameOutcome::websocket_control);
  next.seq += static_cast<std::uint32_t>(ping.size());
  // A message split over three frames, with a ping between two of them (RFC 6455 §5.4).
  const std::string_view message = kRegister;
  const std::string split =
      text(websocket_frame(message.substr(0, 30), websocket_opcode::kText, false, kMask)) +
      text(websocket_frame(message.substr(30, 30), websocket_opcode::kContinuation, false, kMask)) + ping;
  CHECK(decoder.decode(make_frame(tcp_frame(split, next)), sink) == FrameOutcome::websocket_control);
  next.seq += static_cast<std::uint32_t>(split.size());
  const std::string last = text(websocket_frame(message.substr(60), websocket_opcode::kContinuation, true, kMask));
  CHECK(decoder.decode(make_frame(tcp_frame(last, next)), sink) == FrameOutcome::none);
  CHECK(sink.payloads.back() == kRegister);
  CHECK(sink.payloads.size() == 3);
  // A continuation whose first frame was never seen is counted, not parsed.
  next.seq += static_cast<std::uint32_t>(last.size());
  CHECK(decoder.decode(make_frame(tcp_frame(last, next)), sink) == FrameOutcome::websocket_fragmented_message);
  CHECK(sink.payloads.size() == 3);
  // Server to client frames are not masked.
  TcpSpec back = server;
  back.seq = 1 + static_cast<std::uint32_t>(kSwitching.size());
  const std::string ok = "SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
  CHECK(decoder.decode(make_frame(tcp_frame(text(websocket_frame(ok)), back)), sink) == FrameOutcome::none);
  CHECK(sink.payloads.back() == ok);
}

TEST_CASE("a broken frame drops back to looking for SIP start lines", "[websocket]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const TcpSpec client{.src_port = 50001, .dst_port = 80, .seq = 1};
  CHECK(decoder.decode(make_frame(tcp_frame(kUpgrade, client)), sink) == FrameOutcome::websocket_handshake);
  TcpSpec next = client;
  next.seq = 1 + static_cast<std::uint32_t>(kUpgrade.size());
  CHECK(decoder.decode(make_frame(tcp_frame(std::string("\xf3\x00\r\n", 4) + std::string(kRegister), next)), sink) ==
        FrameOutcome::none);
  CHECK(decoder.events()[DecoderEvent::bad_websocket_frame] == 1);
  CHECK(sink.payloads.at(0) == kRegister);
}
