#pragma once
// RFC 6076 session attempts: one per initial INVITE (no To-tag), identified by Call-ID and
// From-tag, however many retransmissions, forked branches or proxy legs carry it. The attempt's
// outcome is the first final response of its latest INVITE transaction; a 401/407 followed by
// an authenticated INVITE (higher CSeq) continues the same attempt.
//
// Timers, as RFC 3261 runs them for the caller (docs/metrics.md, "Timers"): while nothing has
// answered the latest INVITE (the transaction's Calling state, §17.1.1.2) Timer B (64*T1 = 32 s)
// bounds it; any provisional response, 100 included, moves it to Proceeding, where Timer B no
// longer runs. Timer C (§16.6 step 11, > 3 min) then gives the attempt up unless a final response
// comes; it starts with the INVITE and each 101-199 response restarts it (§16.7 step 2), a 100
// does not. Either expiry is a timeout (ineffective).
//
// Every attempt ends in exactly one of: established, redirected, cancelled, ineffective
// (408/500/503/504/timeout), failed (any other final >= 400, or a challenge never answered),
// pending (undecided at the end of the input), evicted (dropped undecided because the table was
// full). docs/metrics.md explains each choice.
#include <array>
#include <cstdint>

#include "analysis/attempt_observer.h"
#include "analysis/bounded_table.h"
#include "analysis/delay_histogram.h"
#include "analysis/dialog_ref.h"
#include "analysis/message_keys.h"
#include "analysis/peer_tallies.h"
#include "analysis/report.h"
#include "analysis/sip_message.h"
#include "analysis/timer_lists.h"

namespace sipmon {

struct SessionTally {
  std::uint64_t attempts = 0;
  std::uint64_t established = 0;
  std::uint64_t redirected = 0;
  std::uint64_t effective = 0;  // 2xx, 480, 486, 600, 603 (overlaps established and failed)
  std::uint64_t ineffective = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t failed = 0;
  std::uint64_t timeouts = 0;  // also in ineffective
  std::uint64_t evicted = 0;   // undecided attempts dropped because the table was full
  std::uint64_t open = 0;      // undecided now (pending at the end of the input)
  // Closed when decided, every outcome but established (the dialog tracker closes those when
  // their dialog ends).
  ClosedAttempts closed;
  DelayHistogram srd;
  DelayHistogram srd_failed;
};

// Called for the early dialogs of an attempt that ends by timing out (the other endings are
// reported to the caller of on_invite_response).
class EarlyDialogEnder {
 public:
  virtual ~EarlyDialogEnder() = default;
  virtual void end_early_dialog(DialogRef dialog) = 0;
};

class SessionTracker {
 public:
  using AttemptId = std::uint32_t;
  static constexpr AttemptId kNoAttempt = 0xffffffffu;
  static constexpr std::size_t kMaxEarlyDialogs = 4;  // forks beyond this end by their own timer

  struct Timers {
    std::int64_t timer_b_ns;  // Calling state; also how long a decided attempt or a challenge waits
    std::int64_t timer_c_ns;  // Proceeding state; never below timer_b_ns
  };
  // `observer` (optional, not owned): told of each attempt's life, for call records. `peers`: the
  // number of per-peer tallies (peers table and "other"), 0 without --peers (peer_tallies.h).
  SessionTracker(std::size_t max_attempts, Timers timers, EarlyDialogEnder* ender = nullptr,
                 AttemptObserver* observer = nullptr, std::size_t peers = 0);

  // An INVITE without a To-tag (the caller filters re-INVITEs out). `peer`: the peer of this
  // INVITE (PeerTable::peer_of its addresses); only the attempt's first INVITE sets it.
  // `keys`: the INVITE's (message_keys.h).
  void on_initial_invite(const SipMessage& invite, const MessageKeys& keys, std::int64_t ts_ns, PeerId peer = kNoPeer);

  struct ResponseResult {
    AttemptId attempt = kNoAttempt;                           // the attempt the response belongs to, if any
    PeerId peer = kNoPeer;                                    // ... and its peer
    bool decided = false;                                     // this response decided the attempt's outcome
    bool established = false;                                 // ... as established (first 2xx)
    std::uint32_t proposed_session_expires = 0;               // from the INVITE, 0 when it had none
    std::array<DialogRef, kMaxEarlyDialogs> early_dialogs{};  // to end, when decided
  };
  // A response whose CSeq method is INVITE, before the dialog tracker sees it.
  ResponseResult on_invite_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns);
  // Remembers an early dialog created by a provisional response to this attempt.
  void add_early_dialog(AttemptId attempt, DialogRef dialog);

  // Times out attempts whose deadline has passed and forgets decided ones after their linger.
  // Inline: it runs for every packet, and on nearly every one nothing is due (one compare).
  void advance(std::int64_t now_ns) {
    if (next_deadline_.may_be_due(now_ns)) expire_due(now_ns);
  }

  const SessionTally& tally() const { return tallies_.total(); }
  const PeerTallies<SessionTally>& tallies() const { return tallies_; }
  std::uint64_t pending() const { return tallies_.total().open; }
  std::size_t size() const { return table_.size(); }
  std::size_t capacity() const { return table_.capacity(); }
  std::size_t reserved_bytes() const { return table_.reserved_bytes(); }
  void prefetch(const CallKey& key) const { table_.prefetch(key); }

 private:
  // calling: no response yet to the latest INVITE; proceeding: a provisional came.
  enum class State : std::uint8_t { calling, proceeding, challenged, decided };
  struct Attempt {
    std::int64_t first_ts;        // the attempt's first INVITE
    std::int64_t invite_ts;       // the latest INVITE transaction's first INVITE (Timer C's start)
    std::int64_t provisional_ts;  // first non-100 provisional response, when has_provisional
    std::int64_t deadline;
    std::uint32_t cseq;  // CSeq of the latest INVITE transaction
    std::uint32_t proposed_session_expires;
    std::uint32_t timer_prev;
    std::uint32_t timer_next;
    std::uint8_t timer_list;
    State state;
    bool has_provisional;
    std::uint8_t early_count;
    PeerId peer;  // decided by the first INVITE, for the attempt's whole life
    std::array<DialogRef, kMaxEarlyDialogs> early;
  };
  using Table = BoundedTable<Attempt>;
  // Each list holds the entries whose deadline is "event + one constant" (timer_lists.h):
  //   after_b:     event + Timer B: Calling (the INVITE), challenged (the 401/407), decided (the
  //                final response: kept to recognize late copies), and Proceeding-on-a-100-only,
  //                which leaves at INVITE + B for ...
  //   after_100:   ... INVITE + Timer C, Timer C never restarted (only 100s came);
  //   after_1xx:   last 101-199 + Timer C.
  enum List : std::uint8_t { after_b, after_100, after_1xx, kLists };
  using Lists = TimerLists<Table, kLists>;

  // Returns the SRD it measured (ns), -1 when none.
  std::int64_t decide(Table::Index index, std::uint16_t status, std::int64_t ts_ns);
  void time_out(Table::Index index);
  void end_early_dialogs(Attempt& attempt);
  void arm(Table::Index index, List list, std::int64_t deadline);
  // advance() once a deadline may be due: the heads of the timer lists, in deadline order.
  void expire_due(std::int64_t now_ns);
  void expire(Table::Index index, List list);

  Table table_;
  Lists lists_{table_};
  DeadlineBound next_deadline_;  // advance() looks at the heads only once the clock reaches it
  Timers timers_;
  EarlyDialogEnder* ender_;
  AttemptObserver* observer_;
  PeerTallies<SessionTally> tallies_;
};

}  // namespace sipmon
