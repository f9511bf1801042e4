#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "analysis/anomaly.h"

using namespace sipmon;

namespace {

// Every name of the three kinds, in enum order.
std::vector<std::string> all_names() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i)
    names.emplace_back(frame_outcome_name(static_cast<FrameOutcome>(i)));
  for (std::size_t i = 0; i < kDecoderEventCount; ++i)
    names.emplace_back(decoder_event_name(static_cast<DecoderEvent>(i)));
  for (std::size_t i = 0; i < kMessageDefectCount; ++i)
    names.emplace_back(message_defect_name(static_cast<MessageDefect>(i)));
  return names;
}

bool is_snake_case(const std::string& name) {
  if (name.empty() || name.front() == '_' || name.back() == '_') return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every frame outcome, decoder event and message defect has its own stable name", "[anomaly]") {
  const auto names = all_names();
  CHECK(names.size() == kFrameOutcomeCount + kDecoderEventCount + kMessageDefectCount);
  // Unique across the three kinds: they share the JSON's by_reason objects and one Prometheus label.
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  for (const std::string& name : names) {
    INFO(name);
    CHECK(is_snake_case(name));
    CHECK(name != "none");
  }
  // Names are the report's contract: a few pinned (the X-macro order is free, the spelling is not).
  CHECK(frame_outcome_name(FrameOutcome::tcp_segment_buffered) == "tcp_segment_buffered");
  CHECK(frame_outcome_name(FrameOutcome::unsupported_link_type) == "unsupported_link_type");
  CHECK(decoder_event_name(DecoderEvent::tcp_gap) == "tcp_gap");
  CHECK(decoder_event_name(DecoderEvent::packet_time_backwards) == "packet_time_backwards");
  CHECK(message_defect_name(MessageDefect::sip_missing_call_id) == "sip_missing_call_id");
  CHECK(frame_outcome_name(FrameOutcome::none) == "none");
  CHECK(message_defect_name(MessageDefect::none) == "none");
}

TEST_CASE("frame outcomes are classed: not every outcome is an anomaly", "[anomaly]") {
  CHECK(outcome_class(FrameOutcome::tcp_segment_buffered) == OutcomeClass::transport);
  CHECK(outcome_class(FrameOutcome::websocket_handshake) == OutcomeClass::transport);
  CHECK(outcome_class(FrameOutcome::ip_fragment_buffered) == OutcomeClass::transport);
  CHECK(outcome_class(FrameOutcome::payload_not_sip) == OutcomeClass::non_sip);
  CHECK(outcome_class(FrameOutcome::sip_bad_start_line) == OutcomeClass::malformed);
  CHECK(outcome_class(FrameOutcome::truncated_ipv4_header) == OutcomeClass::malformed);
  CHECK(outcome_class(FrameOutcome::unsupported_link_type) == OutcomeClass::unsupported);
  // Only the link type is unsupported: capture.unsupported_link counts exactly those frames.
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i) {
    const auto outcome = static_cast<FrameOutcome>(i);
    INFO(frame_outcome_name(outcome));
    CHECK((outcome_class(outcome) == OutcomeClass::unsupported) == (outcome == FrameOutcome::unsupported_link_type));
  }
}

TEST_CASE("kind counters add, sum by class and merge", "[anomaly]") {
  FrameOutcomeCounts outcomes;
  outcomes.add(FrameOutcome::icmp);
  outcomes.add(FrameOutcome::tcp_control, 2);
  outcomes.add(FrameOutcome::bad_udp_length, 3);
  CHECK(outcomes[FrameOutcome::tcp_control] == 2);
  CHECK(total_of_class(outcomes, OutcomeClass::non_sip) == 1);
  CHECK(total_of_class(outcomes, OutcomeClass::transport) == 2);
  CHECK(total_of_class(outcomes, OutcomeClass::malformed) == 3);
  CHECK(outcomes.total() == 6);
  DecoderEventCounts a, b;
  a.add(DecoderEvent::tcp_gap);
  b.add(DecoderEvent::tcp_gap, 4);
  b.add(DecoderEvent::packet_time_jump);
  a += b;
  CHECK(a[DecoderEvent::tcp_gap] == 5);
  CHECK(a[DecoderEvent::packet_time_jump] == 1);
}

TEST_CASE("docs/report.md lists every reason the report can show", "[anomaly][docs]") {
  std::ifstream file(std::string(SIPMON_SOURCE_DIR) + "/docs/report.md");
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  for (const std::string& name : all_names()) {
    if (name == "unsupported_link_type") continue;  // shown as unsupported_link, by type
    INFO(name);
    CHECK(doc.find("`" + name + "`") != std::string::npos);
  }
}
