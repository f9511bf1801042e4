#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "analysis/sip_method.h"
#include "outputs/report_names.h"

using namespace sipmon;

TEST_CASE("every method has a name that reads back as the same method", "[report-names]") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kKnownMethodCount; ++i) {
    const auto method = static_cast<Method>(i);
    const std::string_view name = method_name(method);
    INFO(name);
    CHECK_FALSE(name.empty());
    CHECK(method_from_token(name) == method);  // the parser's spelling is the report's
    names.insert(name);
  }
  CHECK(names.size() == kKnownMethodCount);
  CHECK(method_name(Method::other) == "other");
  CHECK(method_from_token("other") == Method::other);
}

TEST_CASE("requests are named: standard methods, extension spellings, the overflow", "[report-names]") {
  RequestCounts requests;
  requests.count(Method::invite, "INVITE");
  requests.count(Method::register_, "REGISTER");
  requests.count(Method::other, "REGIStER");
  requests.count(Method::other, "REGIStER");
  requests.overflow = 3;
  const CountsByName named = requests_by_name(requests);
  CHECK(named == CountsByName{{"(other)", 3}, {"INVITE", 1}, {"REGISTER", 1}, {"REGIStER", 2}});
  // A name the report prints reads back to the count it came from.
  for (const auto& [name, count] : named) {
    const Method method = method_from_token(name);
    if (method != Method::other)
      CHECK(requests[method] == count);
    else if (name != kOverflowMethodName)
      CHECK(requests.extension(name) == count);
  }
  PeerCounts peer;
  peer.requests[static_cast<std::size_t>(Method::bye)] = 2;
  peer.requests[static_cast<std::size_t>(Method::other)] = 5;
  CHECK(peer_requests_by_name(peer) == CountsByName{{"BYE", 2}, {"other", 5}});
}

TEST_CASE("responses are named by code and by CSeq method", "[report-names]") {
  ResponseCounts responses;
  responses[Method::invite] = {{100, 2}, {200, 1}, {486, 1}};
  responses[Method::bye] = {{200, 1}};
  responses[Method::other] = {{999, 4}};
  CHECK(responses_by_code_name(responses) == CountsByName{{"100", 2}, {"200", 2}, {"486", 1}, {"999", 4}});
  const auto by_method = responses_by_method_name(responses);
  CHECK(by_method.size() == 3);
  CHECK(by_method.at("INVITE") == CountsByName{{"100", 2}, {"200", 1}, {"486", 1}});
  CHECK(by_method.at("BYE") == CountsByName{{"200", 1}});
  CHECK(by_method.at("other") == CountsByName{{"999", 4}});
  // Code names round-trip.
  for (const auto& [name, count] : responses_by_code_name(responses))
    CHECK(responses.count(static_cast<std::uint16_t>(std::stoi(name))) == count);
}

TEST_CASE("every named counter lands in exactly one by_reason object", "[report-names]") {
  CaptureReport capture;
  for (auto& n : capture.outcomes.counts) n = 1;
  for (auto& n : capture.events.counts) n = 1;
  for (auto& n : capture.defects.counts) n = 1;
  const CountsByName non_sip = non_sip_by_reason(capture);
  const CountsByName malformed = malformed_by_reason(capture);
  // Every name but the unsupported link type (shown by type instead) is in one of the two.
  CHECK(non_sip.size() + malformed.size() == kFrameOutcomeCount - 1 + kDecoderEventCount + kMessageDefectCount);
  for (const auto& [name, count] : non_sip) CHECK(malformed.count(name) == 0);
  CHECK(non_sip.count("tcp_segment_buffered") == 1);  // not an anomaly, listed as before
  CHECK(non_sip.count("websocket_handshake") == 1);
  CHECK(non_sip.count("tcp_gap") == 1);               // decoder events: non_sip, per occurrence
  CHECK(malformed.count("sip_missing_via") == 1);     // message defects
  CHECK(malformed.count("sip_bad_start_line") == 1);  // a payload outcome, malformed
  CHECK(malformed.count("timestamp_out_of_range") == 1);
  CHECK(non_sip.count("unsupported_link_type") + malformed.count("unsupported_link_type") == 0);
  CHECK(capture.malformed() == malformed.size());
  capture.unsupported_link_by_type = {{147, 2}, {2, 1}};
  CHECK(unsupported_link_by_type(capture) == CountsByName{{"147", 2}, {"2", 1}});
}
