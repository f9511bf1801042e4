#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/engine.h"
#include "analysis/sharded_engine.h"
#include "outputs/json_report.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::string message(std::string_view start, std::string_view call_id, std::string_view to_tag, std::uint32_t cseq,
                    std::string_view method) {
  return std::string(start) +
         "\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" +
         std::string(call_id) + std::to_string(cseq) +
         "\r\n"
         "From: <sip:alice@example.test>;tag=a\r\n"
         "To: <sip:bob@example.test>" +
         (to_tag.empty() ? std::string() : ";tag=" + std::string(to_tag)) + "\r\nCall-ID: " + std::string(call_id) +
         "\r\nCSeq: " + std::to_string(cseq) + " " + std::string(method) + "\r\nContent-Length: 0\r\n\r\n";
}

// Calls in every state a live snapshot can catch them: answered and ended, answered and up,
// ringing, unanswered (Timer B runs out on the caller's clock), rejected.
std::vector<std::vector<std::uint8_t>> calls(int n) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < n; ++i) {
    const std::string id = "c" + std::to_string(i) + "@example.test";
    const std::string invite_uri = "INVITE sip:bob@example.test SIP/2.0";
    frames.push_back(sip_udp_frame(message(invite_uri, id, "", 1, "INVITE")));
    if (i % 5 == 3) continue;  // never answered
    frames.push_back(sip_udp_frame(message("SIP/2.0 100 Trying", id, "", 1, "INVITE")));
    frames.push_back(sip_udp_frame(message("SIP/2.0 180 Ringing", id, "b", 1, "INVITE")));
    if (i % 5 == 2) continue;  // still ringing
    if (i % 5 == 4) {
      frames.push_back(sip_udp_frame(message("SIP/2.0 486 Busy Here", id, "b", 1, "INVITE")));
      continue;
    }
    frames.push_back(sip_udp_frame(message("SIP/2.0 200 OK", id, "b", 1, "INVITE")));
    frames.push_back(sip_udp_frame(message("ACK sip:bob@example.test SIP/2.0", id, "b", 1, "ACK")));
    if (i % 5 == 1) continue;  // up
    frames.push_back(sip_udp_frame(message("BYE sip:bob@example.test SIP/2.0", id, "b", 2, "BYE")));
    frames.push_back(sip_udp_frame(message("SIP/2.0 200 OK", id, "b", 2, "BYE")));
  }
  return frames;
}

}  // namespace

TEST_CASE("live --threads: a snapshot while running is one engine's report at the same point", "[engine][threads]") {
  EngineConfig config{.ports = {5060}, .wall_clock = true};
  Engine one(config);
  ShardedEngine sharded(config, 2);
  const auto frames = calls(200);
  std::int64_t now = 1'700'000'000 * kSecond;
  one.tick(now);
  sharded.tick(now);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame frame = make_frame(frames[i], LinkType::ethernet, now);
    one.on_frame(frame);
    sharded.on_frame(frame);
    if (i % 97 == 0) sharded.flush();  // as the live loop does after a wake-up
    if (i == frames.size() / 2) {
      // The shards have counted everything handed on so far, not only full batches.
      const Report snapshot = sharded.snapshot();
      CHECK(snapshot.capture.sip_messages == i + 1);
      CHECK(report_to_json(one.report()) == report_to_json(snapshot));
    }
  }
  const auto before_timeouts = report_to_json(sharded.snapshot());
  CHECK(report_to_json(one.report()) == before_timeouts);
  // Silence on the wire, the wall clock moves on: Timer B and the ringing calls' timers run out in
  // the shards as in one engine.
  now += 240 * kSecond;
  one.tick(now);
  sharded.tick(now);
  const Report after = sharded.snapshot();
  CHECK(report_to_json(one.report()) == report_to_json(after));
  REQUIRE(after.rfc6076);
  CHECK(after.rfc6076->sessions.timeouts > 0);
  sharded.finish();
  one.finish();
  CHECK(report_to_json(one.report()) == report_to_json(sharded.report()));
}
