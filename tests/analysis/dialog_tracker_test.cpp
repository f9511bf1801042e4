#include <catch2/catch.hpp>

#include <random>

#include "analysis/session_timer.h"
#include "support/sip_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

const DialogCounts& dialogs(const Report& report) { return *report.dialogs; }

void check_identity(const Report& report) {
  const DialogCounts& d = dialogs(report);
  CHECK(d.established == d.terminated + d.expired + d.evicted + d.active);
  CHECK(d.terminated ==
        d.terminated_bye_2xx + d.terminated_bye_error + d.terminated_bye_unanswered + d.terminated_error_response);
}

// An answered call at t: INVITE, 180, 200 (with `extra` headers), ACK.
void answer(CallScript& script, const CallIds& caller, double t, std::string_view extra = {},
            std::string_view invite_extra = {}) {
  const CallIds dialog = answered(caller, "callee-tag");
  script.at(t, request("INVITE", caller, 1, invite_extra))
      .at(t + 0.05, response(180, "INVITE", dialog, 1))
      .at(t + 0.1, response(200, "INVITE", dialog, 1, extra))
      .at(t + 0.11, request("ACK", dialog, 1));
}

CallTrackerConfig with_default_expiry(double s) {
  CallTrackerConfig config;
  config.default_session_expires_ns = seconds(s);
  return config;
}

}  // namespace

TEST_CASE("the session interval: Session-Expires, raised to Min-SE, none when absent or 0", "[dialogs]") {
  const CallIds ids = answered(CallIds{}, "t");
  auto interval = [&](std::string_view headers) { return session_interval(*response(200, "INVITE", ids, 1, headers)); };
  CHECK(interval("Session-Expires: 1800\r\n") == 1800u);
  CHECK(interval("Session-Expires: 90;refresher=uac\r\n") == 90u);
  CHECK(interval("x: 90\r\n") == 90u);  // compact form
  CHECK(interval("Session-Expires: 60\r\nMin-SE: 120\r\n") == 120u);
  CHECK(interval("Session-Expires: 600\r\nMin-SE: 120\r\n") == 600u);
  CHECK_FALSE(interval(""));
  CHECK_FALSE(interval("Min-SE: 120\r\n"));
  CHECK_FALSE(interval("Session-Expires: 0\r\n"));
  CHECK_FALSE(interval("Session-Expires: soon\r\n"));
}

TEST_CASE("early on 1xx with a To-tag, confirmed on 2xx, terminated by a BYE answered 2xx: SDT and SDD", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  CHECK(dialogs(script.report()).early == 1);
  CHECK(dialogs(script.report()).established == 1);
  CHECK(dialogs(script.report()).active == 1);
  script.at(160.1, request("BYE", dialog, 2)).at(160.13, response(200, "BYE", dialog, 2));
  const Report report = script.report();
  CHECK(dialogs(report).terminated == 1);
  CHECK(dialogs(report).terminated_bye_2xx == 1);
  CHECK(dialogs(report).active == 0);
  // SDT: 2xx at 100.1 to BYE at 160.1 = 60 s. SDD: 160.1 to 160.13 = 30 ms.
  CHECK(report.rfc6076->sdt.count() == 1);
  CHECK(report.rfc6076->sdt.max() == Approx(60.0));
  CHECK(report.rfc6076->sdd.count() == 1);
  CHECK(report.rfc6076->sdd.max() == Approx(0.030));
  check_identity(report);
}

TEST_CASE("dialogs are found whichever side sends: the callee's BYE ends the caller's dialog", "[dialogs]") {
  const CallIds caller;
  const CallIds callee_side = reversed(answered(caller, "callee-tag"));
  CallScript script;
  answer(script, caller, 100.0);
  script.at(110.0, request("BYE", callee_side, 1)).at(110.01, response(200, "BYE", callee_side, 1));
  const Report report = script.report();
  CHECK(dialogs(report).established == 1);
  CHECK(dialogs(report).terminated_bye_2xx == 1);
  CHECK(report.rfc6076->sessions.completed == 1);
  check_identity(report);
}

TEST_CASE("a BYE answered with an error still ends the dialog, counted by answer", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  script.at(110.0, request("BYE", dialog, 2)).at(110.01, response(481, "BYE", dialog, 2));
  const Report report = script.report();
  CHECK(dialogs(report).terminated_bye_error == 1);
  CHECK(report.rfc6076->sessions.completed == 0);
  CHECK(report.rfc6076->sdd.count() == 1);
  check_identity(report);
}

TEST_CASE("a BYE without a final response in 32 s is an SDD timeout and still ends the dialog", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  script.at(110.0, request("BYE", dialog, 2)).at(110.5, request("BYE", dialog, 2)).at(111.5, request("BYE", dialog, 2));
  script.until(141.5);
  CHECK(dialogs(script.report()).active == 1);  // BYE sent, its outcome not known yet
  script.until(143.5);
  const Report report = script.report();
  CHECK(report.rfc6076->sdd_timeouts == 1);
  CHECK(report.rfc6076->sdd.count() == 0);
  CHECK(dialogs(report).terminated_bye_unanswered == 1);
  CHECK(dialogs(report).active == 0);
  CHECK(report.rfc6076->sdt.count() == 1);
  check_identity(report);
}

TEST_CASE("retransmitted BYEs and repeated answers are timed once", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  script.at(110.0, request("BYE", dialog, 2))
      .at(110.5, request("BYE", dialog, 2))
      .at(110.6, response(200, "BYE", dialog, 2))
      .at(110.7, response(200, "BYE", dialog, 2))
      .at(111.0, request("BYE", dialog, 2));
  const Report report = script.report();
  CHECK(report.rfc6076->sdd.count() == 1);
  CHECK(report.rfc6076->sdd.max() == Approx(0.6));
  CHECK(report.rfc6076->sdt.count() == 1);
  CHECK(dialogs(report).terminated == 1);
  check_identity(report);
}

TEST_CASE("a BYE for a dialog whose start was not captured is timed for SDD only", "[dialogs]") {
  const CallIds dialog = answered(CallIds{}, "callee-tag");
  CallScript script;
  script.at(100.0, request("BYE", dialog, 5)).at(100.02, response(200, "BYE", dialog, 5));
  const Report report = script.report();
  CHECK(report.rfc6076->sdd.count() == 1);
  CHECK(report.rfc6076->sdt.count() == 0);
  CHECK(dialogs(report).established == 0);
  CHECK(dialogs(report).terminated == 0);
}

TEST_CASE("Session-Expires in the 2xx sets the expiry, without a refresh the dialog expires", "[dialogs]") {
  const CallIds caller;
  CallScript script;
  answer(script, caller, 100.0, "Session-Expires: 90;refresher=uac\r\n");  // 2xx at 100.1, expires at 190.1
  script.until(190.0);
  CHECK(dialogs(script.report()).active == 1);
  script.until(191.5);  // expiry fires within a second of its deadline
  const Report report = script.report();
  CHECK(dialogs(report).expired == 1);
  CHECK(dialogs(report).active == 0);
  CHECK(report.rfc6076->sdt.count() == 0);  // no BYE: no session duration
  check_identity(report);
}

TEST_CASE("re-INVITE and UPDATE refresh the session", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0, "Session-Expires: 90\r\n");
  // re-INVITE from the caller at 150: expiry moves to 240.1.
  script.at(150.0, request("INVITE", dialog, 2, "Session-Expires: 90\r\n"))
      .at(150.1, response(200, "INVITE", dialog, 2, "Session-Expires: 90;refresher=uac\r\n"));
  script.until(200.0);
  CHECK(dialogs(script.report()).active == 1);
  // UPDATE from the callee (its own CSeq space) at 230: expiry moves to 320.1 (x: compact form).
  script.at(230.0, request("UPDATE", reversed(dialog), 1, "x: 90\r\n"))
      .at(230.1, response(200, "UPDATE", reversed(dialog), 1, "x: 90\r\n"));
  script.until(300.0);
  CHECK(dialogs(script.report()).active == 1);
  CHECK(dialogs(script.report()).expired == 0);
  script.until(321.5);
  CHECK(dialogs(script.report()).expired == 1);
  CHECK(script.report().rfc6076->sessions.attempts == 1);  // neither refresh is an attempt
}

TEST_CASE("a re-INVITE that fails does not refresh, a repeated initial 2xx does not either", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0, "Session-Expires: 90\r\n");  // expires at 190.1
  script.at(150.0, request("INVITE", dialog, 2)).at(150.1, response(491, "INVITE", dialog, 2));
  script.at(150.2, response(200, "INVITE", dialog, 1, "Session-Expires: 90\r\n"));
  script.until(191.5);
  CHECK(dialogs(script.report()).expired == 1);
}

TEST_CASE("Min-SE raises a smaller Session-Expires", "[dialogs]") {
  const CallIds caller;
  CallScript script;
  answer(script, caller, 100.0, "Session-Expires: 60\r\nMin-SE: 120\r\n");  // 120 s: expires at 220.1
  script.until(200.0);
  CHECK(dialogs(script.report()).active == 1);
  script.until(221.5);
  CHECK(dialogs(script.report()).expired == 1);
}

TEST_CASE("the INVITE's Session-Expires holds when the 2xx has none, the default when neither has", "[dialogs]") {
  CallScript script(with_default_expiry(3600));
  answer(script, CallIds{.call_id = "proposed", .from_tag = "a"}, 100.0, {}, "Session-Expires: 300\r\n");
  answer(script, CallIds{.call_id = "plain", .from_tag = "a"}, 100.0);
  script.until(399.0);
  CHECK(dialogs(script.report()).active == 2);
  script.until(401.5);
  CHECK(dialogs(script.report()).expired == 1);  // 100.1 + 300
  script.until(3699.0);
  CHECK(dialogs(script.report()).active == 1);
  script.until(3701.5);
  CHECK(dialogs(script.report()).expired == 2);  // 100.1 + 3600
  check_identity(script.report());
}

TEST_CASE("a 481 to an in-dialog request ends the dialog", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  script.at(110.0, request("INFO", dialog, 2)).at(110.1, response(481, "INFO", dialog, 2));
  const Report report = script.report();
  CHECK(dialogs(report).terminated_error_response == 1);
  CHECK(dialogs(report).active == 0);
  check_identity(report);
}

TEST_CASE("an early dialog with no final response ends after Timer C", "[dialogs]") {
  const CallIds caller;
  CallTrackerConfig config;
  config.timer_c_ns = seconds(180);
  CallScript script(config);
  script.at(100.0, response(180, "INVITE", answered(caller, "callee-tag"), 1));  // its INVITE not captured
  script.until(279.0);
  CHECK(script.tracker().dialogs().size() == 1);
  script.until(281.5);
  CHECK(script.tracker().dialogs().size() == 0);
  CHECK(dialogs(script.report()).established == 0);
}

TEST_CASE("a full dialog table evicts the oldest and counts it", "[dialogs][flood]") {
  CallTrackerConfig config;
  config.max_dialogs = 2;
  CallScript script(config);
  answer(script, CallIds{.call_id = "one", .from_tag = "a"}, 100.0);
  answer(script, CallIds{.call_id = "two", .from_tag = "a"}, 101.0);
  answer(script, CallIds{.call_id = "three", .from_tag = "a"}, 102.0);
  const Report report = script.report();
  CHECK(dialogs(report).established == 3);
  CHECK(dialogs(report).evicted == 1);
  CHECK(dialogs(report).active == 2);
  CHECK(report.table_evictions[EvictingTable::dialogs] == 1);
  check_identity(report);
  // "one" was evicted: its BYE is now for an unknown dialog (SDD only), "two" still ends normally.
  const CallIds two = answered(CallIds{.call_id = "two", .from_tag = "a"}, "callee-tag");
  script.at(110.0, request("BYE", two, 2)).at(110.1, response(200, "BYE", two, 2));
  CHECK(dialogs(script.report()).terminated_bye_2xx == 1);
}

TEST_CASE("a flood of provisional responses with random tags stays within the dialog table's cap", "[dialogs][flood]") {
  CallTrackerConfig config;
  config.max_dialogs = 1000;
  CallTracker tracker(config);
  std::mt19937_64 random(7);
  std::string tag(16, 'x');
  SipMessage ringing;
  ringing.status_code = 180;
  ringing.cseq_method_id = Method::invite;
  ringing.cseq_number = 1;
  ringing.call_id = "one-call-id";
  ringing.from_tag = "caller";
  constexpr std::uint64_t kFlood = 1'000'000;
  for (std::uint64_t i = 0; i < kFlood; ++i) {
    const std::uint64_t r = random();
    for (std::size_t j = 0; j < 16; ++j) tag[j] = "0123456789abcdef"[(r >> (4 * j)) & 15];
    ringing.to_tag = tag;
    tracker.on_message(ringing, seconds(1000) + static_cast<std::int64_t>(i) * 1000);
  }
  Report report;
  tracker.fill(report);
  CHECK(tracker.dialogs().size() == 1000);
  CHECK(report.dialogs->early == kFlood);
  CHECK(report.table_evictions[EvictingTable::dialogs] == kFlood - 1000);
  CHECK(report.dialogs->evicted == 0);  // none of them was confirmed
}

TEST_CASE("the callee's re-INVITE with the caller's CSeq number still refreshes the session", "[dialogs]") {
  const CallIds caller;
  const CallIds callee_side = reversed(answered(caller, "callee-tag"));
  CallScript script;
  answer(script, caller, 100.0, "Session-Expires: 90\r\n");  // INVITE CSeq 1; expires at 190.1
  // The callee numbers its own requests: its first re-INVITE is CSeq 1 too.
  script.at(150.0, request("INVITE", callee_side, 1, "Session-Expires: 90\r\n"))
      .at(150.1, response(200, "INVITE", callee_side, 1, "Session-Expires: 90\r\n"));
  script.until(200.0);
  CHECK(dialogs(script.report()).active == 1);  // refreshed to 240.1
  script.until(241.5);
  CHECK(dialogs(script.report()).expired == 1);
}

TEST_CASE("BYE glare: only the answer to the first BYE, from its sender's side, times it", "[dialogs]") {
  const CallIds caller;
  const CallIds dialog = answered(caller, "callee-tag");
  CallScript script;
  answer(script, caller, 100.0);
  // Both sides hang up at once with the same CSeq number; the callee's BYE is answered first.
  script.at(110.0, request("BYE", dialog, 2))
      .at(110.01, request("BYE", reversed(dialog), 2))
      .at(110.02, response(200, "BYE", reversed(dialog), 2));
  CHECK(script.report().rfc6076->sdd.count() == 0);
  script.at(110.5, response(200, "BYE", dialog, 2));
  const Report report = script.report();
  CHECK(report.rfc6076->sdd.count() == 1);
  CHECK(report.rfc6076->sdd.max() == Approx(0.5));
  CHECK(dialogs(report).terminated_bye_2xx == 1);
  check_identity(report);
}

TEST_CASE("a 2xx without a To-tag (RFC 2543) confirms a dialog that a BYE from either side completes", "[dialogs]") {
  for (const bool callee_hangs_up : {false, true}) {
    INFO("callee hangs up: " << callee_hangs_up);
    const CallIds caller;  // no To-tag, ever: the remote tag is null (RFC 3261 §12.1.2)
    CallScript script;
    script.at(100.0, request("INVITE", caller, 1)).at(100.5, response(200, "INVITE", caller, 1));
    if (callee_hangs_up) {
      // The callee's BYE: From carries no tag, To the caller's.
      const CallIds callee{.call_id = caller.call_id, .from_tag = "", .to_tag = caller.from_tag};
      script.at(130.0, request("BYE", callee, 1)).at(130.1, response(200, "BYE", callee, 1));
    } else {
      script.at(130.0, request("BYE", caller, 2)).at(130.1, response(200, "BYE", caller, 2));
    }
    const Report report = script.report();
    CHECK(report.rfc6076->sessions.established == 1);
    CHECK(report.dialogs->established == 1);
    CHECK(report.dialogs->terminated_bye_2xx == 1);
    CHECK(report.rfc6076->sessions.completed == 1);
    CHECK(report.rfc6076->sessions.closed[ClosedOutcome::completed] == 1);
    CHECK(report.rfc6076->sdt.max() == Approx(29.5));
  }
}

TEST_CASE("an established attempt is closed when its dialog ends, not when it is answered", "[dialogs][closed]") {
  const CallIds completed_call{.call_id = "completes"};
  const CallIds expiring_call{.call_id = "expires"};
  const CallIds rejected_call{.call_id = "rejected"};
  CallScript script(with_default_expiry(60));
  const CallIds a = answered(completed_call, "ta");
  const CallIds b = answered(expiring_call, "tb");
  script.at(100.0, request("INVITE", completed_call, 1))
      .at(100.2, response(200, "INVITE", a, 1))
      .at(100.3, request("INVITE", expiring_call, 1))
      .at(100.4, response(200, "INVITE", b, 1))
      .at(101.0, request("INVITE", rejected_call, 1))
      .at(101.5, response(486, "INVITE", answered(rejected_call, "tc"), 1));
  Report report = script.report();
  CHECK(report.rfc6076->sessions.closed.attempts() == 1);  // only the 486, decided at once
  CHECK(report.rfc6076->sessions.closed[ClosedOutcome::failed_effective] == 1);
  script.at(110.0, request("BYE", a, 2)).at(110.1, response(200, "BYE", a, 2));
  report = script.report();
  CHECK(report.rfc6076->sessions.closed[ClosedOutcome::completed] == 1);
  CHECK(report.rfc6076->sessions.closed.attempts() == 2);
  script.until(162.0);  // the other dialog expires (60 s without a refresh): closed, not completed
  report = script.report();
  CHECK(report.dialogs->expired == 1);
  CHECK(report.rfc6076->sessions.closed[ClosedOutcome::established] == 1);
  CHECK(report.rfc6076->sessions.closed.attempts() == 3);
}
