#pragma once
// The report's time series (--interval, docs/report.md "series"): the capture cut into intervals
// aligned on multiples of the interval since the Unix epoch (UTC), each holding what happened in
// it: wire counts, and the report's RFC 6076 figures block for the attempts decided in it.
//
// Each interval's figures are one instance of the report's own figures block (Rfc6076Report:
// counts by outcome and delay sketches), taken as the difference of two cumulative snapshots of
// it. With --peers each peer's block is cut into intervals the same way: the difference of the
// peer's block at each boundary. Kept sparse here (only non-empty delay buckets, and per interval
// only the peers whose figures changed in it), since a day of one-minute intervals would
// otherwise hold 1,440 x 70 KiB, times 257 peers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/delay_histogram.h"
#include "analysis/report.h"
#include "analysis/sip_counts.h"

namespace sipmon {

// An Rfc6076Report for one interval, delays kept sparse. `pending` (sessions and registrations)
// are gauges: the attempts still undecided at the end of the interval.
struct SeriesFigures {
  SessionCounts sessions;
  RegistrationCounts registrations;
  DelayHistogram::Sparse srd, srd_failed, sdd, sdt, rrd;
  std::uint64_t sdd_timeouts = 0;

  // What `later` counted since `earlier`, two cumulative snapshots of the same figures.
  static SeriesFigures between(const Rfc6076Report& later, const Rfc6076Report& earlier);
  // The figures block the report renders (the very code of the top-level rfc6076 object).
  Rfc6076Report expand() const;
};

// Requests by method, sparse: the standard methods by index, extension methods by their index in
// the cumulative table (whose spellings never move), the overflow last.
struct SeriesRequests {
  static constexpr std::uint16_t kExtensionBase = 0x100;
  static constexpr std::uint16_t kOverflow = 0xffff;
  std::vector<std::pair<std::uint16_t, std::uint64_t>> counts;

  static SeriesRequests between(const RequestCounts& later, const RequestCounts& earlier);
  // `spellings`: the report's cumulative table, for the extension methods' names.
  RequestCounts expand(const RequestCounts& spellings) const;
};

ResponseCounts responses_between(const ResponseCounts& later, const ResponseCounts& earlier);

// One peer's figures in one interval (--peers): `peer` indexes SeriesReport::peer_names.
struct SeriesPeer {
  std::uint16_t peer = 0;
  SeriesFigures rfc6076;
};

struct SeriesInterval {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;  // start + interval
  SeriesRequests requests;
  ResponseCounts responses;
  SeriesFigures rfc6076;
  std::uint64_t calls_active_max = 0;  // the most confirmed dialogs active at once in the interval
  // --peers: the peers whose figures changed in the interval (an attempt, an outcome, a delay, a
  // pending count), in peer index order. A peer left out counted nothing and kept its pending.
  std::vector<SeriesPeer> peers;
};

struct SeriesReport {
  std::int64_t interval_ns = 0;
  std::size_t max_intervals = 0;
  // In time order. Intervals in which no packet arrived are left out: nothing was decided in them
  // (replay runs its timers on packet time).
  std::vector<SeriesInterval> intervals;
  std::uint64_t dropped_intervals = 0;  // past max_intervals: left out, so the sums fall short
  // --peers: the peers' names by index (the peers file's order, "other" last); empty without.
  std::vector<std::string> peer_names;
  std::size_t max_peer_entries = 0;
  // Per-peer interval figures left out past max_peer_entries (the intervals themselves are kept).
  std::uint64_t dropped_peer_entries = 0;
};

}  // namespace sipmon
