#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../../fuzz/frame_records.h"
#include "analysis/call_extractor.h"
#include "analysis/packet_decoder.h"
#include "analysis/sip_parser.h"
#include "support/collecting_sink.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

std::string message(std::string_view call_id, std::string_view method = "OPTIONS", std::size_t body = 0) {
  return std::string(method) +
         " sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: " +
         std::string(call_id) + "\r\nCSeq: 1 " + std::string(method) + "\r\nContent-Length: " + std::to_string(body) +
         "\r\n\r\n" + std::string(body, 'b');
}

// Remembers the capture time of every frame written: the tests number frames by ts_ns.
struct WrittenFrames : FrameSink {
  std::vector<std::int64_t> times;
  void on_frame(const Frame& frame) override { times.push_back(frame.ts_ns); }
};

// Frames as a test builds them, each stamped with its 1-based position as its time.
struct Capture {
  std::vector<std::vector<std::uint8_t>> frames;
  void add(std::vector<std::uint8_t> frame) { frames.push_back(std::move(frame)); }
  void feed(FrameSink& sink) const {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      sink.on_frame(make_frame(frames[i], LinkType::ethernet, static_cast<std::int64_t>(i + 1)));
    }
  }
};

std::vector<std::uint8_t> tcp(std::string_view bytes, std::uint32_t seq, std::uint16_t src_port = 40000) {
  return tcp_frame(bytes, TcpSpec{.src_port = src_port, .dst_port = 5060, .seq = seq});
}

}  // namespace

TEST_CASE("the decoder names the frames of a TCP message, and only those", "[extract][tcp]") {
  DecoderLimits limits;
  limits.track_frames = true;
  limits.tcp.max_frame_records = 16;
  PacketDecoder decoder(limits);
  struct Frames : PayloadSink {
    std::vector<std::vector<FrameNumber>> origins;
    void on_payload(const Payload& p) override { origins.emplace_back(p.origin.frames.begin(), p.origin.frames.end()); }
  } sink;
  const std::string a = message("a", "OPTIONS", 300);
  const std::string b = message("b");
  std::uint32_t seq = 1000;
  auto send = [&](std::string_view bytes, std::uint16_t port = 40000) {
    decoder.decode(make_frame(tcp(bytes, port == 40000 ? seq : 1, port)), sink);
    if (port == 40000) seq += static_cast<std::uint32_t>(bytes.size());
    return decoder.frame_retained();
  };
  CHECK(send(a.substr(0, 100)));                              // frame 1: held
  CHECK_FALSE(send(std::string_view("not sip\r\n"), 41000));  // frame 2: another flow, not SIP
  CHECK(send(a.substr(100, 100)));                            // frame 3
  CHECK(send(a.substr(200) + b.substr(0, 10)));               // frame 4: ends a, begins b: still held
  CHECK_FALSE(send(b.substr(10)));                            // frame 5: ends b, nothing left
  REQUIRE(sink.origins.size() == 2);
  CHECK(sink.origins[0] == std::vector<FrameNumber>{1, 3, 4});
  CHECK(sink.origins[1] == std::vector<FrameNumber>{4, 5});
  std::vector<FrameNumber> held;
  decoder.collect_retained_frames(held);
  CHECK(held.empty());
}

TEST_CASE("a message in more segments than a flow remembers says it is incomplete", "[extract][tcp]") {
  DecoderLimits limits;
  limits.track_frames = true;
  limits.tcp.max_frame_records = 4;
  PacketDecoder decoder(limits);
  struct Last : PayloadSink {
    FrameRefs origin;
    std::vector<FrameNumber> frames;
    void on_payload(const Payload& p) override {
      origin = p.origin;
      frames.assign(p.origin.frames.begin(), p.origin.frames.end());
    }
  } sink;
  const std::string a = message("a", "OPTIONS", 100);
  std::uint32_t seq = 1;
  for (std::size_t at = 0; at < a.size(); at += 20) {
    const std::string piece = a.substr(at, 20);
    decoder.decode(make_frame(tcp(piece, seq)), sink);
    seq += static_cast<std::uint32_t>(piece.size());
  }
  CHECK(sink.origin.incomplete);
  CHECK(sink.frames.size() == 4);  // the last four
  CHECK(sink.frames.back() == decoder.frame_number());
}

TEST_CASE("the decoder names every fragment of a reassembled datagram", "[extract][ip_reassembly]") {
  DecoderLimits limits;
  limits.track_frames = true;
  PacketDecoder decoder(limits);
  struct Frames : PayloadSink {
    std::vector<FrameNumber> frames;
    void on_payload(const Payload& p) override { frames.assign(p.origin.frames.begin(), p.origin.frames.end()); }
  } sink;
  const auto whole = udp_ip_packet(message("f", "INVITE", 2000));
  decoder.decode(make_frame(ethernet(ipv4_fragment(whole, 1480, whole.size() - 20 - 1480, false), false)), sink);
  CHECK(decoder.frame_retained());
  decoder.decode(make_frame(sip_udp_frame(message("other"))), sink);
  CHECK(sink.frames == std::vector<FrameNumber>{2});
  decoder.decode(make_frame(ethernet(ipv4_fragment(whole, 0, 1480, true), false)), sink);
  CHECK_FALSE(decoder.frame_retained());  // completed the datagram
  std::sort(sink.frames.begin(), sink.frames.end());
  CHECK(sink.frames == std::vector<FrameNumber>{1, 3});
}

TEST_CASE("extract writes a call's frames, segments and fragments included, in capture order", "[extract]") {
  Capture capture;
  const std::string wanted_tcp = message("want", "BYE", 200);
  const std::string other_tcp = message("other", "BYE", 50);
  const auto fragmented = udp_ip_packet(message("want", "INVITE", 2000));
  capture.add(tcp(wanted_tcp.substr(0, 100), 1));                                                       // 1 want
  capture.add(sip_udp_frame(message("other")));                                                         // 2
  capture.add(ethernet(ipv4_fragment(fragmented, 0, 1480, true), false));                               // 3 want
  capture.add(sip_udp_frame(message("want", "ACK")));                                                   // 4 want
  capture.add(tcp(other_tcp, 1, 41000));                                                                // 5
  capture.add(tcp(wanted_tcp.substr(100), 101));                                                        // 6 want
  capture.add(ethernet(ipv4_fragment(fragmented, 1480, fragmented.size() - 20 - 1480, false), false));  // 7 want
  capture.add(sip_udp_frame(message("want-too")));                                                      // 8 want-too

  WrittenFrames out;
  CallExtractor extractor({"want", "want-too", "absent"}, out);
  capture.feed(extractor);
  extractor.finish();
  CHECK(out.times == std::vector<std::int64_t>{1, 3, 4, 6, 7, 8});
  CHECK(extractor.stats().messages == 4);
  CHECK(extractor.stats().frames_written == 6);
  CHECK(extractor.call_ids() == std::vector<std::string>{"absent", "want", "want-too"});
  CHECK(extractor.messages_per_call() == std::vector<std::uint64_t>{0, 3, 1});
}

TEST_CASE("extract keeps frames of unfinished reassemblies only while they are held", "[extract]") {
  Capture capture;
  // A hundred fragments that never complete and TCP segments of other calls: none is written,
  // and what is held stays bounded by the reassembly tables.
  const auto whole = udp_ip_packet(message("never", "INVITE", 4000));
  for (std::uint16_t id = 0; id < 100; ++id) {
    auto piece = ipv4_fragment(whole, 0, 1480, true);
    piece[4] = static_cast<std::uint8_t>(id >> 8);
    piece[5] = static_cast<std::uint8_t>(id);
    capture.add(ethernet(piece, false));
  }
  const std::string other = message("other", "BYE", 100);
  capture.add(tcp(other.substr(0, 50), 1));
  capture.add(tcp(other.substr(50), 51));
  capture.add(sip_udp_frame(message("want")));
  WrittenFrames out;
  DecoderLimits limits;
  limits.ip.max_datagrams = 8;
  CallExtractor extractor({"want"}, out, limits);
  capture.feed(extractor);
  extractor.finish();
  CHECK(out.times == std::vector<std::int64_t>{103});
  // At most the 8 datagrams in flight, plus what piled up between two looks at the tables.
  CHECK(extractor.stats().max_frames_held <= 2 * 64 + 8);
}

TEST_CASE("extract over the held-bytes limit drops the oldest unchosen frames and counts them", "[extract]") {
  Capture capture;
  const std::string a = message("want", "BYE", 300);
  capture.add(tcp(a.substr(0, 100), 1));
  capture.add(tcp(a.substr(100, 100), 101));
  capture.add(tcp(a.substr(200), 201));
  WrittenFrames out;
  CallExtractor extractor({"want"}, out, {}, ExtractLimits{.max_held_bytes = 200});
  capture.feed(extractor);
  extractor.finish();
  CHECK(extractor.stats().frames_dropped >= 1);
  CHECK(out.times.back() == 3);
  CHECK(out.times.size() == 3 - extractor.stats().frames_dropped);
}

// Saved fuzz inputs (tests/fuzz_regressions/frame_fuzzer): decoding with frame tracking on must
// find exactly the messages the engine's decoder (tracking off) finds, and write each frame once.
TEST_CASE("frame tracking changes nothing the decoder finds, on every saved fuzz input", "[extract][fuzz]") {
  const auto dir = std::filesystem::path(SIPMON_SOURCE_DIR) / "tests" / "fuzz_regressions" / "frame_fuzzer";
  REQUIRE(std::filesystem::is_directory(dir));
  std::size_t inputs_with_sip = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    INFO(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<Frame> frames;
    fuzz::for_each_frame(std::span<const std::uint8_t>(data), [&](const Frame& f) { frames.push_back(f); });

    struct CallIds : PayloadSink {
      SipMessage message;
      std::vector<std::string> ids;
      void on_payload(const Payload& p) override {
        if (parse_sip_message(as_text(p.bytes), message, p.truncated) == SipParseStatus::message) {
          ids.emplace_back(message.call_id);
        }
      }
    } plain;
    PacketDecoder decoder;
    for (const Frame& f : frames) decoder.decode(f, plain);
    if (plain.ids.empty()) continue;
    ++inputs_with_sip;

    WrittenFrames out;
    CallExtractor extractor(plain.ids, out);
    for (const Frame& f : frames) extractor.on_frame(f);
    extractor.finish();
    CHECK(extractor.stats().messages == plain.ids.size());
    CHECK(extractor.stats().frames_written <= frames.size());
    CHECK(extractor.stats().frames_written >= 1);
  }
  CHECK(inputs_with_sip > 0);
}
