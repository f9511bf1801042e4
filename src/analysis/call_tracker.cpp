#include "analysis/call_tracker.h"

#include <algorithm>
#include <limits>

namespace sipmon {

CallTracker::CallTracker(const CallTrackerConfig& config)
    : timers_{config.timer_b_ns, std::max(config.timer_c_ns, config.timer_b_ns), config.timer_f_ns},
      dialogs_(config.max_dialogs, DialogTimers{config.timer_f_ns, config.default_session_expires_ns, timers_.c},
               config.observer),
      sessions_(config.max_session_attempts, SessionTracker::Timers{timers_.b, timers_.c}, &dialogs_, config.observer),
      registrations_(config.max_registration_attempts, config.timer_f_ns) {}

void CallTracker::on_message(const SipMessage& message, std::int64_t ts_ns) {
  if (message.is_request) {
    switch (message.method_id) {
      case Method::invite:
        // Only an INVITE without a To-tag is a session attempt; a re-INVITE refreshes its dialog.
        if (message.to_tag.empty()) {
          sessions_.on_initial_invite(message, ts_ns);
        } else {
          dialogs_.on_in_dialog_request(message, ts_ns);
        }
        return;
      case Method::register_:
        registrations_.on_register(message, ts_ns);
        return;
      case Method::ack:
      case Method::cancel:
        return;  // neither changes an outcome: a CANCEL's effect is the INVITE's 487
      default:
        // A BYE is in a dialog even without a To-tag: the caller's BYE in a dialog an RFC 2543
        // callee answered without one (its remote tag is null, RFC 3261 §12.1.2).
        if (!message.to_tag.empty() || message.method_id == Method::bye) dialogs_.on_in_dialog_request(message, ts_ns);
        return;
    }
  }
  switch (message.cseq_method_id) {
    case Method::invite:
      on_invite_response(message, ts_ns);
      return;
    case Method::register_:
      registrations_.on_register_response(message, ts_ns);
      return;
    case Method::ack:
    case Method::cancel:
      return;
    default:
      if (!message.to_tag.empty() || message.cseq_method_id == Method::bye)
        dialogs_.on_in_dialog_response(message, ts_ns);
      return;
  }
}

void CallTracker::on_invite_response(const SipMessage& response, std::int64_t ts_ns) {
  const SessionTracker::ResponseResult attempt = sessions_.on_invite_response(response, ts_ns);
  const DialogRef early =
      dialogs_.on_invite_response(response, ts_ns, attempt.proposed_session_expires, attempt.established);
  if (early.valid()) sessions_.add_early_dialog(attempt.attempt, early);
  // The INVITE transaction is over: the forks that did not answer are over too (a later 2xx from
  // one of them creates its dialog anyway).
  if (attempt.decided) {
    for (const DialogRef dialog : attempt.early_dialogs) dialogs_.end_early_dialog(dialog);
  }
}

void CallTracker::advance(std::int64_t now_ns) {
  if (now_ns == std::numeric_limits<std::int64_t>::min()) return;  // the packet clock before any packet
  sessions_.advance(now_ns);
  registrations_.advance(now_ns);
  dialogs_.advance(now_ns);
}

void CallTracker::fill(Report& report) const {
  const SessionTally& s = sessions_.tally();
  const RegistrationTally& g = registrations_.tally();
  const DialogTally& d = dialogs_.tally();

  Rfc6076Report& r = report.rfc6076.emplace();
  r.sessions.attempts = s.attempts;
  r.sessions.established = s.established;
  r.sessions.redirected = s.redirected;
  r.sessions.effective = s.effective;
  r.sessions.ineffective = s.ineffective;
  r.sessions.completed = d.completed;
  r.sessions.cancelled = s.cancelled;
  r.sessions.failed = s.failed;
  r.sessions.timeouts = s.timeouts;
  r.sessions.pending = sessions_.pending();
  r.sessions.closed = s.closed;                                      // every outcome decided by the answer ...
  r.sessions.closed[ClosedOutcome::completed] = d.closed_completed;  // ... and established ones at their end
  r.sessions.closed[ClosedOutcome::established] = d.closed_established;
  r.registrations.attempts = g.attempts;
  r.registrations.succeeded = g.succeeded;
  r.registrations.ineffective = g.ineffective;
  r.registrations.timeouts = g.timeouts;
  r.registrations.pending = registrations_.pending();
  r.registrations.closed = g.closed;
  r.srd = s.srd;
  r.srd_failed = s.srd_failed;
  r.sdd = d.sdd;
  r.sdd_timeouts = d.sdd_timeouts;
  r.sdt = d.sdt;
  r.rrd = g.rrd;

  TimerSettings& timers = report.timers.emplace();
  timers.timer_b_s = static_cast<double>(timers_.b) * 1e-9;
  timers.timer_c_s = static_cast<double>(timers_.c) * 1e-9;
  timers.timer_f_s = static_cast<double>(timers_.f) * 1e-9;

  DialogCounts& dialogs = report.dialogs.emplace();
  dialogs.established = d.established;
  dialogs.terminated = d.terminated;
  dialogs.active = dialogs_.active();
  dialogs.expired = d.expired;
  dialogs.evicted = d.evicted;
  dialogs.early = d.early;
  dialogs.terminated_bye_2xx = d.bye_2xx;
  dialogs.terminated_bye_error = d.bye_error;
  dialogs.terminated_bye_unanswered = d.bye_unanswered;
  dialogs.terminated_error_response = d.error_response;

  // Every table is listed, 0 included. Only entries whose loss loses information count: dropping
  // a decided attempt kept to recognize late copies of its answer is not an eviction.
  report.table_evictions.add(EvictingTable::session_attempts, s.evicted);
  report.table_evictions.add(EvictingTable::registration_attempts, g.evicted);
  report.table_evictions.add(EvictingTable::dialogs, d.evicted_live);
}

}  // namespace sipmon
