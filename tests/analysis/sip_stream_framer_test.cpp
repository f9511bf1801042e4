// The SIP framer alone, on hand-made byte streams: Content-Length framing, RFC 5626 keep-alives,
// and finding the next start line after a loss.
#include <catch2/catch.hpp>

#include <string>

#include "analysis/sip_stream_framer.h"
#include "support/recording_framed_sink.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

const std::string kOptions =
    "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
const std::string kMessage =
    "MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK2\r\n"
    "CSeq: 2 MESSAGE\r\nl: 5\r\n\r\nhello";

// A framer that has found its first start line.
SipStreamFramer synced_framer() {
  SipStreamFramer framer;
  RecordingFramedSink sink;
  CHECK(framer.resync(bytes_of(kOptions), false, sink) == 0);
  CHECK(framer.synced());
  return framer;
}

}  // namespace

TEST_CASE("sip framer: messages end where Content-Length says, the rest waits for more", "[tcp][framing]") {
  SipStreamFramer framer = synced_framer();
  RecordingFramedSink sink;
  const std::string stream = kOptions + kMessage + kOptions.substr(0, 30);
  const std::uint32_t end_seq = 5000;
  const std::uint32_t first = end_seq - static_cast<std::uint32_t>(stream.size());
  CHECK(framer.frame(bytes_of(stream), end_seq, sink) == kOptions.size() + kMessage.size());
  REQUIRE(sink.messages.size() == 2);
  CHECK(sink.messages[0].bytes == kOptions);
  CHECK(sink.messages[1].bytes == kMessage);  // compact "l", body included
  CHECK(sink.messages[1].transport == Transport::tcp);
  CHECK(sink.messages[0].seq_begin == first);
  CHECK(sink.messages[1].seq_begin == first + kOptions.size());
  CHECK(sink.messages[1].seq_end == first + kOptions.size() + kMessage.size());
  CHECK(framer.synced());
  CHECK(framer.seen_message());
}

TEST_CASE("sip framer: CRLFs between messages are keep-alives, not messages", "[tcp][framing][keepalive]") {
  SipStreamFramer framer = synced_framer();
  RecordingFramedSink sink;
  // RFC 5626 §3.5.1: the client pings with CRLFCRLF, the server answers with CRLF.
  CHECK(framer.frame(bytes_of("\r\n\r\n"), 4, sink) == 4);
  CHECK(sink.keepalives == 1);
  CHECK(sink.messages.empty());
  CHECK(framer.frame(bytes_of("\r\n" + kOptions), 100, sink) == 2 + kOptions.size());
  CHECK(sink.keepalives == 2);
  CHECK(sink.messages.size() == 1);
}

TEST_CASE("sip framer: bytes that begin no message put the framer out of sync", "[tcp][framing]") {
  SipStreamFramer framer = synced_framer();
  RecordingFramedSink sink;
  const std::string stream = kOptions + "garbage that is not SIP\r\n";
  CHECK(framer.frame(bytes_of(stream), 1000, sink) == kOptions.size());
  CHECK_FALSE(framer.synced());
}

TEST_CASE("sip framer: out of sync, it skips to the next start line and says what it skipped", "[tcp][framing]") {
  const std::string junk = "ody of a message we missed\r\nmore of it\r\n";
  SECTION("before any message the junk is just not SIP") {
    SipStreamFramer framer;
    RecordingFramedSink sink;
    CHECK(framer.resync(bytes_of(junk + kOptions), false, sink) == junk.size());
    CHECK(framer.synced());
    CHECK(sink.outcomes == std::vector<FrameOutcome>{FrameOutcome::payload_not_sip});
    CHECK(sink.events[DecoderEvent::tcp_resync_skipped] == 0);
  }
  SECTION("after a message, skipping is a resynchronisation") {
    SipStreamFramer framer;
    RecordingFramedSink sink;
    CHECK(framer.resync(bytes_of(junk + kOptions), true, sink) == junk.size());
    CHECK(sink.events[DecoderEvent::tcp_resync_skipped] == 1);
    CHECK(sink.outcomes.empty());
  }
  SECTION("only CRLFs skipped: a keep-alive") {
    SipStreamFramer framer;
    RecordingFramedSink sink;
    CHECK(framer.resync(bytes_of("\r\n\r\n" + kOptions), true, sink) == 4);
    CHECK(sink.keepalives == 1);
    CHECK(sink.events[DecoderEvent::tcp_resync_skipped] == 0);
  }
  SECTION("no start line yet: an unfinished last line is kept, unless too long to be one") {
    SipStreamFramer framer;
    RecordingFramedSink sink;
    const std::string partial = junk + "INVITE sip:bob@exa";
    CHECK(framer.resync(bytes_of(partial), true, sink) == junk.size());
    CHECK_FALSE(framer.synced());
    const std::string endless(9000, 'z');  // 9000 bytes without a line end: no start line
    CHECK(framer.resync(bytes_of(endless), true, sink) == endless.size());
    CHECK_FALSE(framer.synced());
  }
}
