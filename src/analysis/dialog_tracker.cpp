#include "analysis/dialog_tracker.h"

#include <algorithm>
#include <limits>

#include "analysis/call_key.h"
#include "analysis/clock.h"
#include "analysis/session_timer.h"

namespace sipmon {
namespace {

constexpr std::uint32_t kNil = 0xffffffffu;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::int64_t floor_seconds(std::int64_t ns) { return ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0); }

// Which side of the dialog sent the request (a response carries its request's From): the two tags
// differ, so their order names the side without storing them.
bool from_low_tag(const SipMessage& message) { return message.from_tag < message.to_tag; }

}  // namespace

DialogTracker::DialogTracker(std::size_t max_dialogs, DialogTimers timers, AttemptObserver* observer, std::size_t peers)
    : table_(max_dialogs, AgeOrder::second_chance),
      timers_(timers),
      observer_(observer),
      wheel_(kWheelSlots, kNil),
      tallies_(peers) {}

// --- timing wheel -------------------------------------------------------------------------------

void DialogTracker::schedule(Table::Index index, std::int64_t deadline_ns) {
  unschedule(index);
  Dialog& d = table_[index];
  d.deadline = deadline_ns;
  std::int64_t second = floor_seconds(deadline_ns);
  if (wheel_started_ && second <= wheel_cursor_s_) second = wheel_cursor_s_ + 1;  // already due
  const auto slot = static_cast<std::uint32_t>(static_cast<std::uint64_t>(second) & (kWheelSlots - 1));
  d.wheel_slot = slot;
  d.wheel_prev = kNil;
  d.wheel_next = wheel_[slot];
  if (d.wheel_next != kNil) table_[d.wheel_next].wheel_prev = index;
  wheel_[slot] = index;
}

void DialogTracker::unschedule(Table::Index index) {
  Dialog& d = table_[index];
  if (d.wheel_slot == kNil) return;
  (d.wheel_prev != kNil ? table_[d.wheel_prev].wheel_next : wheel_[d.wheel_slot]) = d.wheel_next;
  if (d.wheel_next != kNil) table_[d.wheel_next].wheel_prev = d.wheel_prev;
  d.wheel_slot = kNil;
}

void DialogTracker::step_wheel(std::int64_t now_ns) {
  const std::int64_t now_s = floor_seconds(now_ns);
  if (!wheel_started_) {
    wheel_started_ = true;
    wheel_cursor_s_ = now_s - 1;
  }
  // Every deadline in a second before now_s is before now_ns: fire those slots, whole.
  const std::int64_t target = now_s - 1;
  // The wheel steps again once floor_seconds(now) reaches cursor + 2 (saturated: a clock near the
  // end of int64 time, which no capture's timestamps reach, would just never skip).
  const std::int64_t next_second = std::max(target, wheel_cursor_s_) + 2;
  next_step_ns_ = next_second < std::numeric_limits<std::int64_t>::max() / kNsPerSecond
                      ? next_second * kNsPerSecond
                      : std::numeric_limits<std::int64_t>::min();
  if (target <= wheel_cursor_s_) return;
  const std::int64_t steps = std::min<std::int64_t>(target - wheel_cursor_s_, kWheelSlots);
  for (std::int64_t step = 1; step <= steps; ++step) {
    const auto slot =
        static_cast<std::uint32_t>(static_cast<std::uint64_t>(wheel_cursor_s_ + step) & (kWheelSlots - 1));
    for (std::uint32_t index = wheel_[slot]; index != kNil;) {
      const std::uint32_t next = table_[index].wheel_next;
      // A slot is a chain of entries last touched a timer's length ago (32 s after each BYE): start
      // loading the next one, and what erasing this one touches, before this one is fired, so
      // that their cache misses overlap instead of following each other (docs/performance.md).
      if (next != kNil) __builtin_prefetch(&table_[next]);
      if (table_[index].deadline < now_ns) {  // later ones wrapped around: not yet
        table_.prefetch_erase(index);
        fire(index);
      }
      index = next;
    }
  }
  wheel_cursor_s_ = target;
}

// --- table --------------------------------------------------------------------------------------

DialogTracker::Table::Index DialogTracker::create(const CallKey& key, PeerId peer) {
  const Table::Index index = table_.insert(key, [this](Table::Index victim) {
    Dialog& old = table_[victim];
    unschedule(victim);
    switch (old.state) {
      case State::confirmed:
      case State::terminating:
        close_attempt(old, false);
        tallies_.add(old.peer, [](DialogTally& t) {
          ++t.evicted;
          --t.active;
          ++t.evicted_live;
        });
        break;
      case State::early:
      case State::orphan_bye:
        tallies_.add(old.peer, [](DialogTally& t) { ++t.evicted_live; });
        break;
      case State::ended:
        break;  // only a duplicate filter: nothing is lost
    }
  });
  Dialog& d = table_[index];
  d = Dialog{};
  d.wheel_slot = kNil;
  d.wheel_prev = d.wheel_next = kNil;
  d.peer = peer;
  return index;
}

void DialogTracker::erase(Table::Index index) {
  unschedule(index);
  table_.erase(index);
}

void DialogTracker::end_early_dialog(DialogRef dialog) {
  if (!dialog.valid() || !table_.live(dialog.index)) return;
  if (static_cast<std::uint32_t>(table_.key(dialog.index).lo) != dialog.check) return;  // slot reused
  if (table_[dialog.index].state == State::early) erase(dialog.index);
}

// --- events -------------------------------------------------------------------------------------

DialogRef DialogTracker::on_invite_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns,
                                            std::uint32_t proposed_session_expires, bool establishes_attempt,
                                            PeerId peer) {
  const std::uint16_t status = response.status_code;
  // RFC 3261 §12.1: only a 1xx with a To-tag creates an early dialog. A 2xx without one (an RFC
  // 2543 callee) still creates a dialog whose remote tag is null (§12.1.2); its key is then
  // Call-ID and From-tag alone, which the BYEs of either side carry too.
  if (status == 100 || (status < 200 && response.to_tag.empty())) return {};
  const CallKey& key = keys.dialog();
  Table::Index index = table_.find(key);
  if (status < 200) {
    if (index == Table::kNone) {
      index = create(key, peer);
      table_[index].state = State::early;
      tallies_.add(peer, [](DialogTally& t) { ++t.early; });
    } else if (table_[index].state != State::early) {
      return {};  // a provisional response to a re-INVITE
    }
    table_.touch(index);
    schedule(index, deadline_after(ts_ns, timers_.early_timeout_ns));
    return DialogRef{index, static_cast<std::uint32_t>(key.lo)};
  }
  if (status < 300) {
    if (index == Table::kNone) {
      index = create(key, peer);  // an INVITE never seen: the dialog is real all the same
      confirm(index, response, keys, ts_ns, proposed_session_expires, establishes_attempt);
    } else if (table_[index].state == State::early) {
      confirm(index, response, keys, ts_ns, proposed_session_expires, establishes_attempt);
    } else {
      if (table_[index].state == State::confirmed && !answers_refresh(table_[index], response)) {
        refresh(index, response, ts_ns);  // 2xx to a re-INVITE (not a repeated 2xx)
      }
      // A new attempt answered inside a dialog that already exists (a key collision, or a caller
      // reusing Call-ID and tags): no dialog of its own will end, so it is closed now.
      if (establishes_attempt) {
        tallies_.add(peer, [](DialogTally& t) { ++t.closed_established; });
        if (observer_ != nullptr) {
          observer_->attempt_dialog_ended(observer_->attempt_confirmed(keys.attempt()), false);
        }
      }
    }
    return {};
  }
  if (index == Table::kNone) return {};
  Dialog& d = table_[index];
  if (d.state == State::early) {
    erase(index);  // the INVITE failed on this branch
  } else if (d.state == State::confirmed && (status == 481 || status == 408)) {
    end_confirmed(index, &DialogTally::error_response, ts_ns);
  }
  return {};
}

void DialogTracker::confirm(Table::Index index, const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns,
                            std::uint32_t proposed, bool establishes_attempt) {
  Dialog& d = table_[index];
  d.state = State::confirmed;
  d.confirmed_ts = ts_ns;
  d.completes_attempt = establishes_attempt;
  if (establishes_attempt && observer_ != nullptr) {
    d.record = observer_->attempt_confirmed(keys.attempt());
  }
  d.proposed_interval = proposed;
  tallies_.add(d.peer, [](DialogTally& t) {
    ++t.established;
    ++t.active;
  });
  refresh(index, response, ts_ns);
}

void DialogTracker::refresh(Table::Index index, const SipMessage& response, std::int64_t ts_ns) {
  Dialog& d = table_[index];
  d.refresh_cseq = response.cseq_number;
  d.refresh_from_low = from_low_tag(response);
  // RFC 4028 §7.2/§8.1: the 2xx says which interval is in force; a 2xx without Session-Expires
  // from a UAS that does not support the timer leaves the requester's proposal in force; with
  // neither, the session timer is not used and only the configured default can end the dialog.
  std::int64_t interval_ns = timers_.default_session_expires_ns;
  if (const auto granted = session_interval(response)) {
    interval_ns = static_cast<std::int64_t>(*granted) * kNsPerSecond;
  } else if (d.proposed_interval != 0) {
    interval_ns = static_cast<std::int64_t>(d.proposed_interval) * kNsPerSecond;
  }
  d.proposed_interval = 0;
  table_.touch(index);
  schedule(index, deadline_after(ts_ns, interval_ns));
}

void DialogTracker::on_in_dialog_request(const SipMessage& request, const MessageKeys& keys, std::int64_t ts_ns,
                                         PeerId peer) {
  const CallKey& key = keys.dialog();
  Table::Index index = table_.find(key);
  if (request.method_id == Method::bye) {
    on_bye(index, key, request, ts_ns, peer);
    return;
  }
  if (index == Table::kNone) return;
  Dialog& d = table_[index];
  if (d.state != State::confirmed) return;
  table_.touch(index);
  if (request.method_id == Method::invite || request.method_id == Method::update) {
    d.proposed_interval = session_interval(request).value_or(0);
  }
}

void DialogTracker::on_bye(Table::Index index, const CallKey& key, const SipMessage& bye, std::int64_t ts_ns,
                           PeerId peer) {
  if (index != Table::kNone) {
    Dialog& d = table_[index];
    if (d.state == State::confirmed) {
      const double sdt = seconds_between(d.confirmed_ts, ts_ns);
      tallies_.add(d.peer, [sdt](DialogTally& t) { t.sdt.observe(sdt); });
      d.state = State::terminating;
      d.bye_ts = ts_ns;
      d.bye_cseq = bye.cseq_number;
      d.bye_from_low = from_low_tag(bye);
      table_.touch(index);
      schedule(index, deadline_after(ts_ns, timers_.timer_f_ns));
      return;
    }
    if (d.state != State::early) return;  // a repeated BYE, or the other side's BYE in a glare
    peer = d.peer;                        // the attempt's
    erase(index);                         // a BYE in an early dialog: only its SDD is measured
  }
  // A BYE for a dialog whose start was not captured (or an early one): RFC 6076 SDD still applies.
  index = create(key, peer);
  Dialog& d = table_[index];
  d.state = State::orphan_bye;
  d.bye_ts = ts_ns;
  d.bye_cseq = bye.cseq_number;
  d.bye_from_low = from_low_tag(bye);
  schedule(index, deadline_after(ts_ns, timers_.timer_f_ns));
}

void DialogTracker::on_in_dialog_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns) {
  const Table::Index index = table_.find(keys.dialog());
  if (index == Table::kNone) return;
  Dialog& d = table_[index];
  const std::uint16_t status = response.status_code;
  if (status < 200) return;
  if (response.cseq_method_id == Method::bye) {
    const bool answers_bye = response.cseq_number == d.bye_cseq && from_low_tag(response) == d.bye_from_low;
    if ((d.state != State::terminating && d.state != State::orphan_bye) || !answers_bye) return;
    const double sdd = seconds_between(d.bye_ts, ts_ns);
    tallies_.add(d.peer, [sdd](DialogTally& t) { t.sdd.observe(sdd); });
    if (d.state == State::terminating) {
      if (status < 300) {
        if (d.completes_attempt) tallies_.add(d.peer, [](DialogTally& t) { ++t.completed; });
        close_attempt(d, true);
        end_confirmed(index, &DialogTally::bye_2xx, ts_ns);
      } else {
        end_confirmed(index, &DialogTally::bye_error, ts_ns);
      }
      return;
    }
    d.state = State::ended;
    schedule(index, deadline_after(ts_ns, timers_.timer_f_ns));
    return;
  }
  if (d.state != State::confirmed) return;
  if (response.cseq_method_id == Method::update && status < 300 && !answers_refresh(d, response)) {
    refresh(index, response, ts_ns);
  } else if (status == 481 || status == 408) {
    end_confirmed(index, &DialogTally::error_response, ts_ns);
  }
}

bool DialogTracker::answers_refresh(const Dialog& d, const SipMessage& response) {
  return response.cseq_number == d.refresh_cseq && from_low_tag(response) == d.refresh_from_low;
}

void DialogTracker::close_attempt(Dialog& d, bool completed) {
  if (!d.completes_attempt) return;
  tallies_.add(d.peer, [completed](DialogTally& t) { ++(completed ? t.closed_completed : t.closed_established); });
  d.completes_attempt = false;  // closed once
  if (observer_ != nullptr) observer_->attempt_dialog_ended(d.record, completed);
}

void DialogTracker::end_confirmed(Table::Index index, std::uint64_t DialogTally::*reason, std::int64_t ts_ns) {
  close_attempt(table_[index], false);  // no-op when a BYE answered 2xx already closed it as completed
  tallies_.add(table_[index].peer, [reason](DialogTally& t) {
    ++(t.*reason);
    ++t.terminated;
    --t.active;
  });
  table_[index].state = State::ended;
  schedule(index, deadline_after(ts_ns, timers_.timer_f_ns));
}

void DialogTracker::fire(Table::Index index) {
  Dialog& d = table_[index];
  switch (d.state) {
    case State::confirmed:
      // Neither refreshed nor ended within the session interval.
      tallies_.add(d.peer, [](DialogTally& t) {
        ++t.expired;
        --t.active;
      });
      close_attempt(d, false);
      break;
    case State::terminating:
      close_attempt(d, false);
      tallies_.add(d.peer, [](DialogTally& t) {
        ++t.sdd_timeouts;
        ++t.bye_unanswered;
        ++t.terminated;
        --t.active;
      });
      break;
    case State::orphan_bye:
      tallies_.add(d.peer, [](DialogTally& t) { ++t.sdd_timeouts; });
      break;
    case State::early:  // no new provisional for Timer C and no final response seen
    case State::ended:
      break;
  }
  erase(index);
}

}  // namespace sipmon
