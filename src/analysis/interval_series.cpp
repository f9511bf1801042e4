#include "analysis/interval_series.h"

#include <algorithm>

namespace sipmon {
namespace {

DelayHistogram::Sparse delays_between(const DelayHistogram& later, const DelayHistogram& earlier) {
  DelayHistogram difference = later;
  difference.subtract(earlier);
  return difference.sparse();
}

std::uint64_t minus(std::uint64_t later, std::uint64_t earlier) { return later >= earlier ? later - earlier : 0; }

SessionCounts sessions_between(const SessionCounts& a, const SessionCounts& b) {
  SessionCounts d;
  d.attempts = minus(a.attempts, b.attempts);
  d.established = minus(a.established, b.established);
  d.redirected = minus(a.redirected, b.redirected);
  d.effective = minus(a.effective, b.effective);
  d.ineffective = minus(a.ineffective, b.ineffective);
  d.completed = minus(a.completed, b.completed);
  d.cancelled = minus(a.cancelled, b.cancelled);
  d.failed = minus(a.failed, b.failed);
  d.timeouts = minus(a.timeouts, b.timeouts);
  d.pending = a.pending;  // a gauge: undecided at the end of the interval
  for (std::size_t i = 0; i < kClosedOutcomes; ++i)
    d.closed.by_outcome[i] = minus(a.closed.by_outcome[i], b.closed.by_outcome[i]);
  return d;
}

RegistrationCounts registrations_between(const RegistrationCounts& a, const RegistrationCounts& b) {
  RegistrationCounts d;
  d.attempts = minus(a.attempts, b.attempts);
  d.succeeded = minus(a.succeeded, b.succeeded);
  d.ineffective = minus(a.ineffective, b.ineffective);
  d.timeouts = minus(a.timeouts, b.timeouts);
  d.pending = a.pending;
  for (std::size_t i = 0; i < kClosedRegistrationOutcomes; ++i) d.closed[i] = minus(a.closed[i], b.closed[i]);
  return d;
}

// Whether anything of a figures block changed between two cumulative snapshots: every count only
// grows (pending aside, which moves only with them or by itself), and a delay's count grows with
// each observation, so comparing counts is enough, without differencing the sketches.
bool moved(const Rfc6076Report& a, const Rfc6076Report& b) {
  const SessionCounts& s = a.sessions;
  const SessionCounts& t = b.sessions;
  const RegistrationCounts& g = a.registrations;
  const RegistrationCounts& h = b.registrations;
  return s.attempts != t.attempts || s.established != t.established || s.redirected != t.redirected ||
         s.effective != t.effective || s.ineffective != t.ineffective || s.completed != t.completed ||
         s.cancelled != t.cancelled || s.failed != t.failed || s.timeouts != t.timeouts || s.pending != t.pending ||
         s.closed.by_outcome != t.closed.by_outcome || g.attempts != h.attempts || g.succeeded != h.succeeded ||
         g.ineffective != h.ineffective || g.timeouts != h.timeouts || g.pending != h.pending || g.closed != h.closed ||
         a.sdd_timeouts != b.sdd_timeouts || a.srd.count() != b.srd.count() ||
         a.srd_failed.count() != b.srd_failed.count() || a.sdd.count() != b.sdd.count() ||
         a.sdt.count() != b.sdt.count() || a.rrd.count() != b.rrd.count();
}

// Floor division: intervals before 1970 (a camera's unset clock) still align.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

SeriesFigures SeriesFigures::between(const Rfc6076Report& later, const Rfc6076Report& earlier) {
  SeriesFigures f;
  f.sessions = sessions_between(later.sessions, earlier.sessions);
  f.registrations = registrations_between(later.registrations, earlier.registrations);
  f.srd = delays_between(later.srd, earlier.srd);
  f.srd_failed = delays_between(later.srd_failed, earlier.srd_failed);
  f.sdd = delays_between(later.sdd, earlier.sdd);
  f.sdt = delays_between(later.sdt, earlier.sdt);
  f.rrd = delays_between(later.rrd, earlier.rrd);
  f.sdd_timeouts = minus(later.sdd_timeouts, earlier.sdd_timeouts);
  return f;
}

Rfc6076Report SeriesFigures::expand() const {
  Rfc6076Report r;
  r.sessions = sessions;
  r.registrations = registrations;
  r.srd = DelayHistogram::from_sparse(srd);
  r.srd_failed = DelayHistogram::from_sparse(srd_failed);
  r.sdd = DelayHistogram::from_sparse(sdd);
  r.sdt = DelayHistogram::from_sparse(sdt);
  r.rrd = DelayHistogram::from_sparse(rrd);
  r.sdd_timeouts = sdd_timeouts;
  return r;
}

SeriesRequests SeriesRequests::between(const RequestCounts& later, const RequestCounts& earlier) {
  SeriesRequests d;
  for (std::size_t i = 0; i < kKnownMethodCount; ++i) {
    if (const std::uint64_t n = minus(later.standard[i], earlier.standard[i]))
      d.counts.emplace_back(static_cast<std::uint16_t>(i), n);
  }
  // The extension table only grows, in order of first sight: index i is the same spelling in both.
  for (std::size_t i = 0; i < later.extension_count; ++i) {
    const std::uint64_t before = i < earlier.extension_count ? earlier.extensions[i].count : 0;
    if (const std::uint64_t n = minus(later.extensions[i].count, before))
      d.counts.emplace_back(static_cast<std::uint16_t>(kExtensionBase + i), n);
  }
  if (const std::uint64_t n = minus(later.overflow, earlier.overflow)) d.counts.emplace_back(kOverflow, n);
  return d;
}

RequestCounts SeriesRequests::expand(const RequestCounts& spellings) const {
  RequestCounts r;
  r.extensions = spellings.extensions;
  r.extension_count = spellings.extension_count;
  for (std::size_t i = 0; i < r.extension_count; ++i) r.extensions[i].count = 0;
  for (const auto& [slot, n] : counts) {
    if (slot == kOverflow) {
      r.overflow += n;
    } else if (slot >= kExtensionBase) {
      const std::size_t i = slot - kExtensionBase;
      if (i < r.extension_count) r.extensions[i].count += n;
    } else if (slot < kKnownMethodCount) {
      r.standard[slot] += n;
    }
  }
  return r;
}

ResponseCounts responses_between(const ResponseCounts& later, const ResponseCounts& earlier) {
  ResponseCounts d;
  for (std::size_t m = 0; m < later.by_method.size(); ++m) {
    for (const StatusCount& c : later.by_method[m]) {
      if (const std::uint64_t n = minus(c.count, count_of(earlier.by_method[m], c.code)))
        d.by_method[m].push_back(StatusCount{c.code, n});
    }
  }
  return d;
}

IntervalSeries::IntervalSeries(std::int64_t interval_ns, std::size_t max_intervals, std::size_t max_peer_entries)
    : interval_ns_(std::max<std::int64_t>(interval_ns, 1)), max_intervals_(max_intervals) {
  series_.interval_ns = interval_ns_;
  series_.max_intervals = max_intervals_;
  series_.max_peer_entries = max_peer_entries;
}

std::int64_t IntervalSeries::interval_start(std::int64_t ts_ns, std::int64_t interval_ns) {
  return floor_div(ts_ns, interval_ns) * interval_ns;
}

SeriesInterval IntervalSeries::close(const SeriesSnapshot& now, std::size_t peer_budget, std::uint64_t& dropped) const {
  SeriesInterval item;
  item.start_ns = *start_;
  item.end_ns = *start_ + interval_ns_;
  item.requests = SeriesRequests::between(now.requests, at_start_.requests);
  item.responses = responses_between(now.responses, at_start_.responses);
  item.rfc6076 = SeriesFigures::between(now.rfc6076, at_start_.rfc6076);
  item.calls_active_max = active_max_;
  // Sparse: only the peers whose figures moved. A peer first seen in `now` (none before) starts
  // from zero.
  static const Rfc6076Report kNothing;
  for (std::size_t peer = 0; peer < now.peers.size(); ++peer) {
    const Rfc6076Report& before = peer < at_start_.peers.size() ? at_start_.peers[peer] : kNothing;
    const Rfc6076Report& after = now.peers[peer];
    if (!moved(after, before)) continue;  // cheap: idle peers cost no sketch difference
    if (item.peers.size() >= peer_budget) {
      ++dropped;
      continue;
    }
    item.peers.push_back(SeriesPeer{static_cast<std::uint16_t>(peer), SeriesFigures::between(after, before)});
  }
  return item;
}

void IntervalSeries::enter(std::int64_t now_ns, SeriesSnapshot snapshot, std::uint64_t active) {
  if (start_) {
    if (series_.intervals.size() < max_intervals_) {
      series_.intervals.push_back(
          close(snapshot, series_.max_peer_entries - peer_entries_, series_.dropped_peer_entries));
      peer_entries_ += series_.intervals.back().peers.size();
    } else {
      ++series_.dropped_intervals;
    }
  }
  start_ = interval_start(now_ns, interval_ns_);
  at_start_ = std::move(snapshot);
  active_max_ = active;
}

SeriesReport IntervalSeries::report(const SeriesSnapshot& now) const {
  SeriesReport report = series_;
  if (start_) {
    if (report.intervals.size() < max_intervals_) {
      report.intervals.push_back(close(now, report.max_peer_entries - peer_entries_, report.dropped_peer_entries));
    } else {
      ++report.dropped_intervals;
    }
  }
  return report;
}

}  // namespace sipmon
