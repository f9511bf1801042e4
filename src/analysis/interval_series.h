#pragma once
// Cuts a replay into the report's series (series_report.h). The engine tells it the packet clock
// at each frame and the active dialogs after each message; when the clock enters a new interval
// the engine hands it a cumulative snapshot of the report's figures, and the closed interval is
// the difference from the previous one. Allocates only when an interval is entered (the
// snapshot, the interval's sparse figures), never per message; at most max_intervals are kept.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/report.h"
#include "analysis/series_report.h"

namespace sipmon {

// The cumulative figures an interval is the difference of.
struct SeriesSnapshot {
  RequestCounts requests;
  ResponseCounts responses;
  Rfc6076Report rfc6076;
  // --peers: each peer's cumulative figures, by peer index ("other" last); empty without.
  std::vector<Rfc6076Report> peers;
};

class IntervalSeries {
 public:
  static constexpr std::size_t kDefaultMaxIntervals = 100'000;
  // Per-peer interval figures kept in all (a few hundred bytes each): a day of 5-minute intervals
  // with all 257 peers busy in every one, or of 1-minute intervals with 138.
  static constexpr std::size_t kDefaultMaxPeerEntries = 200'000;

  IntervalSeries(std::int64_t interval_ns, std::size_t max_intervals,
                 std::size_t max_peer_entries = kDefaultMaxPeerEntries);

  // Whether packet time `now_ns` lies past the interval being filled (or none is yet): the engine
  // then calls enter() with a snapshot taken before anything at `now_ns` is counted.
  bool leaves_interval(std::int64_t now_ns) const { return !start_ || now_ns >= *start_ + interval_ns_; }
  // `active`: the confirmed dialogs active as the interval begins.
  void enter(std::int64_t now_ns, SeriesSnapshot snapshot, std::uint64_t active);
  // The confirmed dialogs active now (after a message that may have confirmed one).
  void observe_active(std::uint64_t active) {
    if (active > active_max_) active_max_ = active;
  }

  // The closed intervals and the one being filled, as of the cumulative snapshot `now` (the
  // report being built).
  SeriesReport report(const SeriesSnapshot& now) const;

  // The start of the interval holding `ts_ns`: floor(ts / interval) * interval.
  static std::int64_t interval_start(std::int64_t ts_ns, std::int64_t interval_ns);

 private:
  // `peer_budget`: per-peer entries that may still be kept; `dropped`: counts those left out.
  SeriesInterval close(const SeriesSnapshot& now, std::size_t peer_budget, std::uint64_t& dropped) const;

  std::int64_t interval_ns_;
  std::size_t max_intervals_;
  std::size_t peer_entries_ = 0;  // kept in series_ so far
  std::optional<std::int64_t> start_;
  SeriesSnapshot at_start_;  // cumulative figures when the current interval was entered
  std::uint64_t active_max_ = 0;
  SeriesReport series_;
};

}  // namespace sipmon
