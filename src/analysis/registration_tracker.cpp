#include "analysis/registration_tracker.h"

#include "analysis/call_key.h"
#include "analysis/clock.h"

namespace sipmon {

RegistrationTracker::RegistrationTracker(std::size_t max_attempts, std::int64_t timer_f_ns, std::size_t peers)
    : table_(max_attempts), timer_f_ns_(timer_f_ns), tallies_(peers) {}

void RegistrationTracker::set_deadline(Table::Index index, std::int64_t deadline) {
  // Every deadline is "event time + Timer F": the age list stays ordered by deadline.
  table_[index].deadline = deadline;
  table_.touch(index);
}

void RegistrationTracker::start(Table::Index index, std::uint32_t cseq, std::int64_t ts_ns, PeerId peer) {
  table_[index] = Attempt{ts_ns, deadline_after(ts_ns, timer_f_ns_), cseq, State::waiting, peer};
  tallies_.add(peer, [](RegistrationTally& t) {
    ++t.attempts;
    ++t.open;
  });
}

void RegistrationTracker::on_register(const SipMessage& request, const MessageKeys& keys, std::int64_t ts_ns,
                                      PeerId peer) {
  const CallKey& key = keys.call();
  Table::Index index = table_.find(key);
  if (index == Table::kNone) {
    index = table_.insert(key, [this](Table::Index victim) {
      if (table_[victim].state == State::decided) return;
      tallies_.add(table_[victim].peer, [](RegistrationTally& t) {
        ++t.evicted;
        close(t, ClosedRegistration::evicted);
        --t.open;
      });
    });
    start(index, request.cseq_number, ts_ns, peer);
    return;
  }
  Attempt& attempt = table_[index];
  if (request.cseq_number <= attempt.cseq) return;  // retransmission or a second proxy leg
  if (attempt.state == State::decided) {
    table_.touch(index);
    start(index, request.cseq_number, ts_ns, peer);  // a refresh or a new try: a new attempt
    return;
  }
  // The retry after a challenge (or a new transaction before the first was answered): the same
  // attempt, its first REGISTER still the start of the RRD, with a new Timer F.
  attempt.cseq = request.cseq_number;
  attempt.state = State::waiting;
  set_deadline(index, deadline_after(ts_ns, timer_f_ns_));
}

void RegistrationTracker::on_register_response(const SipMessage& response, const MessageKeys& keys,
                                               std::int64_t ts_ns) {
  const Table::Index index = table_.find(keys.call());
  if (index == Table::kNone) return;
  Attempt& attempt = table_[index];
  const std::uint16_t status = response.status_code;
  if (attempt.state != State::waiting || response.cseq_number != attempt.cseq || status < 200)
    return;  // Timer F runs on
  if (status == 401 || status == 407) {
    attempt.state = State::challenged;
    set_deadline(index, deadline_after(ts_ns, timer_f_ns_));
    return;
  }
  const double rrd = seconds_between(attempt.first_ts, ts_ns);  // challenge round-trip included
  tallies_.add(attempt.peer, [status, rrd](RegistrationTally& t) {
    if (status < 300) {
      ++t.succeeded;
      close(t, ClosedRegistration::succeeded);
      t.rrd.observe(rrd);
    } else {
      ++t.ineffective;
      close(t, ClosedRegistration::failed);
    }
    --t.open;
  });
  attempt.state = State::decided;
  set_deadline(index, deadline_after(ts_ns, timer_f_ns_));  // kept one Timer F to recognize late copies
}

void RegistrationTracker::expire_due(std::int64_t now_ns) {
  for (Table::Index index = table_.oldest(); index != Table::kNone; index = table_.oldest()) {
    Attempt& attempt = table_[index];
    if (attempt.deadline >= now_ns) return;
    if (attempt.state != State::decided) {
      // No final response (timeout), or a challenge never answered: the 401/407 stands.
      const bool waiting = attempt.state == State::waiting;
      tallies_.add(attempt.peer, [waiting](RegistrationTally& t) {
        if (waiting) ++t.timeouts;
        ++t.ineffective;
        close(t, waiting ? ClosedRegistration::timed_out : ClosedRegistration::failed);
        --t.open;
      });
    }
    table_.erase(index);
  }
}

}  // namespace sipmon
