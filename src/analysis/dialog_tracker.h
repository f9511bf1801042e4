#pragma once
// Dialogs (RFC 3261 §12) and their session timers (RFC 4028): identified by Call-ID and both
// tags in either order; early from a 1xx with a To-tag (one per branch of a forked INVITE),
// confirmed by a 2xx, ended by a BYE (whatever its answer: counted by answer), by a 481/408 to
// an in-dialog request, by the failure of the INVITE (early dialogs), or by expiry: no refresh
// (2xx to a re-INVITE or UPDATE) within the session interval — Session-Expires, at least Min-SE,
// or the configured default when the session timer is not in use.
//
// The BYE's final response gives RFC 6076 SDD, the time from the 2xx to the BYE gives SDT, and a
// BYE answered 2xx ending the dialog that established an attempt is an SCR completion.
#include <cstdint>
#include <limits>
#include <vector>

#include "analysis/bounded_table.h"
#include "analysis/delay_histogram.h"
#include "analysis/dialog_ref.h"
#include "analysis/message_keys.h"
#include "analysis/peer_tallies.h"
#include "analysis/session_tracker.h"
#include "analysis/sip_message.h"

namespace sipmon {

// Confirmed dialogs: established = terminated + expired + evicted + active at any moment.
struct DialogTally {
  std::uint64_t early = 0;        // early dialogs created (not part of the identity above)
  std::uint64_t established = 0;  // confirmed by a 2xx
  std::uint64_t terminated = 0;   // = bye_2xx + bye_error + bye_unanswered + error_response
  std::uint64_t bye_2xx = 0;
  std::uint64_t bye_error = 0;       // BYE answered with a final response >= 300
  std::uint64_t bye_unanswered = 0;  // no final response to the BYE within Timer F
  std::uint64_t error_response = 0;  // 481 or 408 to an in-dialog request (RFC 3261 §12.2.1.2)
  std::uint64_t expired = 0;
  std::uint64_t evicted = 0;       // confirmed dialogs dropped because the table was full
  std::uint64_t evicted_live = 0;  // every live entry dropped (early and BYE-only ones too)
  std::uint64_t active = 0;        // confirmed and not ended, now
  std::uint64_t completed = 0;     // RFC 6076 SCR numerator
  // Attempts this tracker closes: the dialog that established one ended, by a BYE answered 2xx
  // (completed) or any other way (established only).
  std::uint64_t closed_completed = 0;
  std::uint64_t closed_established = 0;
  DelayHistogram sdd;
  std::uint64_t sdd_timeouts = 0;
  DelayHistogram sdt;
};

struct DialogTimers {
  std::int64_t timer_f_ns;                  // BYE with no final response (Timer F); linger of ended dialogs
  std::int64_t default_session_expires_ns;  // session timer not in use
  std::int64_t early_timeout_ns;            // early dialog with no new provisional (Timer C)
};

class DialogTracker final : public EarlyDialogEnder {
 public:
  // `observer` (optional, not owned): told when the dialog an attempt established ends. `peers`:
  // the number of per-peer tallies (peers table and "other"), 0 without --peers.
  DialogTracker(std::size_t max_dialogs, DialogTimers timers, AttemptObserver* observer = nullptr,
                std::size_t peers = 0);

  // A response to an INVITE (initial or re-INVITE). `proposed_session_expires` is what the
  // initial INVITE asked for (0: nothing); `establishes_attempt` says that this 2xx is the one
  // that established a session attempt (it then counts for SCR). Returns the early dialog this
  // provisional response created or refreshed, for the attempt to end it if the INVITE fails.
  // `peer`: the attempt's peer (or, for an INVITE never seen, the response's), which a dialog it
  // creates keeps for its whole life.
  // `keys` (here and below): the message's (message_keys.h).
  DialogRef on_invite_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns,
                               std::uint32_t proposed_session_expires, bool establishes_attempt, PeerId peer = kNoPeer);
  // A request with a To-tag: BYE, re-INVITE, UPDATE, or any other in-dialog request. `peer`: the
  // request's own, used only by a BYE for a dialog never seen.
  void on_in_dialog_request(const SipMessage& request, const MessageKeys& keys, std::int64_t ts_ns,
                            PeerId peer = kNoPeer);
  // A response with a To-tag to a request other than INVITE, CANCEL or REGISTER.
  void on_in_dialog_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns);
  void end_early_dialog(DialogRef dialog) override;

  // Fires every deadline in seconds before the current one (expiry is at most 1 s late). Inline:
  // most packets fall in the second the wheel last stepped in (one compare, no division).
  void advance(std::int64_t now_ns) {
    if (now_ns >= next_step_ns_) step_wheel(now_ns);
  }

  const DialogTally& tally() const { return tallies_.total(); }
  const PeerTallies<DialogTally>& tallies() const { return tallies_; }
  std::uint64_t active() const { return tallies_.total().active; }
  std::size_t size() const { return table_.size(); }
  std::size_t capacity() const { return table_.capacity(); }
  std::size_t reserved_bytes() const { return table_.reserved_bytes(); }
  void prefetch(const CallKey& key) const { table_.prefetch(key); }

 private:
  enum class State : std::uint8_t {
    early,
    confirmed,
    terminating,  // confirmed, BYE sent, waiting for its final response
    orphan_bye,   // a BYE for a dialog not (or only early) seen: timed for SDD only
    ended,        // kept one Timer F so retransmitted BYEs and answers are recognized
  };
  struct Dialog {
    std::int64_t confirmed_ts;
    std::int64_t bye_ts;
    std::int64_t deadline;
    // Requests are told apart by CSeq AND sender: each side numbers its own requests, so the
    // callee's first re-INVITE may well carry the caller's INVITE's number.
    std::uint32_t refresh_cseq;  // the INVITE/UPDATE whose 2xx last confirmed or refreshed
    std::uint32_t bye_cseq;
    std::uint32_t proposed_interval;  // Session-Expires of the pending re-INVITE/UPDATE
    std::uint32_t wheel_slot;
    std::uint32_t wheel_prev;
    std::uint32_t wheel_next;
    State state;
    bool completes_attempt;
    bool refresh_from_low;  // sender of that INVITE/UPDATE: the side with the lower tag
    bool bye_from_low;
    RecordRef record;  // the call record of the attempt this dialog established (with an observer)
    PeerId peer;       // the attempt's (peer_tallies.h)
  };
  using Table = BoundedTable<Dialog>;

  Table::Index create(const CallKey& key, PeerId peer);
  void confirm(Table::Index index, const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns,
               std::uint32_t proposed, bool establishes_attempt);
  void refresh(Table::Index index, const SipMessage& response, std::int64_t ts_ns);
  void on_bye(Table::Index index, const CallKey& key, const SipMessage& bye, std::int64_t ts_ns, PeerId peer);
  // A 2xx repeating the one that last confirmed or refreshed the session.
  static bool answers_refresh(const Dialog& d, const SipMessage& response);
  void end_confirmed(Table::Index index, std::uint64_t DialogTally::*reason, std::int64_t ts_ns);
  // The confirmed dialog `d` ends: the attempt it established, if any, is closed.
  void close_attempt(Dialog& d, bool completed);
  void fire(Table::Index index);
  void erase(Table::Index index);

  // Timing wheel of one-second slots: deadlines vary per dialog (Session-Expires), so the age
  // list cannot order them. Deadlines beyond the wheel's span wrap and are re-checked.
  static constexpr std::uint32_t kWheelSlots = 1u << 16;  // about 18 hours
  void schedule(Table::Index index, std::int64_t deadline_ns);
  void unschedule(Table::Index index);
  // advance() once the clock reaches next_step_ns_: steps the wheel to the current second.
  void step_wheel(std::int64_t now_ns);

  Table table_;
  DialogTimers timers_;
  AttemptObserver* observer_;
  std::vector<std::uint32_t> wheel_;
  std::int64_t wheel_cursor_s_ = 0;  // every slot up to this second has been fired
  bool wheel_started_ = false;
  // advance() before this time would step no slot (the minimum until the wheel has started).
  std::int64_t next_step_ns_ = std::numeric_limits<std::int64_t>::min();
  PeerTallies<DialogTally> tallies_;
};

}  // namespace sipmon
