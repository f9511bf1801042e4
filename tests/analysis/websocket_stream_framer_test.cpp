// The WebSocket framer alone, on hand-made frames (RFC 6455 §5): whole messages, fragments with a
// control frame between them, a continuation without its first frame, a broken frame.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/websocket_stream_framer.h"
#include "support/frame_builder.h"
#include "support/recording_framed_sink.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

const std::string kRegister =
    "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\n"
    "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

std::string text(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

struct Fixture {
  StreamBudget budget{4096, 1 << 20, 4};
  std::vector<std::uint8_t> unmask = std::vector<std::uint8_t>(4096);
  FramingContext context{budget, unmask};
  WebSocketStreamFramer framer;
  RecordingFramedSink sink;
  WebSocketStreamFramer::Result frame(const std::string& stream, std::uint32_t end_seq = 1000) {
    return framer.frame(bytes_of(stream), end_seq, context, sink);
  }
};

}  // namespace

TEST_CASE("websocket framer: an unmasked text frame written by hand is one message", "[websocket][framing]") {
  Fixture f;
  // FIN + text, no mask, 7-bit length 3, then one byte of the next frame.
  const std::string stream = std::string(
                                 "\x81\x03"
                                 "abc",
                                 5) +
                             "\x81";
  const auto read = f.frame(stream, 105);
  CHECK(read.used == 5);
  CHECK_FALSE(read.broken);
  REQUIRE(f.sink.messages.size() == 1);
  CHECK(f.sink.messages[0].bytes == "abc");
  CHECK(f.sink.messages[0].transport == Transport::websocket);
  CHECK(f.sink.messages[0].seq_begin == 99);  // the frame header included
  CHECK(f.sink.messages[0].seq_end == 104);
}

TEST_CASE("websocket framer: masked fragments with a ping between them make one message", "[websocket][framing]") {
  Fixture f;
  const std::string a = kRegister.substr(0, 40);
  const std::string b = kRegister.substr(40);
  const std::string first = text(websocket_frame(a, websocket_opcode::kText, false, kMask));
  const std::string ping = text(websocket_frame("", websocket_opcode::kPing, true, kMask));
  const std::string last = text(websocket_frame(b, websocket_opcode::kContinuation, true, kMask));
  CHECK(f.frame(first + ping).used == first.size() + ping.size());
  CHECK(f.sink.messages.empty());
  CHECK(f.framer.has_pieces());
  CHECK(f.budget.stored() == a.size());  // kept unmasked, counted in the budget
  CHECK(f.sink.outcomes.back() == FrameOutcome::websocket_control);
  CHECK(f.frame(last, 2000).used == last.size());
  REQUIRE(f.sink.messages.size() == 1);
  CHECK(f.sink.messages[0].bytes == kRegister);
  CHECK(f.sink.messages[0].seq_end == 2000);
  CHECK_FALSE(f.framer.has_pieces());
  CHECK(f.budget.stored() == 0);
}

TEST_CASE("websocket framer: a continuation without its first frame is counted, not delivered",
          "[websocket][framing]") {
  Fixture f;
  const std::string orphan = text(websocket_frame(kRegister, websocket_opcode::kContinuation, true, kMask));
  CHECK(f.frame(orphan).used == orphan.size());
  CHECK(f.sink.messages.empty());
  CHECK(f.sink.outcomes == std::vector<FrameOutcome>{FrameOutcome::websocket_fragmented_message});
}

TEST_CASE("websocket framer: fragments beyond max_flow_bytes are dropped and counted", "[websocket][framing]") {
  Fixture f;
  const std::string big(3000, 'x');
  const std::string first = text(websocket_frame(big, websocket_opcode::kText, false, kMask));
  const std::string more = text(websocket_frame(big, websocket_opcode::kContinuation, true, kMask));
  f.frame(first + more);
  CHECK(f.sink.events[DecoderEvent::tcp_message_too_large] == 1);
  CHECK(f.sink.messages.empty());
  CHECK(f.budget.stored() == 0);
}

TEST_CASE("websocket framer: a frame with reserved bits set breaks the framing where it starts",
          "[websocket][framing]") {
  Fixture f;
  const std::string good = text(websocket_frame(kRegister, websocket_opcode::kText, true, kMask));
  const auto read = f.frame(good + std::string("\xf1\x00", 2) + kRegister);
  CHECK(read.broken);
  CHECK(read.used == good.size());
  CHECK(f.sink.messages.size() == 1);
  CHECK(f.sink.events[DecoderEvent::bad_websocket_frame] == 1);
}
