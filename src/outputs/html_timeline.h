#pragma once
// Attempts over time for the HTML report (docs/html.md), built from closed call records: per time
// bin, the attempts that started in it by outcome, and the calls answered and ended in it (their
// running difference is the number of calls up). Bounded whatever the capture's length: at most
// kMaxBins bins; when a record falls outside them the bin width doubles (1 s, 2 s, 4 s, ...) and
// neighbouring bins merge, so a day of traffic takes the same memory as a minute. Records arrive
// in the order calls close, not the order they started: the range grows to the left as well.
// One series for all calls and one per peer (--peers), at most kMaxSeries in all; the series of
// peers beyond it are counted into "(other)".
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/call_record.h"

namespace sipmon {

inline constexpr std::size_t kCallOutcomeCount = static_cast<std::size_t>(CallOutcome::evicted) + 1;

struct TimelineBin {
  std::array<std::uint32_t, kCallOutcomeCount> started{};  // attempts by outcome, by start time
  std::uint32_t answered = 0;                              // 2xx that established a call
  std::uint32_t ended = 0;                                 // first BYE of an answered call
};

class HtmlTimeline {
 public:
  static constexpr std::size_t kMaxBins = 240;
  static constexpr std::size_t kMaxSeries = 258;  // all, 256 peers, "(other)"
  static constexpr std::int64_t kFirstWidthNs = 1'000'000'000;

  void add(const CallRecord& record);

  bool empty() const { return bins_ == 0; }
  std::int64_t origin_ns() const { return origin_ns_; }
  std::int64_t width_ns() const { return width_ns_; }
  std::size_t bins() const { return bins_; }
  // Series 0 is every call; then one per peer in the order first seen.
  const std::vector<std::string>& series_names() const { return names_; }
  const std::vector<TimelineBin>& series(std::size_t i) const { return series_[i]; }

 private:
  std::size_t series_index(std::string_view peer);
  // Makes [t, t] fall inside the bins (widening or extending them); returns its bin.
  std::size_t bin_for(std::int64_t t_ns);
  void double_width();
  void shift_right(std::size_t by);

  std::int64_t origin_ns_ = 0;
  std::int64_t width_ns_ = kFirstWidthNs;
  std::size_t bins_ = 0;
  std::vector<std::string> names_{"all"};
  std::vector<std::vector<TimelineBin>> series_{std::vector<TimelineBin>{}};
};

// Counts of a figure in fixed, roughly logarithmic buckets (SRD and SDT histograms).
struct SpanHistogram {
  std::vector<double> upper_s;        // bucket i holds values <= upper_s[i]; the last is open
  std::vector<std::uint64_t> counts;  // upper_s.size() + 1 entries
  void add(double seconds);
  static SpanHistogram srd();  // 10 ms .. 30 s
  static SpanHistogram sdt();  // 5 s .. 1 h
};

}  // namespace sipmon
