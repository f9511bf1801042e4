#include <catch2/catch.hpp>

#include <random>

#include "support/sip_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

const RegistrationCounts& registrations(const Report& report) { return report.rfc6076->registrations; }

void check_partition(const Report& report) {
  const RegistrationCounts& g = registrations(report);
  const auto evicted = report.table_evictions[EvictingTable::registration_attempts];
  CHECK(g.attempts == g.succeeded + g.ineffective + g.pending + evicted);
}

const CallIds kUa{.call_id = "reg-1@example.test", .from_tag = "ua", .to_tag = {}};

}  // namespace

TEST_CASE("a REGISTER challenged with 401 and accepted after the retry is one successful attempt", "[registrations]") {
  CallScript script;
  script.at(100.0, request("REGISTER", kUa, 1))
      .at(100.01, response(401, "REGISTER", answered(kUa, "registrar"), 1))
      .at(100.02, request("REGISTER", kUa, 2, "Authorization: Digest username=\"alice\"\r\n"))
      .at(100.05, response(200, "REGISTER", answered(kUa, "registrar"), 2));
  const Report report = script.report();
  CHECK(registrations(report).attempts == 1);
  CHECK(registrations(report).succeeded == 1);
  CHECK(registrations(report).ineffective == 0);
  // RRD from the first REGISTER, challenge round-trip included: 100.05 - 100.0.
  CHECK(report.rfc6076->rrd.count() == 1);
  CHECK(report.rfc6076->rrd.max() == Approx(0.05));
  check_partition(report);
}

TEST_CASE("a REGISTER refused after the retry is one ineffective attempt", "[registrations]") {
  CallScript script;
  script.at(100.0, request("REGISTER", kUa, 1))
      .at(100.01, response(401, "REGISTER", answered(kUa, "registrar"), 1))
      .at(100.02, request("REGISTER", kUa, 2))
      .at(100.05, response(403, "REGISTER", answered(kUa, "registrar"), 2));
  const Report report = script.report();
  CHECK(registrations(report).attempts == 1);
  CHECK(registrations(report).ineffective == 1);
  CHECK(registrations(report).timeouts == 0);
  CHECK(report.rfc6076->rrd.count() == 0);  // RRD is for successful registrations only
  check_partition(report);
}

TEST_CASE("retransmitted REGISTERs are one attempt, a later refresh is a new one", "[registrations]") {
  CallScript script;
  script.at(100.0, request("REGISTER", kUa, 1))
      .at(100.5, request("REGISTER", kUa, 1))
      .at(100.6, response(200, "REGISTER", answered(kUa, "r"), 1))
      .at(100.7, response(200, "REGISTER", answered(kUa, "r"), 1))
      .at(1900.0, request("REGISTER", kUa, 2))
      .at(1900.1, response(200, "REGISTER", answered(kUa, "r"), 2));
  const Report report = script.report();
  CHECK(registrations(report).attempts == 2);
  CHECK(registrations(report).succeeded == 2);
  CHECK(report.rfc6076->rrd.count() == 2);
  check_partition(report);
}

TEST_CASE("a REGISTER with no final response in 32 s times out, younger ones are pending", "[registrations]") {
  CallScript script;
  script.at(100.0, request("REGISTER", kUa, 1)).at(100.1, response(100, "REGISTER", kUa, 1));
  script.at(120.0, request("REGISTER", CallIds{.call_id = "reg-2", .from_tag = "ua", .to_tag = {}}, 1));
  script.until(132.5);
  const Report report = script.report();
  CHECK(registrations(report).timeouts == 1);
  CHECK(registrations(report).ineffective == 1);
  CHECK(registrations(report).pending == 1);
  check_partition(report);
}

TEST_CASE("a challenge never answered with credentials is a failure (IRA), not a timeout", "[registrations]") {
  CallScript script;
  script.at(100.0, request("REGISTER", kUa, 1)).at(100.1, response(407, "REGISTER", answered(kUa, "r"), 1));
  CHECK(registrations(script.report()).pending == 1);
  script.until(133.0);
  const Report report = script.report();
  CHECK(registrations(report).ineffective == 1);
  CHECK(registrations(report).timeouts == 0);
  CHECK(registrations(report).pending == 0);
  check_partition(report);
}

TEST_CASE("any final response of 300 or more fails a registration", "[registrations]") {
  for (const std::uint16_t status : {302, 404, 423, 500, 503, 603}) {
    CAPTURE(status);
    CallScript script;
    script.at(100.0, request("REGISTER", kUa, 1)).at(100.1, response(status, "REGISTER", answered(kUa, "r"), 1));
    CHECK(registrations(script.report()).ineffective == 1);
    check_partition(script.report());
  }
}

TEST_CASE("a random-Call-ID REGISTER flood stays within the cap, every eviction counted", "[registrations][flood]") {
  CallTrackerConfig config;
  config.max_registration_attempts = 500;
  CallTracker tracker(config);
  std::mt19937_64 random(3);
  std::string call_id(16, 'x');
  SipMessage reg;
  reg.is_request = true;
  reg.method_id = Method::register_;
  reg.cseq_method_id = Method::register_;
  reg.cseq_number = 1;
  constexpr std::uint64_t kFlood = 200'000;
  for (std::uint64_t i = 0; i < kFlood; ++i) {
    const std::uint64_t r = random();
    for (std::size_t j = 0; j < 16; ++j) call_id[j] = "0123456789abcdef"[(r >> (4 * j)) & 15];
    reg.call_id = call_id;
    tracker.on_message(reg, seconds(1000));
  }
  Report report;
  tracker.fill(report);
  CHECK(tracker.registrations().size() == 500);
  CHECK(report.table_evictions[EvictingTable::registration_attempts] == kFlood - 500);
  check_partition(report);
}
