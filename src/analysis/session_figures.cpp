#include "analysis/session_figures.h"

namespace sipmon {

Rfc6076Report rfc6076_figures(const SessionTally& s, const RegistrationTally& g, const DialogTally& d) {
  Rfc6076Report r;
  r.sessions.attempts = s.attempts;
  r.sessions.established = s.established;
  r.sessions.redirected = s.redirected;
  r.sessions.effective = s.effective;
  r.sessions.ineffective = s.ineffective;
  r.sessions.completed = d.completed;
  r.sessions.cancelled = s.cancelled;
  r.sessions.failed = s.failed;
  r.sessions.timeouts = s.timeouts;
  r.sessions.pending = s.open;   // the clock has already timed out every older attempt
  r.sessions.closed = s.closed;  // every outcome decided by the answer ...
  r.sessions.closed[ClosedOutcome::completed] = d.closed_completed;  // ... and established ones at their end
  r.sessions.closed[ClosedOutcome::established] = d.closed_established;
  r.registrations.attempts = g.attempts;
  r.registrations.succeeded = g.succeeded;
  r.registrations.ineffective = g.ineffective;
  r.registrations.timeouts = g.timeouts;
  r.registrations.pending = g.open;
  r.registrations.closed = g.closed;
  r.srd = s.srd;
  r.srd_failed = s.srd_failed;
  r.sdd = d.sdd;
  r.sdd_timeouts = d.sdd_timeouts;
  r.sdt = d.sdt;
  r.rrd = g.rrd;
  return r;
}

DialogCounts dialog_figures(const DialogTally& d) {
  DialogCounts dialogs;
  dialogs.established = d.established;
  dialogs.terminated = d.terminated;
  dialogs.active = d.active;
  dialogs.expired = d.expired;
  dialogs.evicted = d.evicted;
  dialogs.early = d.early;
  dialogs.terminated_bye_2xx = d.bye_2xx;
  dialogs.terminated_bye_error = d.bye_error;
  dialogs.terminated_bye_unanswered = d.bye_unanswered;
  dialogs.terminated_error_response = d.error_response;
  return dialogs;
}

}  // namespace sipmon
