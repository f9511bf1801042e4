#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "analysis/engine.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

std::string invite(std::string_view call_id, bool with_call_id = true) {
  return "INVITE sip:bob@example.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
         "From: <sip:alice@example.test>;tag=a\r\n"
         "To: <sip:bob@example.test>\r\n" +
         (with_call_id ? "Call-ID: " + std::string(call_id) + "\r\n" : std::string()) +
         "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

constexpr std::int64_t kSecond = 1'000'000'000;

std::int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("replay: Timer B runs on packet time, and only packets move it", "[engine][calls]") {
  Engine engine;
  const auto first = sip_udp_frame(invite("one"));
  const auto second = sip_udp_frame(invite("two"));
  engine.on_frame(make_frame(first, LinkType::ethernet, 100 * kSecond));
  engine.tick();  // the packet clock has not moved: nothing times out, however long the replay takes
  CHECK(engine.report().rfc6076->sessions.pending == 1);
  engine.on_frame(make_frame(second, LinkType::ethernet, 133 * kSecond));
  const Report report = engine.report();
  CHECK(report.rfc6076->sessions.attempts == 2);
  CHECK(report.rfc6076->sessions.timeouts == 1);
  CHECK(report.rfc6076->sessions.pending == 1);
}

TEST_CASE("live: Timer B runs on the wall clock, also when no packet arrives", "[engine][calls]") {
  EngineConfig config;
  config.wall_clock = true;
  Engine engine(config);
  const auto old_invite = sip_udp_frame(invite("old"));
  const auto new_invite = sip_udp_frame(invite("new"));
  engine.on_frame(make_frame(old_invite, LinkType::ethernet, wall_now() - 40 * kSecond));
  engine.on_frame(make_frame(new_invite, LinkType::ethernet, wall_now()));
  engine.tick();
  const Report report = engine.report();
  CHECK(report.rfc6076->sessions.timeouts == 1);
  CHECK(report.rfc6076->sessions.pending == 1);
}

TEST_CASE("a message with a defect in a mandatory header is no attempt", "[engine][calls]") {
  Engine engine;
  const auto broken = sip_udp_frame(invite("", false));
  engine.on_frame(make_frame(broken, LinkType::ethernet, 100 * kSecond));
  const Report report = engine.report();
  CHECK(report.requests.at("INVITE") == 1);
  CHECK(report.capture.malformed_by_reason.at("sip_missing_call_id") == 1);
  CHECK(report.rfc6076->sessions.attempts == 0);
}

TEST_CASE("table caps come from the engine's configuration", "[engine][calls]") {
  EngineConfig config;
  config.calls.max_session_attempts = 2;
  Engine engine(config);
  for (const char* id : {"a", "b", "c", "d"}) {
    const auto frame = sip_udp_frame(invite(id));
    engine.on_frame(make_frame(frame, LinkType::ethernet, 100 * kSecond));
  }
  const Report report = engine.report();
  CHECK(report.rfc6076->sessions.attempts == 4);
  CHECK(report.rfc6076->sessions.pending == 2);
  CHECK(report.table_evictions.at("session_attempts") == 2);
}

TEST_CASE("every call table is listed in table_evictions, with 0 when nothing was evicted", "[engine][calls]") {
  Engine engine;
  const auto frame = sip_udp_frame(invite("one"));
  engine.on_frame(make_frame(frame, LinkType::ethernet, 100 * kSecond));
  const Report report = engine.report();
  CHECK(report.table_evictions.at("session_attempts") == 0);
  CHECK(report.table_evictions.at("registration_attempts") == 0);
  CHECK(report.table_evictions.at("dialogs") == 0);
}
