#include <catch2/catch.hpp>

#include "analysis/failure_analysis.h"
#include "analysis/ua_family.h"

using namespace sipmon;

namespace {

CallRecord record(CallOutcome outcome, std::uint16_t code, std::string_view phrase, std::string_view ruri,
                  std::uint8_t last_octet, std::string_view user_agent = {}, std::int32_t q850 = -1) {
  CallRecord r;
  r.outcome = outcome;
  r.final_code = code;
  r.strings[static_cast<std::size_t>(CallString::final_reason)] = phrase;
  r.strings[static_cast<std::size_t>(CallString::request_uri)] = ruri;
  r.strings[static_cast<std::size_t>(CallString::user_agent)] = user_agent;
  r.has_endpoints = true;
  r.src.address.bytes = {10, 0, 0, last_octet};
  if (q850 >= 0) {
    r.reason_protocol = 1;
    r.reason_cause = q850;
  }
  return r;
}

struct Count final : CallRecordSink {
  int seen = 0;
  void on_call_record(const CallRecord&) override { ++seen; }
};

}  // namespace

TEST_CASE("User-Agent families: first pattern wins, any case, closed set with other", "[calls][ua]") {
  CHECK(ua_family_name(ua_family_of("Asterisk PBX 18.12.1")) == "asterisk");
  CHECK(ua_family_name(ua_family_of("FreeSWITCH-mod_sofia/1.10.9")) == "freeswitch");
  CHECK(ua_family_name(ua_family_of("Linphone/5.2 (belle-sip/5.2)")) == "linphone");
  CHECK(ua_family_name(ua_family_of("Yealink SIP-T46S 66.86.0.15")) == "yealink");
  CHECK(ua_family_name(ua_family_of("Cisco-SIPGateway/IOS-15.x")) == "cisco");
  CHECK(ua_family_name(ua_family_of("sipp")) == "sipp");
  CHECK(ua_family_name(ua_family_of("My Own Softphone 1.0")) == "other");
  CHECK(ua_family_name(ua_family_of("")) == "other");
  CHECK(ua_family_name(ua_family_count() - 1) == "other");
  CHECK(ua_family_count() >= 20);
}

TEST_CASE("failure analysis: codes with phrases, Q.850 causes, top destinations and sources", "[calls]") {
  Count next;
  FailureAnalysis analysis(&next);
  analysis.on_call_record(record(CallOutcome::failed, 486, "Busy Here", "sip:bob@b.example", 1, "Yealink T46"));
  analysis.on_call_record(record(CallOutcome::failed, 486, "Busy", "sip:carol@b.example", 2));
  analysis.on_call_record(record(CallOutcome::ineffective, 503, "Service Unavailable", "sip:x@gw.example", 1, {}, 34));
  analysis.on_call_record(record(CallOutcome::timeout, 0, {}, "sip:y@gw.example", 1));
  analysis.on_call_record(record(CallOutcome::cancelled, 487, "Request Terminated", "sip:z@a.example", 3));
  analysis.on_call_record(record(CallOutcome::established, 200, "OK", "sip:z@a.example", 3, {}, 16));
  CHECK(next.seen == 6);  // every record passed on
  CHECK(analysis.failed_attempts() == 4);
  const auto codes = analysis.final_codes();
  REQUIRE(codes.size() == 3);
  CHECK(codes[0].code == 486);
  CHECK(codes[0].count == 2);
  CHECK(codes[0].phrase == "Busy Here");  // the first phrase seen
  const auto causes = analysis.q850_causes();
  REQUIRE(causes.size() == 2);
  const auto destinations = analysis.top_destinations(10);
  REQUIRE(destinations.size() == 2);
  CHECK(destinations[0].count == 2);
  const auto sources = analysis.top_sources(1);
  REQUIRE(sources.size() == 1);
  CHECK(sources[0].name == "10.0.0.1");
  CHECK(sources[0].count == 3);
  CHECK(analysis.failures().at({503, 34}) == 1);
  CHECK(analysis.failures().at({486, FailureAnalysis::kNoCause}) == 2);
  CHECK(analysis.failures().at({FailureAnalysis::kTimeoutCode, FailureAnalysis::kNoCause}) == 1);
  CHECK(analysis.attempts_by_ua_family()[ua_family_of("yealink")] == 1);
  CHECK(analysis.attempts_by_ua_family()[ua_family_count() - 1] == 5);
}

TEST_CASE("failure analysis: distinct names beyond the bound go to (other)", "[calls]") {
  FailureAnalysis analysis;
  std::vector<std::string> uris;
  for (std::size_t i = 0; i < FailureAnalysis::kMaxNames + 10; ++i) uris.push_back("sip:a@h" + std::to_string(i));
  for (const auto& uri : uris) analysis.on_call_record(record(CallOutcome::failed, 404, "Not Found", uri, 1));
  const auto top = analysis.top_destinations(1);
  REQUIRE(top.size() == 1);
  CHECK(top[0].name == "(other)");
  CHECK(top[0].count == 10);
}
