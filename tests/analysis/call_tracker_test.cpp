#include <catch2/catch.hpp>

#include <array>
#include <limits>
#include <random>

#include "analysis/call_tracker.h"
#include "support/tracker_identities.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

// What must hold after any sequence of messages, however absurd.
void check_invariants(const Report& report) {
  const SessionCounts& s = sessions(report);
  const RegistrationCounts& g = registrations(report);
  REQUIRE(broken_session_partition(report) == "");
  REQUIRE(broken_registration_partition(report) == "");
  REQUIRE(broken_dialog_identity(report) == "");
  REQUIRE(s.effective <= s.attempts - s.redirected);  // SEER never above 100 %
  REQUIRE(s.timeouts <= s.ineffective);
  REQUIRE(s.completed <= s.established);  // SCR never above SER's numerator
  REQUIRE(g.timeouts <= g.ineffective);
  REQUIRE(report.rfc6076->rrd.count() == g.succeeded);
  REQUIRE(report.rfc6076->srd.count() == s.established);
  // Closed attempts: each decided outcome closed once when decided; established ones when their
  // dialog ends, so the established but not yet closed are exactly those still in progress.
  const ClosedAttempts& c = s.closed;
  using O = ClosedOutcome;
  REQUIRE(c[O::redirected] == s.redirected);
  REQUIRE(c[O::cancelled] == s.cancelled);
  REQUIRE(c[O::ineffective] + c[O::timed_out] == s.ineffective);
  REQUIRE(c[O::timed_out] == s.timeouts);
  REQUIRE(c[O::failed] + c[O::failed_effective] == s.failed);
  REQUIRE(c[O::evicted] == evicted_from(report, EvictingTable::session_attempts));
  REQUIRE(c[O::completed] == s.completed);
  REQUIRE(c[O::completed] + c[O::established] <= s.established);
  REQUIRE(c.attempts() + s.pending + (s.established - c[O::completed] - c[O::established]) == s.attempts);
  std::uint64_t registrations_closed = 0;
  for (std::uint64_t n : g.closed) registrations_closed += n;
  REQUIRE(registrations_closed + g.pending == g.attempts);
}

}  // namespace

TEST_CASE("random message soup: every count identity holds at every step, tables stay within caps", "[calls][soup]") {
  CallTrackerConfig config;
  config.max_dialogs = 4;
  config.max_session_attempts = 3;
  config.max_registration_attempts = 2;
  config.default_session_expires_ns = 100'000'000'000;  // 100 s: expiries happen within the run
  CallTracker tracker(config);

  const std::array<std::string_view, 3> call_ids = {"c0", "c1", "c2"};
  const std::array<std::string_view, 3> tags = {"", "t0", "t1"};
  const std::array<Method, 8> methods = {Method::invite, Method::invite, Method::bye,    Method::register_,
                                         Method::update, Method::ack,    Method::cancel, Method::info};
  const std::array<std::uint16_t, 16> statuses = {100, 180, 183, 200, 200, 202, 302, 401,
                                                  407, 408, 481, 486, 487, 500, 503, 603};
  const std::array<std::string_view, 4> session_expires = {"", "90", "1800;refresher=uac", "bogus"};

  std::mt19937_64 random(2024);
  std::int64_t now = 1'000'000'000'000;
  for (int step = 0; step < 200'000; ++step) {
    SipMessage m;
    m.is_request = random() % 2 == 0;
    const Method method = methods[random() % methods.size()];
    if (m.is_request) {
      m.method_id = method;
    } else {
      m.status_code = statuses[random() % statuses.size()];
    }
    m.cseq_method_id = method;
    m.cseq_number = static_cast<std::uint32_t>(1 + random() % 3);
    m.call_id = call_ids[random() % call_ids.size()];
    m.from_tag = tags[1 + random() % 2];
    m.to_tag = tags[random() % tags.size()];
    m.set_header(HeaderId::session_expires, session_expires[random() % session_expires.size()]);
    now += static_cast<std::int64_t>(random() % 3'000'000'000);  // 0 to 3 s apart
    tracker.advance(now);
    tracker.on_message(m, now);
    REQUIRE(tracker.sessions().size() <= 3);
    REQUIRE(tracker.registrations().size() <= 2);
    REQUIRE(tracker.dialogs().size() <= 4);
    if (step % 97 == 0) {
      Report report;
      tracker.fill(report);
      check_invariants(report);
    }
  }
  Report report;
  tracker.fill(report);
  check_invariants(report);
  // The soup exercised every path it is meant to.
  CHECK(report.rfc6076->sessions.established > 0);
  CHECK(report.rfc6076->sessions.timeouts > 0);
  CHECK(report.dialogs->expired > 0);
  CHECK(report.dialogs->terminated_bye_2xx > 0);
  CHECK(report.rfc6076->registrations.succeeded > 0);
  CHECK(report.table_evictions[EvictingTable::session_attempts] > 0);
}

TEST_CASE("absurd timestamps neither overflow nor move time backwards", "[calls]") {
  CallTracker tracker;
  SipMessage invite;
  invite.is_request = true;
  invite.method_id = invite.cseq_method_id = Method::invite;
  invite.cseq_number = 1;
  invite.call_id = "x";
  invite.from_tag = "a";
  SipMessage ok = invite;
  ok.is_request = false;
  ok.status_code = 200;
  ok.to_tag = "b";
  tracker.advance(std::numeric_limits<std::int64_t>::min());  // the packet clock before any packet
  const std::int64_t late = std::numeric_limits<std::int64_t>::max() - 1'000;
  tracker.advance(late);
  tracker.on_message(invite, late);
  tracker.on_message(ok, late + 10);
  tracker.advance(std::numeric_limits<std::int64_t>::max());
  Report report;
  tracker.fill(report);
  CHECK(report.rfc6076->sessions.established == 1);
  CHECK(report.dialogs->active == 1);  // its expiry saturates at the end of time
  check_invariants(report);
}
