#pragma once
// Calls and registrations: routes each SIP message to the session-attempt, registration and
// dialog trackers, and makes them agree (an attempt's outcome ends the early dialogs of its
// forks; the 2xx that establishes an attempt marks its dialog for SCR). Fills the report's
// rfc6076, dialogs and table_evictions.
#include <cstdint>
#include <limits>

#include "analysis/dialog_tracker.h"
#include "analysis/message_keys.h"
#include "analysis/registration_tracker.h"
#include "analysis/report.h"
#include "analysis/session_tracker.h"
#include "analysis/sip_message.h"

namespace sipmon {

struct CallTrackerConfig {
  // Defaults: with every table full the three reserve 200 MiB, so that no flood takes the engine
  // past 256 MiB (docs/metrics.md, "Bounded tables and memory", has the measured figures).
  std::size_t max_dialogs = 1u << 20;
  std::size_t max_session_attempts = 1u << 19;
  std::size_t max_registration_attempts = 1u << 19;
  // RFC 3261 timers (docs/metrics.md, "Timers"). Timer B = 64*T1 bounds an INVITE with no
  // response at all (§17.1.1.2); Timer C bounds one with provisional responses but no final one
  // (§16.6 step 11: more than 3 minutes; restarted by each 101-199, §16.7 step 2); Timer F = 64*T1
  // bounds a non-INVITE transaction (REGISTER, BYE) whatever provisional came (§17.1.2.2).
  std::int64_t timer_b_ns = 32'000'000'000;
  std::int64_t timer_c_ns = 181'000'000'000;
  std::int64_t timer_f_ns = 32'000'000'000;
  // Dialogs without a session timer: 12 h, the default dialog lifetime of Kamailio's and
  // OpenSIPS' dialog modules.
  std::int64_t default_session_expires_ns = 12LL * 3600 * 1'000'000'000;
  // Optional, not owned (call records, docs/calls.md): told of every attempt's life.
  AttemptObserver* observer = nullptr;
  // --peers: the peers table's size plus one ("other"); every figure is then also kept per peer
  // (peer_tallies.h). 0: totals only.
  std::size_t peers = 0;
};

class CallTracker {
 public:
  explicit CallTracker(const CallTrackerConfig& config = {});

  // A message without defects, with its packet timestamp. `peer` (with --peers): the peer of the
  // request it is or answers, PeerTable::peer_of(request's source, request's destination); a new
  // attempt takes it from its first INVITE or REGISTER, and everything later inherits that.
  // `keys`: the message's (message_keys.h), shared with the engine's other tables; the overload
  // without computes them for this call alone.
  void on_message(const SipMessage& message, const MessageKeys& keys, std::int64_t ts_ns, PeerId peer = kNoPeer);
  void on_message(const SipMessage& message, std::int64_t ts_ns, PeerId peer = kNoPeer) {
    on_message(message, MessageKeys(message), ts_ns, peer);
  }
  // Starts loading the table slots on_message(message) will probe (a hint: changes nothing). The
  // keys it computes for that stay in `keys` for on_message.
  void prefetch(const SipMessage& message, const MessageKeys& keys) const;
  // Runs every deadline that `now_ns` (from the engine's clock) has passed. Inline, as are the
  // trackers' own first checks: this runs for every packet (RTP included), and on nearly every
  // one nothing is due.
  void advance(std::int64_t now_ns) {
    if (now_ns == std::numeric_limits<std::int64_t>::min()) return;  // the packet clock before any packet
    sessions_.advance(now_ns);
    registrations_.advance(now_ns);
    dialogs_.advance(now_ns);
  }
  // rfc6076, dialogs, timers and table_evictions. Attempts undecided at this moment are pending: the
  // clock has already timed out every older one.
  void fill(Report& report) const;
  // Peer `peer`'s rfc6076 and dialogs sections (with --peers: peer < config.peers).
  void fill_peer(std::size_t peer, PeerCounts& counts) const;

  const SessionTracker& sessions() const { return sessions_; }
  const RegistrationTracker& registrations() const { return registrations_; }
  const DialogTracker& dialogs() const { return dialogs_; }
  // The most the three tables can ever occupy (their caps); the timing wheel adds 256 KiB.
  std::size_t reserved_bytes() const {
    return sessions_.reserved_bytes() + registrations_.reserved_bytes() + dialogs_.reserved_bytes();
  }

 private:
  void on_invite_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns, PeerId peer);

  struct {
    std::int64_t b, c, f;  // c is never below b
  } timers_;
  DialogTracker dialogs_;  // first: the session tracker ends early dialogs through it
  SessionTracker sessions_;
  RegistrationTracker registrations_;
};

}  // namespace sipmon
