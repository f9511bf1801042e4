#include <catch2/catch.hpp>

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

}  // namespace

TEST_CASE("replay: Timer B runs on packet time, and only packets move it", "[engine][calls]") {
  Engine engine;
  const auto first = sip_udp_frame(invite("one"));
  const auto second = sip_udp_frame(invite("two"));
  engine.on_frame(make_frame(first, LinkType::ethernet, 100 * kSecond));
  engine.tick(100 * kSecond);  // replay ticks with packet time: nothing times out, however long the replay takes
  CHECK(engine.report().rfc6076->sessions.pending == 1);
  engine.on_frame(make_frame(second, LinkType::ethernet, 133 * kSecond));
  const Report report = engine.report();
  CHECK(report.rfc6076->sessions.attempts == 2);
  CHECK(report.rfc6076->sessions.timeouts == 1);
  CHECK(report.rfc6076->sessions.pending == 1);
}

TEST_CASE("live: Timer B runs on the caller's clock, also when no packet arrives", "[engine][calls]") {
  EngineConfig config;
  config.wall_clock = true;
  Engine engine(config);
  const auto old_invite = sip_udp_frame(invite("old"));
  const auto new_invite = sip_udp_frame(invite("new"));
  const std::int64_t now = 1'700'000'000 * kSecond;
  engine.tick(now);
  engine.on_frame(make_frame(old_invite, LinkType::ethernet, now - 40 * kSecond));
  // Timer B (32 s) of the old INVITE has passed at `now`: the next frame's time check expires it.
  // Packet time does not move the live clock: this stamp, an hour ahead, leaves `now` alone.
  engine.on_frame(make_frame(new_invite, LinkType::ethernet, now + 3600 * kSecond));
  engine.tick(now);
  Report report = engine.report();
  CHECK(report.rfc6076->sessions.timeouts == 1);
  CHECK(report.rfc6076->sessions.pending == 1);
  engine.tick(now - 3600 * kSecond);  // a clock stepped back never moves expiry backwards
  engine.tick(now + 3600 * kSecond + 33 * kSecond);
  report = engine.report();
  CHECK(report.rfc6076->sessions.timeouts == 2);
  CHECK(report.rfc6076->sessions.pending == 0);
}

TEST_CASE("a message with a defect in a mandatory header is no attempt", "[engine][calls]") {
  Engine engine;
  const auto broken = sip_udp_frame(invite("", false));
  engine.on_frame(make_frame(broken, LinkType::ethernet, 100 * kSecond));
  const Report report = engine.report();
  CHECK(report.requests[Method::invite] == 1);
  CHECK(report.capture.defects[MessageDefect::sip_missing_call_id] == 1);
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
  CHECK(report.table_evictions[EvictingTable::session_attempts] == 2);
}

TEST_CASE("every call table is listed in table_evictions, with 0 when nothing was evicted", "[engine][calls]") {
  Engine engine;
  const auto frame = sip_udp_frame(invite("one"));
  engine.on_frame(make_frame(frame, LinkType::ethernet, 100 * kSecond));
  const Report report = engine.report();
  CHECK(report.table_evictions[EvictingTable::session_attempts] == 0);
  CHECK(report.table_evictions[EvictingTable::registration_attempts] == 0);
  CHECK(report.table_evictions[EvictingTable::dialogs] == 0);
  CHECK(report.table_evictions.listed(EvictingTable::session_attempts));
  CHECK(report.table_evictions.listed(EvictingTable::registration_attempts));
  CHECK(report.table_evictions.listed(EvictingTable::dialogs));
  CHECK(report.table_evictions.listed(EvictingTable::transactions));
  CHECK_FALSE(report.table_evictions.listed(EvictingTable::call_records));  // no recorder, nothing evicted
}

namespace {

std::string ok_to_invite(std::string_view call_id) {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
         "From: <sip:alice@example.test>;tag=a\r\n"
         "To: <sip:bob@example.test>;tag=b\r\n"
         "Call-ID: " +
         std::string(call_id) + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

constexpr std::int64_t kDay = 86'400 * kSecond;

struct TimedFeed {
  Engine engine;
  void at(std::int64_t ts_ns, const std::string& sip) {
    const auto frame = sip_udp_frame(sip);
    engine.on_frame(make_frame(frame, LinkType::ethernet, ts_ns));
  }
};

std::uint64_t clock_events(const Report& report, DecoderEvent event) { return report.capture.events[event]; }

}  // namespace

TEST_CASE("one packet stamped a day late does not time out the calls in progress", "[engine][calls][time]") {
  // Hand-worked: two INVITEs answered 1 s later, with one stray packet stamped a day late in
  // between. Before the clock guarded its steps, that packet moved it past Timer B for both
  // calls: 0 established, 2 timeouts (SER 100 % -> 0 %).
  TimedFeed feed;
  feed.at(100 * kSecond, invite("one"));
  feed.at(101 * kSecond, invite("two"));
  feed.at(101 * kSecond + kDay, invite("stray"));
  feed.at(102 * kSecond, ok_to_invite("one"));
  feed.at(103 * kSecond, ok_to_invite("two"));
  feed.engine.finish();
  const Report report = feed.engine.report();
  CHECK(report.capture.packets == 5);
  CHECK(report.rfc6076->sessions.attempts == 3);
  CHECK(report.rfc6076->sessions.established == 2);
  CHECK(report.rfc6076->sessions.timeouts == 0);
  CHECK(clock_events(report, DecoderEvent::packet_time_outlier) == 1);
  CHECK(clock_events(report, DecoderEvent::packet_time_jump) == 0);
  CHECK(report.capture.last_ts_ns == 103 * kSecond);  // the outlier was taken at its neighbours' time
}

TEST_CASE("a jump the next packet confirms is a silence: the clock moves and pending calls time out",
          "[engine][calls][time]") {
  TimedFeed feed;
  feed.at(100 * kSecond, invite("one"));
  feed.at(101 * kSecond, invite("two"));
  // A day later, the 200 OK to "one" and then more traffic: the capture really went quiet. Both
  // INVITEs timed out before the late answer is seen, exactly as without the guard.
  feed.at(100 * kSecond + kDay, ok_to_invite("one"));
  feed.at(101 * kSecond + kDay, invite("three"));
  feed.engine.finish();
  const Report report = feed.engine.report();
  CHECK(report.rfc6076->sessions.timeouts == 2);
  CHECK(report.rfc6076->sessions.established == 0);
  CHECK(report.rfc6076->sessions.pending == 1);
  CHECK(clock_events(report, DecoderEvent::packet_time_jump) == 1);
  CHECK(clock_events(report, DecoderEvent::packet_time_outlier) == 0);
  CHECK(report.capture.last_ts_ns == 101 * kSecond + kDay);
}

TEST_CASE("steps within the largest step move the clock at once, and time going backwards is counted",
          "[engine][calls][time]") {
  TimedFeed feed;
  feed.at(1000 * kSecond, invite("one"));
  feed.at(1040 * kSecond, invite("two"));  // 40 s: an ordinary step, Timer B fires for "one"
  CHECK(feed.engine.report().rfc6076->sessions.timeouts == 1);
  feed.at(1040 * kSecond - 3600 * kSecond, invite("old"));  // an hour before: merged files, other clock
  feed.at(1041 * kSecond, ok_to_invite("two"));
  feed.engine.finish();
  const Report report = feed.engine.report();
  CHECK(clock_events(report, DecoderEvent::packet_time_backwards) == 1);
  CHECK(clock_events(report, DecoderEvent::packet_time_jump) == 0);
  CHECK(clock_events(report, DecoderEvent::packet_time_outlier) == 0);
  CHECK(report.rfc6076->sessions.established == 1);
  CHECK(report.capture.first_ts_ns == 1040 * kSecond - 3600 * kSecond);
}

TEST_CASE("a far-ahead last packet is held until finish(), then counted as an outlier", "[engine][calls][time]") {
  TimedFeed feed;
  feed.at(100 * kSecond, invite("one"));
  feed.at(100 * kSecond + kDay, invite("stray"));
  CHECK(feed.engine.report().capture.packets == 2);      // counted on arrival
  CHECK(feed.engine.report().capture.sip_packets == 1);  // decoded only once its time is settled
  feed.engine.finish();
  const Report report = feed.engine.report();
  CHECK(report.capture.sip_packets == 2);
  CHECK(report.rfc6076->sessions.timeouts == 0);
  CHECK(report.rfc6076->sessions.pending == 2);
  CHECK(clock_events(report, DecoderEvent::packet_time_outlier) == 1);
}

TEST_CASE("a frame whose time is unknown is counted as malformed and kept off the clock", "[engine][time]") {
  TimedFeed feed;
  feed.at(100 * kSecond, invite("one"));
  feed.at(kFrameTimeUnknown, invite("two"));
  feed.at(101 * kSecond, ok_to_invite("one"));
  feed.engine.finish();
  const Report report = feed.engine.report();
  CHECK(report.capture.packets == 3);
  CHECK(report.capture.malformed_packets == 1);
  CHECK(report.capture.outcomes[FrameOutcome::timestamp_out_of_range] == 1);
  CHECK(report.capture.first_ts_ns == 100 * kSecond);
  CHECK(report.capture.last_ts_ns == 101 * kSecond);
  CHECK(report.rfc6076->sessions.attempts == 1);
  CHECK(report.rfc6076->sessions.established == 1);
}
