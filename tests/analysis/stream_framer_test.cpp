// The per-flow framer alone: it decides what the ordered bytes carry (SIP, TLS, WebSocket after an
// HTTP Upgrade), keeps an unfinished message between deliveries, and loses sync in one way.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/stream_framer.h"
#include "support/frame_builder.h"
#include "support/recording_framed_sink.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

const std::string kOptions =
    "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
const std::string kUpgrade =
    "GET / HTTP/1.1\r\nHost: sip.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
constexpr std::uint8_t kMask[4] = {1, 2, 3, 4};

std::string text(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

// Feeds the flow's bytes in order, keeping the sequence number as TcpStream would.
struct Fixture {
  StreamBudget budget{1000, 1 << 20, 4};
  std::vector<std::uint8_t> unmask = std::vector<std::uint8_t>(1000);
  FramingContext context{budget, unmask};
  StreamFramer framer;
  RecordingFramedSink sink;
  std::uint32_t seq = 1;
  void send(const std::string& bytes) {
    seq += static_cast<std::uint32_t>(bytes.size());
    framer.on_bytes(bytes_of(bytes), seq, context, sink);
  }
};

}  // namespace

TEST_CASE("stream framer: a message split over deliveries is kept, then framed once", "[tcp][framing]") {
  Fixture f;
  f.send(kOptions.substr(0, 50));
  CHECK(f.framer.has_unfinished());
  CHECK(f.budget.stored() == 50);
  f.send(kOptions.substr(50) + kOptions);
  REQUIRE(f.sink.messages.size() == 2);
  CHECK(f.sink.messages[0].bytes == kOptions);
  CHECK(f.sink.messages[0].seq_begin == 1);
  CHECK_FALSE(f.framer.has_unfinished());
  CHECK(f.budget.stored() == 0);
}

TEST_CASE("stream framer: a TLS record header makes the rest of the flow encrypted", "[tcp][framing][tls]") {
  Fixture f;
  f.send(std::string("\x16\x03\x01\x00\x05hello", 10));
  f.send(kOptions);  // even what looks like SIP: it is inside the TLS session
  CHECK(f.sink.messages.empty());
  CHECK(f.sink.outcomes == std::vector<FrameOutcome>{FrameOutcome::encrypted_tls, FrameOutcome::encrypted_tls});
  CHECK_FALSE(f.framer.searching());
}

TEST_CASE("stream framer: after an HTTP Upgrade the flow is WebSocket frames", "[tcp][framing][websocket]") {
  Fixture f;
  f.send(kUpgrade);
  REQUIRE(f.sink.upgrades.size() == 1);
  CHECK(f.sink.upgrades[0] == std::pair<std::uint32_t, std::uint32_t>{1, 1 + kUpgrade.size()});
  CHECK(f.sink.outcomes.back() == FrameOutcome::websocket_handshake);
  CHECK(f.framer.websocket());
  f.send(text(websocket_frame(kOptions, websocket_opcode::kText, true, kMask)));
  REQUIRE(f.sink.messages.size() == 1);
  CHECK(f.sink.messages[0].bytes == kOptions);
  CHECK(f.sink.messages[0].transport == Transport::websocket);
}

TEST_CASE("stream framer: a gap loses sync, a WebSocket flow falls back to looking for SIP", "[tcp][framing]") {
  Fixture f;
  f.send(kUpgrade);
  const std::string frame = text(websocket_frame(kOptions, websocket_opcode::kText, false, kMask));
  f.send(frame.substr(0, 30));  // an unfinished fragment...
  CHECK(f.framer.has_unfinished());
  f.framer.on_gap(f.budget);  // ...and the rest is lost
  CHECK_FALSE(f.framer.has_unfinished());
  CHECK_FALSE(f.framer.websocket());
  CHECK(f.framer.searching());
  CHECK(f.budget.stored() == 0);
  f.send("lost tail\r\n" + kOptions);
  REQUIRE(f.sink.messages.size() == 1);
  CHECK(f.sink.messages[0].transport == Transport::tcp);
}

TEST_CASE("stream framer: a message larger than max_flow_bytes is dropped and counted", "[tcp][framing]") {
  Fixture f;
  const std::string big =
      "MESSAGE sip:b@x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\nContent-Length: 2000\r\n\r\n" +
      std::string(1998, 'x') + "\r\n";
  f.send(big.substr(0, 900));
  f.send(big.substr(900, 900));
  CHECK(f.sink.events[DecoderEvent::tcp_message_too_large] == 1);
  CHECK(f.framer.searching());
  f.send(big.substr(1800) + kOptions);  // the body's tail is skipped, the next message found
  REQUIRE(f.sink.messages.size() == 1);
  CHECK(f.sink.messages[0].bytes == kOptions);
}

TEST_CASE("stream framer: a keep-alive is an event, whatever surrounds it", "[tcp][framing][keepalive]") {
  Fixture f;
  f.send("\r\n\r\n");
  CHECK(f.sink.keepalives == 1);
  f.send(kOptions + "\r\n");
  CHECK(f.sink.keepalives == 2);
  CHECK(f.sink.messages.size() == 1);
}
