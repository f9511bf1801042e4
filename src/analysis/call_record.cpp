#include "analysis/call_record.h"

#include "analysis/call_media.h"

namespace sipmon {

// The values of a record's "outcome" (docs/calls.md).
const char* call_outcome_name(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::pending:
      return "pending";
    case CallOutcome::established:
      return "established";
    case CallOutcome::redirected:
      return "redirected";
    case CallOutcome::cancelled:
      return "cancelled";
    case CallOutcome::failed:
      return "failed";
    case CallOutcome::ineffective:
      return "ineffective";
    case CallOutcome::timeout:
      return "timeout";
    case CallOutcome::evicted:
      return "evicted";
  }
  return "pending";
}

const char* call_transport_name(CallTransport transport) {
  switch (transport) {
    case CallTransport::udp:
      return "UDP";
    case CallTransport::tcp:
      return "TCP";
    case CallTransport::tls:
      return "TLS";
    case CallTransport::sctp:
      return "SCTP";
    case CallTransport::ws:
      return "WS";
    case CallTransport::wss:
      return "WSS";
  }
  return "UDP";
}

// The JSON keys of the string fields (also the names in a record's "truncated" list).
const char* call_string_name(CallString field) {
  switch (field) {
    case CallString::call_id:
      return "call_id";
    case CallString::from:
      return "from";
    case CallString::to:
      return "to";
    case CallString::request_uri:
      return "request_uri";
    case CallString::user_agent:
      return "user_agent";
    case CallString::server:
      return "server";
    case CallString::final_reason:
      return "final_reason";
    case CallString::reason_text:
      return "reason.text";
    case CallString::kCount:
      break;
  }
  return "?";
}

// The values of a media entry's "direction" (docs/calls.md).
const char* media_direction_name(MediaDirection direction) {
  return direction == MediaDirection::caller_to_callee ? "caller->callee" : "callee->caller";
}

}  // namespace sipmon
