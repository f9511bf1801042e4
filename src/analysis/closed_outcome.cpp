#include "analysis/report.h"

namespace sipmon {

// The label values of sipmon_session_attempts_closed_total and the JSON keys of rfc6076.closed.
const char* closed_outcome_name(ClosedOutcome outcome) {
  switch (outcome) {
    case ClosedOutcome::completed:
      return "completed";
    case ClosedOutcome::established:
      return "established";
    case ClosedOutcome::redirected:
      return "redirected";
    case ClosedOutcome::cancelled:
      return "cancelled";
    case ClosedOutcome::failed_effective:
      return "failed_effective";
    case ClosedOutcome::failed:
      return "failed";
    case ClosedOutcome::ineffective:
      return "ineffective";
    case ClosedOutcome::timed_out:
      return "timed_out";
    case ClosedOutcome::evicted:
      return "evicted";
    case ClosedOutcome::kCount:
      break;
  }
  return "other";
}

const char* closed_registration_name(ClosedRegistration outcome) {
  switch (outcome) {
    case ClosedRegistration::succeeded:
      return "succeeded";
    case ClosedRegistration::failed:
      return "failed";
    case ClosedRegistration::timed_out:
      return "timed_out";
    case ClosedRegistration::evicted:
      return "evicted";
    case ClosedRegistration::kCount:
      break;
  }
  return "other";
}

}  // namespace sipmon
