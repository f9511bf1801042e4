#include "outputs/report_names.h"

namespace sipmon {

CountsByName requests_by_name(const RequestCounts& requests) {
  CountsByName result;
  for (std::size_t i = 0; i < kKnownMethodCount; ++i) {
    if (requests.standard[i] != 0) result.emplace(method_name(static_cast<Method>(i)), requests.standard[i]);
  }
  // Extension spellings never equal a standard name (methods are case-sensitive and counted by
  // index when standard) nor "(other)" (parentheses are not token characters, RFC 3261 §25.1).
  for (const ExtensionMethodCount& entry : requests.extension_methods()) result.emplace(entry.spelling(), entry.count);
  if (requests.overflow != 0) result.emplace(kOverflowMethodName, requests.overflow);
  return result;
}

CountsByName peer_requests_by_name(const PeerCounts& peer) {
  CountsByName result;
  for (std::size_t i = 0; i < peer.requests.size(); ++i) {
    if (peer.requests[i] != 0) result.emplace(method_name(static_cast<Method>(i)), peer.requests[i]);
  }
  return result;
}

CountsByName table_evictions_by_name(const TableEvictions& evictions) {
  CountsByName result;
  for (std::size_t i = 0; i < kEvictingTableCount; ++i) {
    const auto table = static_cast<EvictingTable>(i);
    if (evictions.listed(table)) result.emplace(evicting_table_name(table), evictions[table]);
  }
  return result;
}

CountsByName status_counts_by_name(const StatusCounts& counts) {
  CountsByName result;
  for (const StatusCount& entry : counts) result.emplace(std::to_string(entry.code), entry.count);
  return result;
}

CountsByName responses_by_code_name(const ResponseCounts& responses) {
  return status_counts_by_name(responses.by_code());
}

std::map<std::string, CountsByName> responses_by_method_name(const ResponseCounts& responses) {
  std::map<std::string, CountsByName> result;
  for (std::size_t i = 0; i < responses.by_method.size(); ++i) {
    if (responses.by_method[i].empty()) continue;
    result.emplace(method_name(static_cast<Method>(i)), status_counts_by_name(responses.by_method[i]));
  }
  return result;
}

CountsByName non_sip_by_reason(const CaptureReport& capture) {
  CountsByName result;
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i) {
    const auto outcome = static_cast<FrameOutcome>(i);
    const OutcomeClass cls = outcome_class(outcome);
    const std::uint64_t n = capture.outcomes[outcome];
    if (n != 0 && (cls == OutcomeClass::non_sip || cls == OutcomeClass::transport))
      result.emplace(frame_outcome_name(outcome), n);
  }
  for (std::size_t i = 0; i < kDecoderEventCount; ++i) {
    const auto event = static_cast<DecoderEvent>(i);
    if (capture.events[event] != 0) result.emplace(decoder_event_name(event), capture.events[event]);
  }
  return result;
}

CountsByName malformed_by_reason(const CaptureReport& capture) {
  CountsByName result;
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i) {
    const auto outcome = static_cast<FrameOutcome>(i);
    const std::uint64_t n = capture.outcomes[outcome];
    if (n != 0 && outcome_class(outcome) == OutcomeClass::malformed) result.emplace(frame_outcome_name(outcome), n);
  }
  for (std::size_t i = 0; i < kMessageDefectCount; ++i) {
    const auto defect = static_cast<MessageDefect>(i);
    if (capture.defects[defect] != 0) result.emplace(message_defect_name(defect), capture.defects[defect]);
  }
  return result;
}

CountsByName unsupported_link_by_type(const CaptureReport& capture) {
  CountsByName result;
  for (const auto& [link_type, n] : capture.unsupported_link_by_type) result.emplace(std::to_string(link_type), n);
  return result;
}

}  // namespace sipmon
