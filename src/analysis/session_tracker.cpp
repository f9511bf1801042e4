#include "analysis/session_tracker.h"

#include <algorithm>

#include "analysis/call_key.h"
#include "analysis/clock.h"
#include "analysis/session_timer.h"

namespace sipmon {
namespace {

bool is_ineffective(std::uint16_t status) {  // RFC 6076 §4.8 (ISA)
  return status == 408 || status == 500 || status == 503 || status == 504;
}

bool is_effective_failure(std::uint16_t status) {  // RFC 6076 §4.7 (SEER): the called party answered
  return status == 480 || status == 486 || status == 600 || status == 603;
}

bool is_challenge(std::uint16_t status) { return status == 401 || status == 407; }

}  // namespace

SessionTracker::SessionTracker(std::size_t max_attempts, Timers timers, EarlyDialogEnder* ender,
                               AttemptObserver* observer, std::size_t peers)
    : table_(max_attempts, AgeOrder::second_chance),  // its order serves eviction alone
      timers_{timers.timer_b_ns, std::max(timers.timer_c_ns, timers.timer_b_ns)},
      ender_(ender),
      observer_(observer),
      tallies_(peers) {}

void SessionTracker::arm(Table::Index index, List list, std::int64_t deadline) {
  table_[index].deadline = deadline;
  lists_.push_back(list, index);
  next_deadline_.lower_to(deadline);
}

void SessionTracker::on_initial_invite(const SipMessage& invite, const MessageKeys& keys, std::int64_t ts_ns,
                                       PeerId peer) {
  const CallKey& key = keys.attempt();
  Table::Index index = table_.find(key);
  if (index != Table::kNone) {
    Attempt& attempt = table_[index];
    // Same or lower CSeq: a retransmission, the same INVITE on another proxy leg or fork branch.
    if (invite.cseq_number <= attempt.cseq) return;
    table_.touch(index);
    if (attempt.state != State::decided) {
      // A new INVITE transaction continues the attempt: the authenticated retry after a 401/407
      // (or one whose challenge was not captured). Its own Timer B starts now.
      attempt.cseq = invite.cseq_number;
      attempt.state = State::calling;
      attempt.invite_ts = ts_ns;
      arm(index, after_b, deadline_after(ts_ns, timers_.timer_b_ns));
      return;
    }
    // A decided attempt followed by a new initial INVITE with the same Call-ID and From-tag (after
    // a 3xx, RFC 3261 §8.1.3.4): a new attempt in the same slot.
    lists_.remove(index);
  } else {
    index = table_.insert(key, [this](Table::Index victim) {
      Attempt& old = table_[victim];
      lists_.remove(victim);
      if (old.state == State::decided) return;  // only a duplicate filter: nothing is lost
      tallies_.add(old.peer, [](SessionTally& t) {
        ++t.evicted;
        ++t.closed[ClosedOutcome::evicted];
        --t.open;
      });
      end_early_dialogs(old);
      if (observer_ != nullptr) observer_->attempt_evicted(table_.key(victim));
    });
  }
  Attempt& attempt = table_[index];
  attempt = Attempt{};
  attempt.timer_list = Lists::kNoList;
  attempt.first_ts = ts_ns;
  attempt.invite_ts = ts_ns;
  attempt.cseq = invite.cseq_number;
  attempt.state = State::calling;
  attempt.peer = peer;
  if (const auto se = session_interval(invite)) attempt.proposed_session_expires = *se;
  arm(index, after_b, deadline_after(ts_ns, timers_.timer_b_ns));
  tallies_.add(peer, [](SessionTally& t) {
    ++t.attempts;
    ++t.open;
  });
  if (observer_ != nullptr) observer_->attempt_opened(table_.key(index), invite, ts_ns);
}

SessionTracker::ResponseResult SessionTracker::on_invite_response(const SipMessage& response, const MessageKeys& keys,
                                                                  std::int64_t ts_ns) {
  ResponseResult result;
  const Table::Index index = table_.find(keys.attempt());
  if (index == Table::kNone) return result;  // an INVITE never seen (or a re-INVITE): no attempt
  Attempt& attempt = table_[index];
  result.attempt = index;
  result.peer = attempt.peer;
  result.proposed_session_expires = attempt.proposed_session_expires;
  // Only the latest transaction of an undecided attempt counts; anything else repeats a response
  // already used (retransmission, second proxy leg, a later fork branch) or answers a superseded
  // transaction.
  const std::uint16_t status = response.status_code;
  if (response.cseq_number != attempt.cseq) return result;
  // A challenged attempt still takes a 2xx for the same transaction: a forking proxy's other
  // branch answered while this one asked for credentials.
  const bool forked_answer = attempt.state == State::challenged && status >= 200 && status < 300;
  const bool open = attempt.state == State::calling || attempt.state == State::proceeding;
  if (!open && !forked_answer) return result;
  table_.touch(index);
  if (status < 200) {
    if (status == 100) {
      // Proceeding: Timer B stops. Timer C keeps running from the INVITE (a 100 does not restart
      // it); the entry stays on the Timer B list until INVITE + B and then moves on (expire()).
      if (attempt.state == State::calling) attempt.state = State::proceeding;
      return result;
    }
    if (!attempt.has_provisional) {
      attempt.has_provisional = true;
      attempt.provisional_ts = ts_ns;
    }
    attempt.state = State::proceeding;
    arm(index, after_1xx, deadline_after(ts_ns, timers_.timer_c_ns));  // §16.7 step 2: restarts Timer C
    return result;
  }
  if (is_challenge(status)) {
    attempt.state = State::challenged;  // decided by the retry, or failed if none comes in time
    arm(index, after_b, deadline_after(ts_ns, timers_.timer_b_ns));
    return result;
  }
  result.decided = true;
  result.established = status < 300;
  result.early_dialogs = attempt.early;
  const std::int64_t srd_ns = decide(index, status, ts_ns);
  if (observer_ != nullptr) observer_->attempt_decided(table_.key(index), response, ts_ns, srd_ns);
  return result;
}

std::int64_t SessionTracker::decide(Table::Index index, std::uint16_t status, std::int64_t ts_ns) {
  Attempt& attempt = table_[index];
  const double since_invite = seconds_between(attempt.first_ts, ts_ns);
  std::int64_t srd_ns = -1;
  if (status < 300) {
    // RFC 6076 §4.3.1: up to the first provisional that tells the caller something (not 100),
    // or to the 2xx when none came first.
    const std::int64_t answer_ts = attempt.has_provisional ? attempt.provisional_ts : ts_ns;
    const double srd = seconds_between(attempt.first_ts, answer_ts);
    tallies_.add(attempt.peer, [srd](SessionTally& t) {
      ++t.established;
      ++t.effective;
      t.srd.observe(srd);
    });
    srd_ns = answer_ts - attempt.first_ts;
  } else if (status < 400) {
    tallies_.add(attempt.peer, [](SessionTally& t) {
      ++t.redirected;
      ++t.closed[ClosedOutcome::redirected];
    });
  } else if (status == 487) {
    // The caller's CANCEL: its delay measures the caller's patience, not setup.
    tallies_.add(attempt.peer, [](SessionTally& t) {
      ++t.cancelled;
      ++t.closed[ClosedOutcome::cancelled];
    });
  } else {
    const bool measured = status != 402;  // §4.3.2 leaves out 401/402/407
    tallies_.add(attempt.peer, [status, measured, since_invite](SessionTally& t) {
      if (is_ineffective(status)) {
        ++t.ineffective;
        ++t.closed[ClosedOutcome::ineffective];
      } else {
        ++t.failed;
        if (is_effective_failure(status)) ++t.effective;
        ++t.closed[is_effective_failure(status) ? ClosedOutcome::failed_effective : ClosedOutcome::failed];
      }
      if (measured) t.srd_failed.observe(since_invite);
    });
    if (measured) srd_ns = ts_ns - attempt.first_ts;
  }
  attempt.state = State::decided;
  attempt.early_count = 0;
  tallies_.add(attempt.peer, [](SessionTally& t) { --t.open; });
  // Kept for one more Timer B so that late copies of the final response are recognized.
  arm(index, after_b, deadline_after(ts_ns, timers_.timer_b_ns));
  return srd_ns;
}

void SessionTracker::add_early_dialog(AttemptId attempt, DialogRef dialog) {
  if (attempt == kNoAttempt || !table_.live(attempt)) return;
  Attempt& a = table_[attempt];
  if ((a.state != State::calling && a.state != State::proceeding) || a.early_count == kMaxEarlyDialogs) return;
  for (std::uint8_t i = 0; i < a.early_count; ++i) {
    if (a.early[i].index == dialog.index && a.early[i].check == dialog.check) return;
  }
  a.early[a.early_count++] = dialog;
}

void SessionTracker::end_early_dialogs(Attempt& attempt) {
  if (ender_ != nullptr) {
    for (std::uint8_t i = 0; i < attempt.early_count; ++i) ender_->end_early_dialog(attempt.early[i]);
  }
  attempt.early_count = 0;
}

void SessionTracker::time_out(Table::Index index) {
  Attempt& attempt = table_[index];
  if (attempt.state == State::calling || attempt.state == State::proceeding) {
    // Timer B or C: as the 408 the caller's side would generate, ineffective.
    tallies_.add(attempt.peer, [](SessionTally& t) {
      ++t.timeouts;
      ++t.ineffective;
      ++t.closed[ClosedOutcome::timed_out];
    });
  } else if (attempt.state == State::challenged) {
    // The 401/407 stands as the final answer.
    tallies_.add(attempt.peer, [](SessionTally& t) {
      ++t.failed;
      ++t.closed[ClosedOutcome::failed];
    });
  }
  if (attempt.state != State::decided) {
    tallies_.add(attempt.peer, [](SessionTally& t) { --t.open; });
    end_early_dialogs(attempt);
    if (observer_ != nullptr) observer_->attempt_timed_out(table_.key(index), attempt.state == State::challenged);
  }
  lists_.remove(index);
  table_.erase(index);
}

void SessionTracker::expire(Table::Index index, List list) {
  Attempt& attempt = table_[index];
  if (list == after_b && attempt.state == State::proceeding) {
    // Only 100s came: Timer C, started by the INVITE, runs out at INVITE + C. Entries arrive here
    // in the order of INVITE + B, so this list stays ordered by INVITE + C.
    arm(index, after_100, deadline_after(attempt.invite_ts, timers_.timer_c_ns));
    return;
  }
  time_out(index);
}

void SessionTracker::expire_due(std::int64_t now_ns) {
  for (;;) {
    // The earliest deadline is at the head of one of the lists.
    Table::Index next = Table::kNone;
    List next_list = after_b;
    for (std::uint8_t list = 0; list < kLists; ++list) {
      const Table::Index head = lists_.front(list);
      if (head != Table::kNone && (next == Table::kNone || table_[head].deadline < table_[next].deadline)) {
        next = head;
        next_list = static_cast<List>(list);
      }
    }
    if (next == Table::kNone || table_[next].deadline >= now_ns) {
      next_deadline_.set(next == Table::kNone ? DeadlineBound::kNever : table_[next].deadline);
      // The entry to expire next, just read: start loading what erasing it touches (its index
      // slot, its age-list neighbours), so that it is in the caches by its deadline, a few
      // packets from now at a busy trunk's rate (docs/performance.md).
      if (next != Table::kNone) table_.prefetch_erase(next);
      return;
    }
    expire(next, next_list);  // may arm it again (lowering the bound): the next round sees its head
  }
}

}  // namespace sipmon
