// Replays every saved fuzz input (tests/fuzz_regressions/<target>/) through the code its fuzzer
// drives, under the normal build: what once crashed must now simply be counted. Run the suite
// under ASan (or scripts/fuzz.sh, which also seeds from these) to catch memory errors too.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../fuzz/decoder_records.h"
#include "../../fuzz/frame_records.h"
#include "analysis/engine.h"
#include "analysis/sip_fields.h"
#include "analysis/sip_parser.h"

using namespace sipmon;

namespace {

std::vector<std::filesystem::path> inputs(const char* target) {
  std::vector<std::filesystem::path> files;
  const auto dir = std::filesystem::path(SIPMON_SOURCE_DIR) / "tests" / "fuzz_regressions" / target;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  return files;
}

std::vector<std::uint8_t> read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("saved SIP parser fuzz inputs parse without fault and keep views inside the payload", "[fuzz]") {
  const auto files = inputs("sip_parser_fuzzer");
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    INFO(file.string());
    const std::vector<std::uint8_t> data = read(file);
    REQUIRE(!data.empty());
    const std::string payload(data.begin() + 1, data.end());  // exact-size buffer
    SipMessage message;
    const SipParseStatus status = parse_sip_message(payload, message, (data[0] & 1) != 0);
    if (status != SipParseStatus::message) continue;
    CHECK(message.wire_length <= payload.size());
    CHECK(message.body.size() <= payload.size());
    std::array<std::string_view, 4> values{};
    for (std::size_t id = 0; id < kHeaderIdCount; ++id) (void)header_values(message, static_cast<HeaderId>(id), values);
    (void)top_via(message);
    (void)parse_uri(message.request_uri);
    (void)reason(message);
    (void)session_expires(message);
  }
}

TEST_CASE("saved frame fuzz inputs run through the whole engine and every frame is accounted for", "[fuzz]") {
  const auto files = inputs("frame_fuzzer");
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    INFO(file.string());
    const std::vector<std::uint8_t> data = read(file);
    struct CountRecords final : CallRecordSink {
      std::uint64_t total = 0;
      void on_call_record(const CallRecord&) override { ++total; }
    } records;
    Engine engine(EngineConfig{.ports = {},
                               .transactions = {.capacity = 16},
                               .call_records = &records,
                               .recorder = {.max_records = 4, .messages = true}});
    std::uint64_t frames = 0;
    fuzz::for_each_frame(std::span<const std::uint8_t>(data), [&](const Frame& frame) {
      engine.on_frame(frame);
      ++frames;
    });
    engine.finish();
    const Report report = engine.report();
    CHECK(report.capture.packets == frames);
    CHECK(report.retransmissions->requests + report.capture.duplicate_messages <= report.capture.sip_messages);
    CHECK(records.total == report.rfc6076->sessions.attempts);  // one call record per attempt
  }
}

TEST_CASE("saved packet decoder fuzz inputs run with the fuzzer's small limits and every frame is accounted for",
          "[fuzz]") {
  const auto files = inputs("packet_decoder_fuzz");
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    INFO(file.string());
    const std::vector<std::uint8_t> data = read(file);
    Engine engine(fuzz::decoder_fuzz_config());
    const std::size_t frames = fuzz::for_each_decoder_record(std::span<const std::uint8_t>(data),
                                                             [&](const Frame& frame) { engine.on_frame(frame); });
    engine.finish();
    const Report report = engine.report();
    CHECK(report.capture.packets == frames);
    CHECK(report.capture.sip_packets <= report.capture.sip_messages);
  }
}

TEST_CASE("a TCP segment exactly 2^31 from the expected sequence number is a gap, not a retransmission", "[fuzz]") {
  // Found by packet_decoder_fuzz under UBSan: the sequence difference was cast to int32 and
  // negated (-INT32_MIN). RFC 1982 leaves that distance undefined; the reassembler treats it as
  // a hole it will never fill and resynchronises on the OPTIONS the segment carries.
  const auto data = read(std::filesystem::path(SIPMON_SOURCE_DIR) /
                         "tests/fuzz_regressions/packet_decoder_fuzz/tcp-seq-exactly-half-the-space-ahead");
  Engine engine(fuzz::decoder_fuzz_config());
  fuzz::for_each_decoder_record(std::span<const std::uint8_t>(data),
                                [&](const Frame& frame) { engine.on_frame(frame); });
  engine.finish();
  const Report report = engine.report();
  CHECK(report.capture.packets == 2);
  CHECK(report.capture.outcomes[FrameOutcome::tcp_retransmission] == 0);
  CHECK(report.capture.events[DecoderEvent::tcp_gap] == 1);
  CHECK(report.requests[Method::options] == 1);
}

TEST_CASE("the hand-made frame input exercises copies, retransmissions and expiry", "[fuzz]") {
  const auto data = read(std::filesystem::path(SIPMON_SOURCE_DIR) /
                         "tests/fuzz_regressions/frame_fuzzer/invite-copies-retransmissions-expiry");
  Engine engine;
  fuzz::for_each_frame(std::span<const std::uint8_t>(data), [&](const Frame& frame) { engine.on_frame(frame); });
  engine.finish();
  const Report report = engine.report();
  // Frames 1-4 (Ethernet) and 5 (raw IP) carry the INVITE: 0.1 ms copy, +600 ms, +33 s, +0.1 ms.
  CHECK(report.requests[Method::invite] == 5);
  CHECK(report.capture.duplicate_messages == 2);  // the copy 0.1 ms after the first, and the last
  CHECK(report.retransmissions->requests == 1);   // 600 ms later; 33 s later is a new transaction
}
