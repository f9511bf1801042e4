#include <catch2/catch.hpp>

#include <string>

#include "analysis/packet_decoder.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
constexpr std::string_view kTrying = "SIP/2.0 100 Trying\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
constexpr std::uint8_t kSctp = 132;

FrameOutcome feed(PacketDecoder& decoder, PayloadSink& sink, const std::vector<std::vector<std::uint8_t>>& chunks) {
  const auto frame = ethernet(ip_packet(kSctp, sctp_packet(chunks, 5060, 5070)), false);
  return decoder.decode(make_frame(frame), sink);
}

}  // namespace

TEST_CASE("each whole DATA chunk is one SIP message", "[sctp]") {
  PacketDecoder decoder;
  CollectingSink sink;
  CHECK(feed(decoder, sink, {sctp_data_chunk(kInvite), sctp_data_chunk(kTrying, 0x03, 2)}) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 2);
  CHECK(sink.payloads[0] == kInvite);
  CHECK(sink.payloads[1] == kTrying);
  CHECK(sink.meta[0].transport == Transport::sctp);
  CHECK(sink.meta[0].src_port == 5060);
  CHECK(sink.meta[0].dst_port == 5070);
}

TEST_CASE("a user message split over DATA chunks with consecutive TSNs is put back together", "[sctp]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::string message(kInvite);
  CHECK(feed(decoder, sink, {sctp_data_chunk(message.substr(0, 30), 0x02, 10)}) ==
        FrameOutcome::sctp_fragment_buffered);
  CHECK(feed(decoder, sink, {sctp_data_chunk(message.substr(30, 20), 0x00, 11)}) ==
        FrameOutcome::sctp_fragment_buffered);
  CHECK(feed(decoder, sink, {sctp_data_chunk(message.substr(50), 0x01, 12)}) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == message);
  // A last piece whose beginning was never seen is counted, not parsed.
  CHECK(feed(decoder, sink, {sctp_data_chunk("tail", 0x01, 40)}) == FrameOutcome::sctp_fragment_orphaned);
  // A lost middle piece abandons the message.
  CHECK(feed(decoder, sink, {sctp_data_chunk(message.substr(0, 30), 0x02, 50)}) ==
        FrameOutcome::sctp_fragment_buffered);
  CHECK(feed(decoder, sink, {sctp_data_chunk(message.substr(50), 0x01, 52)}) == FrameOutcome::sctp_fragment_orphaned);
  CHECK(decoder.events()[DecoderEvent::sctp_reassembly_incomplete] == 1);
  CHECK(sink.payloads.size() == 1);
}

TEST_CASE("control chunks and broken chunk lengths are named", "[sctp]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const std::vector<std::uint8_t> heartbeat = {4, 0, 0, 8, 0, 1, 0, 4};
  CHECK(feed(decoder, sink, {heartbeat}) == FrameOutcome::sctp_control);
  const std::vector<std::uint8_t> zero_length = {0, 3, 0, 2};
  CHECK(feed(decoder, sink, {zero_length}) == FrameOutcome::bad_sctp_chunk);
  auto overlong = sctp_data_chunk(kInvite);
  overlong[3] = 0xf0;  // claims more than the packet holds, and no snap length explains it
  CHECK(feed(decoder, sink, {overlong}) == FrameOutcome::bad_sctp_chunk);
  const auto short_header = ethernet(ip_packet(kSctp, {0, 1, 0, 2}), false);
  CHECK(decoder.decode(make_frame(short_header), sink) == FrameOutcome::truncated_sctp_header);
  CHECK(sink.payloads.empty());
}
