#include "analysis/call_tracker.h"

#include <algorithm>

#include "analysis/session_figures.h"

namespace sipmon {

CallTracker::CallTracker(const CallTrackerConfig& config)
    : timers_{config.timer_b_ns, std::max(config.timer_c_ns, config.timer_b_ns), config.timer_f_ns},
      dialogs_(config.max_dialogs, DialogTimers{config.timer_f_ns, config.default_session_expires_ns, timers_.c},
               config.observer, config.peers),
      sessions_(config.max_session_attempts, SessionTracker::Timers{timers_.b, timers_.c}, &dialogs_, config.observer,
                config.peers),
      registrations_(config.max_registration_attempts, config.timer_f_ns, config.peers) {}

void CallTracker::on_message(const SipMessage& message, const MessageKeys& keys, std::int64_t ts_ns, PeerId peer) {
  if (message.is_request) {
    switch (message.method_id) {
      case Method::invite:
        // Only an INVITE without a To-tag is a session attempt; a re-INVITE refreshes its dialog.
        if (message.to_tag.empty()) {
          sessions_.on_initial_invite(message, keys, ts_ns, peer);
        } else {
          dialogs_.on_in_dialog_request(message, keys, ts_ns, peer);
        }
        return;
      case Method::register_:
        registrations_.on_register(message, keys, ts_ns, peer);
        return;
      case Method::ack:
      case Method::cancel:
        return;  // neither changes an outcome: a CANCEL's effect is the INVITE's 487
      default:
        // A BYE is in a dialog even without a To-tag: the caller's BYE in a dialog an RFC 2543
        // callee answered without one (its remote tag is null, RFC 3261 §12.1.2).
        if (!message.to_tag.empty() || message.method_id == Method::bye)
          dialogs_.on_in_dialog_request(message, keys, ts_ns, peer);
        return;
    }
  }
  switch (message.cseq_method_id) {
    case Method::invite:
      on_invite_response(message, keys, ts_ns, peer);
      return;
    case Method::register_:
      registrations_.on_register_response(message, keys, ts_ns);
      return;
    case Method::ack:
    case Method::cancel:
      return;
    default:
      if (!message.to_tag.empty() || message.cseq_method_id == Method::bye)
        dialogs_.on_in_dialog_response(message, keys, ts_ns);
      return;
  }
}

void CallTracker::prefetch(const SipMessage& message, const MessageKeys& keys) const {
  const Method method = message_method(message);
  if (method == Method::register_) {
    registrations_.prefetch(keys.call());
    return;
  }
  if (method == Method::ack || method == Method::cancel) return;
  if (method == Method::invite && (!message.is_request || message.to_tag.empty())) sessions_.prefetch(keys.attempt());
  if (!message.to_tag.empty() || method == Method::bye) dialogs_.prefetch(keys.dialog());
}

void CallTracker::on_invite_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns,
                                     PeerId peer) {
  const SessionTracker::ResponseResult attempt = sessions_.on_invite_response(response, keys, ts_ns);
  // A dialog inherits its attempt's peer; an INVITE never seen leaves the response's own.
  const PeerId dialog_peer = attempt.attempt != SessionTracker::kNoAttempt ? attempt.peer : peer;
  const DialogRef early = dialogs_.on_invite_response(response, keys, ts_ns, attempt.proposed_session_expires,
                                                      attempt.established, dialog_peer);
  if (early.valid()) sessions_.add_early_dialog(attempt.attempt, early);
  // The INVITE transaction is over: the forks that did not answer are over too (a later 2xx from
  // one of them creates its dialog anyway).
  if (attempt.decided) {
    for (const DialogRef dialog : attempt.early_dialogs) dialogs_.end_early_dialog(dialog);
  }
}

void CallTracker::fill(Report& report) const {
  const SessionTally& s = sessions_.tally();
  const RegistrationTally& g = registrations_.tally();
  const DialogTally& d = dialogs_.tally();
  report.rfc6076 = rfc6076_figures(s, g, d);

  TimerSettings& timers = report.timers.emplace();
  timers.timer_b_s = static_cast<double>(timers_.b) * 1e-9;
  timers.timer_c_s = static_cast<double>(timers_.c) * 1e-9;
  timers.timer_f_s = static_cast<double>(timers_.f) * 1e-9;

  report.dialogs = dialog_figures(d);

  // Every table is listed, 0 included. Only entries whose loss loses information count: dropping
  // a decided attempt kept to recognize late copies of its answer is not an eviction.
  report.table_evictions.add(EvictingTable::session_attempts, s.evicted);
  report.table_evictions.add(EvictingTable::registration_attempts, g.evicted);
  report.table_evictions.add(EvictingTable::dialogs, d.evicted_live);
}

void CallTracker::fill_peer(std::size_t peer, PeerCounts& counts) const {
  if (peer >= sessions_.tallies().peers()) return;
  counts.rfc6076 = rfc6076_figures(sessions_.tallies().peer(peer), registrations_.tallies().peer(peer),
                                   dialogs_.tallies().peer(peer));
  counts.dialogs = dialog_figures(dialogs_.tallies().peer(peer));
}

}  // namespace sipmon
