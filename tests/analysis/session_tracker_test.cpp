#include <catch2/catch.hpp>

#include <random>

#include "support/sip_builder.h"
#include "support/tracker_identities.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {}  // namespace

TEST_CASE("an answered call is one established attempt, SRD runs to the first non-100 provisional", "[sessions]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.010, response(100, "INVITE", caller, 1))
      .at(100.250, response(180, "INVITE", dialog, 1))
      .at(103.0, response(200, "INVITE", dialog, 1))
      .at(103.01, request("ACK", dialog, 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  CHECK(sessions(report).effective == 1);
  CHECK(sessions(report).pending == 0);
  // 100.250 - 100.0: the 100 Trying does not stop the SRD, the 180 does.
  CHECK(report.rfc6076->srd.count() == 1);
  CHECK(report.rfc6076->srd.max() == Approx(0.250));
  CHECK(report.rfc6076->srd_failed.count() == 0);
  check_session_partition(report);
}

TEST_CASE("without a provisional, SRD runs to the 2xx", "[sessions]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1)).at(100.5, response(200, "INVITE", answered(caller, "t"), 1));
  CHECK(script.report().rfc6076->srd.max() == Approx(0.5));
}

TEST_CASE("retransmitted INVITEs and repeated responses are one attempt with one outcome", "[sessions]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.5, request("INVITE", caller, 1))
      .at(101.5, request("INVITE", caller, 1))
      .at(101.8, response(180, "INVITE", dialog, 1))
      .at(101.9, response(200, "INVITE", dialog, 1))
      .at(102.4, response(200, "INVITE", dialog, 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  // Measured from the first copy: 101.8 - 100.0.
  CHECK(report.rfc6076->srd.count() == 1);
  CHECK(report.rfc6076->srd.max() == Approx(1.8));
  CHECK(report.dialogs->established == 1);
}

TEST_CASE("the same INVITE seen on two proxy legs (other Via branch) is one attempt", "[sessions]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1, {}, "inbound"))
      .at(100.001, request("INVITE", caller, 1, {}, "outbound"))
      .at(100.100, response(486, "INVITE", dialog, 1, {}, "outbound"))
      .at(100.101, response(486, "INVITE", dialog, 1, {}, "inbound"));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).failed == 1);
  CHECK(sessions(report).effective == 1);
  CHECK(report.rfc6076->srd_failed.count() == 1);
  check_session_partition(report);
}

TEST_CASE("an INVITE challenged with 407 and re-sent with credentials is one attempt", "[sessions]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.002, response(407, "INVITE", answered(caller, "challenger"), 1))
      .at(100.003, request("ACK", answered(caller, "challenger"), 1))
      .at(100.010, request("INVITE", caller, 2, "Proxy-Authorization: Digest username=\"alice\"\r\n"))
      .at(100.020, response(100, "INVITE", caller, 2))
      .at(100.300, response(180, "INVITE", dialog, 2))
      .at(101.000, response(200, "INVITE", dialog, 2));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  CHECK(sessions(report).failed == 0);
  // From the attempt's first INVITE, challenge round-trip included: 100.300 - 100.0.
  CHECK(report.rfc6076->srd.max() == Approx(0.300));
  CHECK(report.rfc6076->srd_failed.count() == 0);
  check_session_partition(report);
}

TEST_CASE("a challenge never answered with credentials fails once its Timer B passes, pending before", "[sessions]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1)).at(100.1, response(401, "INVITE", answered(caller, "c"), 1));
  CHECK(sessions(script.report()).pending == 1);
  script.until(132.0);
  CHECK(sessions(script.report()).pending == 1);
  script.until(132.2);
  const Report report = script.report();
  CHECK(sessions(report).pending == 0);
  CHECK(sessions(report).failed == 1);
  CHECK(sessions(report).timeouts == 0);
  CHECK(sessions(report).ineffective == 0);
  CHECK(report.rfc6076->srd_failed.count() == 0);  // RFC 6076 §4.3.2 leaves 401/407 out
  check_session_partition(report);
}

TEST_CASE("re-INVITEs are not attempts", "[sessions]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(200, "INVITE", dialog, 1))
      .at(110.0, request("INVITE", dialog, 2))
      .at(110.1, response(200, "INVITE", dialog, 2))
      .at(120.0, request("INVITE", reversed(dialog), 1))  // from the callee, in its own CSeq space
      .at(120.1, response(491, "INVITE", reversed(dialog), 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  CHECK(sessions(report).failed == 0);
  CHECK(report.dialogs->established == 1);
  CHECK(report.dialogs->active == 1);
}

TEST_CASE("a 200 OK for an INVITE never seen creates no attempt but confirms a dialog", "[sessions]") {
  const CallIds dialog = answered(CallIds{}, "callee-tag");
  CallScript script;
  script.at(100.0, response(200, "INVITE", dialog, 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 0);
  CHECK(sessions(report).established == 0);
  CHECK(report.dialogs->established == 1);
  CHECK(report.rfc6076->srd.count() == 0);
}

TEST_CASE("no final response within 32 s is a timeout, younger is pending", "[sessions]") {
  const CallIds first{.call_id = "lost@example.test"};
  const CallIds second{.call_id = "young@example.test"};
  CallScript script;
  script.at(100.0, request("INVITE", first, 1))
      .at(100.5, request("INVITE", first, 1))
      .at(110.0, request("INVITE", second, 1))
      .at(110.2, response(100, "INVITE", second, 1));
  script.until(131.9);
  CHECK(sessions(script.report()).pending == 2);
  CHECK(sessions(script.report()).timeouts == 0);
  script.until(132.1);  // 32.1 s after the first INVITE (not the retransmission): Timer B fired
  const Report report = script.report();
  CHECK(sessions(report).timeouts == 1);
  CHECK(sessions(report).ineffective == 1);
  CHECK(sessions(report).pending == 1);
  check_session_partition(report);
  // A final response after the timeout changes nothing.
  script.at(133.0, response(200, "INVITE", answered(first, "late"), 1));
  CHECK(sessions(script.report()).established == 0);
}

TEST_CASE("each final response class lands in its outcome", "[sessions]") {
  struct Case {
    std::uint16_t status;
    std::uint64_t SessionCounts::*outcome;
    bool effective;
    bool srd_failed;
  };
  const Case cases[] = {
      {200, &SessionCounts::established, true, false}, {302, &SessionCounts::redirected, false, false},
      {487, &SessionCounts::cancelled, false, false},  {408, &SessionCounts::ineffective, false, true},
      {500, &SessionCounts::ineffective, false, true}, {503, &SessionCounts::ineffective, false, true},
      {504, &SessionCounts::ineffective, false, true}, {480, &SessionCounts::failed, true, true},
      {486, &SessionCounts::failed, true, true},       {600, &SessionCounts::failed, true, true},
      {603, &SessionCounts::failed, true, true},       {404, &SessionCounts::failed, false, true},
      {488, &SessionCounts::failed, false, true},      {502, &SessionCounts::failed, false, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    const CallIds caller;
    CallScript script;
    script.at(100.0, request("INVITE", caller, 1)).at(100.5, response(c.status, "INVITE", answered(caller, "t"), 1));
    const Report report = script.report();
    CHECK(sessions(report).attempts == 1);
    CHECK(sessions(report).*c.outcome == 1);
    CHECK(sessions(report).effective == (c.effective ? 1u : 0u));
    CHECK(report.rfc6076->srd_failed.count() == (c.srd_failed ? 1u : 0u));
    check_session_partition(report);
  }
}

TEST_CASE("a new INVITE after a redirect (same Call-ID and From-tag, higher CSeq) is a new attempt", "[sessions]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(302, "INVITE", answered(caller, "redirector"), 1))
      .at(100.2, request("INVITE", caller, 2))
      .at(100.3, response(200, "INVITE", answered(caller, "callee"), 2));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 2);
  CHECK(sessions(report).redirected == 1);
  CHECK(sessions(report).established == 1);
  check_session_partition(report);
}

TEST_CASE("a forked INVITE: one attempt, early dialogs per branch, all ended by the failure", "[sessions][dialogs]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(180, "INVITE", answered(caller, "branch-a"), 1))
      .at(100.2, response(183, "INVITE", answered(caller, "branch-b"), 1));
  CHECK(script.tracker().dialogs().size() == 2);
  script.at(105.0, response(486, "INVITE", answered(caller, "branch-a"), 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).failed == 1);
  CHECK(report.dialogs->early == 2);
  CHECK(report.dialogs->established == 0);
  CHECK(script.tracker().dialogs().size() == 0);  // branch-b ended with the attempt, not by a timer
}

TEST_CASE("a forked INVITE answered by two branches: one established attempt, two dialogs", "[sessions][dialogs]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(180, "INVITE", answered(caller, "branch-a"), 1))
      .at(100.2, response(180, "INVITE", answered(caller, "branch-b"), 1))
      .at(101.0, response(200, "INVITE", answered(caller, "branch-a"), 1))
      .at(101.1, response(200, "INVITE", answered(caller, "branch-b"), 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  CHECK(report.dialogs->established == 2);
  CHECK(report.dialogs->active == 2);
  check_session_partition(report);
}

TEST_CASE("SCR counts attempts established and then ended by a BYE answered 2xx", "[sessions][dialogs]") {
  CallScript script;
  const CallIds a{.call_id = "a"}, b{.call_id = "b"}, c{.call_id = "c"};
  // a: answered, BYE 200 -> completed. b: answered, BYE 481 -> not completed.
  // c: 200 for an INVITE never seen, BYE 200 -> a dialog, but no attempt to complete.
  script.at(100.0, request("INVITE", a, 1)).at(100.1, response(200, "INVITE", answered(a, "x"), 1));
  script.at(100.0, request("INVITE", b, 1)).at(100.1, response(200, "INVITE", answered(b, "x"), 1));
  script.at(100.1, response(200, "INVITE", answered(c, "x"), 1));
  script.at(110.0, request("BYE", answered(a, "x"), 2)).at(110.1, response(200, "BYE", answered(a, "x"), 2));
  script.at(110.0, request("BYE", reversed(answered(b, "x")), 1))
      .at(110.1, response(481, "BYE", reversed(answered(b, "x")), 1));
  script.at(110.0, request("BYE", answered(c, "x"), 2)).at(110.1, response(200, "BYE", answered(c, "x"), 2));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 2);
  CHECK(sessions(report).completed == 1);
  CHECK(report.dialogs->terminated_bye_2xx == 2);
  CHECK(report.dialogs->terminated_bye_error == 1);
}

TEST_CASE("a random-Call-ID INVITE flood stays within the attempt table's cap, every eviction counted",
          "[sessions][flood]") {
  CallTrackerConfig config;
  config.max_session_attempts = 1000;
  CallTracker tracker(config);
  std::mt19937_64 random(42);
  std::string call_id(24, 'x');
  SipMessage invite;
  invite.is_request = true;
  invite.method_id = Method::invite;
  invite.cseq_method_id = Method::invite;
  invite.cseq_number = 1;
  invite.from_tag = "flood";
  constexpr std::uint64_t kFlood = 1'000'000;
  const std::int64_t start = seconds(1000);
  for (std::uint64_t i = 0; i < kFlood; ++i) {
    const std::uint64_t r = random();
    for (std::size_t j = 0; j < 16; ++j) call_id[j] = "0123456789abcdef"[(r >> (4 * j)) & 15];
    invite.call_id = call_id;
    const std::int64_t ts = start + static_cast<std::int64_t>(i) * 10'000;  // 100,000 per second: 10 s
    tracker.advance(ts);
    tracker.on_message(invite, ts);
  }
  Report report;
  tracker.fill(report);
  CHECK(tracker.sessions().size() == 1000);
  CHECK(tracker.sessions().capacity() == 1000);
  CHECK(report.rfc6076->sessions.attempts == kFlood);
  CHECK(report.rfc6076->sessions.pending == 1000);
  CHECK(report.table_evictions[EvictingTable::session_attempts] == kFlood - 1000);
  // The survivors time out 32 s after their INVITE; evictions do not change.
  tracker.advance(start + seconds(10 + 33));
  Report later;
  tracker.fill(later);
  CHECK(later.rfc6076->sessions.pending == 0);
  CHECK(later.rfc6076->sessions.timeouts == 1000);
  CHECK(later.table_evictions[EvictingTable::session_attempts] == kFlood - 1000);
  CHECK(tracker.sessions().size() == 0);
  check_session_partition(later);
}

TEST_CASE("a 2xx from another fork still establishes an attempt one branch challenged", "[sessions]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(407, "INVITE", answered(caller, "proxy-b"), 1))
      .at(100.5, response(200, "INVITE", answered(caller, "phone-a"), 1));
  const Report report = script.report();
  CHECK(sessions(report).attempts == 1);
  CHECK(sessions(report).established == 1);
  CHECK(sessions(report).failed == 0);
  check_session_partition(report);
}

// RFC 3261 timers (docs/metrics.md, "Timers"): Timer B only while nothing has answered the INVITE.

TEST_CASE("a call that rings for a minute and is then answered is established, never a timeout", "[sessions][timers]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.01, response(100, "INVITE", caller, 1))
      .at(100.5, response(180, "INVITE", dialog, 1));
  script.until(159.0);
  CHECK(sessions(script.report()).pending == 1);
  script.at(160.0, response(200, "INVITE", dialog, 1));
  const Report report = script.report();
  CHECK(sessions(report).established == 1);
  CHECK(sessions(report).timeouts == 0);
  CHECK(report.rfc6076->srd.max() == Approx(0.5));
  check_session_partition(report);
}

TEST_CASE("a 480 or a 487 after a minute of ringing keeps its outcome", "[sessions][timers]") {
  const CallIds busy{.call_id = "busy@example.test"};
  const CallIds cancelled{.call_id = "cancel@example.test"};
  CallScript script;
  script.at(100.0, request("INVITE", busy, 1))
      .at(100.2, response(180, "INVITE", answered(busy, "b"), 1))
      .at(101.0, request("INVITE", cancelled, 1))
      .at(101.2, response(180, "INVITE", answered(cancelled, "c"), 1))
      .at(150.0, request("CANCEL", cancelled, 1))
      .at(150.1, response(487, "INVITE", answered(cancelled, "c"), 1))
      .at(160.2, response(480, "INVITE", answered(busy, "b"), 1));
  script.until(400.0);
  const Report report = script.report();
  CHECK(sessions(report).failed == 1);
  CHECK(sessions(report).effective == 1);  // 480: the user was reached
  CHECK(sessions(report).cancelled == 1);
  CHECK(sessions(report).timeouts == 0);
  CHECK(report.rfc6076->srd_failed.max() == Approx(60.2));
  check_session_partition(report);
}

TEST_CASE("after a 100 only, Timer C runs from the INVITE: a 100 does not restart it", "[sessions][timers]") {
  const CallIds caller;
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.1, response(100, "INVITE", caller, 1))
      .at(200.0, response(100, "INVITE", caller, 1));  // a proxy's second 100: no restart
  script.until(281.0);                                 // INVITE + 181 s
  CHECK(sessions(script.report()).pending == 1);
  script.until(281.1);
  const Report report = script.report();
  CHECK(sessions(report).timeouts == 1);
  CHECK(sessions(report).ineffective == 1);
  check_session_partition(report);
}

TEST_CASE("each 101-199 restarts Timer C, whose expiry is a timeout and ends the early dialog", "[sessions][timers]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  script.at(100.0, request("INVITE", caller, 1))
      .at(100.5, response(180, "INVITE", dialog, 1))
      .at(250.0, response(183, "INVITE", dialog, 1));
  script.until(431.0);  // 183 + 181 s
  CHECK(sessions(script.report()).pending == 1);
  CHECK(script.tracker().dialogs().size() == 1);
  script.until(431.1);
  const Report report = script.report();
  CHECK(sessions(report).timeouts == 1);
  CHECK(sessions(report).pending == 0);
  CHECK(script.tracker().dialogs().size() == 0);
  check_session_partition(report);
}

TEST_CASE("attempts on different timers time out in deadline order", "[sessions][timers]") {
  const CallIds ringing{.call_id = "ringing@example.test"};
  const CallIds silent{.call_id = "silent@example.test"};
  const CallIds trying{.call_id = "trying@example.test"};
  CallTrackerConfig config;
  config.timer_c_ns = seconds(100);
  CallScript script(config);
  script.at(0.0, request("INVITE", ringing, 1))
      .at(0.1, response(180, "INVITE", answered(ringing, "r"), 1))  // Timer C: 100.1
      .at(1.0, request("INVITE", trying, 1))
      .at(1.1, response(100, "INVITE", trying, 1))  // Timer C from the INVITE: 101.0
      .at(80.0, request("INVITE", silent, 1));      // Timer B: 112
  script.until(100.05);
  CHECK(sessions(script.report()).timeouts == 0);
  script.until(100.2);
  CHECK(sessions(script.report()).timeouts == 1);
  script.until(100.95);
  CHECK(sessions(script.report()).timeouts == 1);
  script.until(101.05);
  CHECK(sessions(script.report()).timeouts == 2);
  script.until(112.1);
  CHECK(sessions(script.report()).timeouts == 3);
  CHECK(sessions(script.report()).pending == 0);
}

// The tracker skips its timer lists while the clock is before the earliest deadline it last saw
// (DeadlineBound): an attempt armed afterwards with an earlier deadline must lower that bound.
TEST_CASE("an INVITE due before every timer already seen still times out on time", "[sessions][timers]") {
  const CallIds ringing{.call_id = "ringing@example.test"};
  const CallIds silent{.call_id = "silent@example.test"};
  CallTrackerConfig config;
  config.timer_c_ns = seconds(100);
  CallScript script(config);
  script.at(0.0, request("INVITE", ringing, 1)).at(0.1, response(180, "INVITE", answered(ringing, "r"), 1));
  script.until(1.0);                             // nothing due: the earliest deadline seen is Timer C at 100.1
  script.at(2.0, request("INVITE", silent, 1));  // Timer B: 34.0
  script.until(33.9);
  CHECK(sessions(script.report()).timeouts == 0);
  script.until(34.1);
  CHECK(sessions(script.report()).timeouts == 1);
  CHECK(sessions(script.report()).pending == 1);
  script.until(100.2);
  CHECK(sessions(script.report()).timeouts == 2);
}

TEST_CASE("the report carries the timers in force", "[sessions][timers]") {
  CallTrackerConfig config;
  config.timer_b_ns = seconds(16);
  config.timer_c_ns = seconds(8);  // below Timer B: raised to it
  config.timer_f_ns = seconds(4);
  CallScript script(config);
  const Report report = script.report();
  REQUIRE(report.timers);
  CHECK(report.timers->timer_b_s == 16.0);
  CHECK(report.timers->timer_c_s == 16.0);
  CHECK(report.timers->timer_f_s == 4.0);
}
