#pragma once
// One RFC 6076 delay (SRD, SDD, SDT, RRD) as the reports need it, in fixed-size storage (nothing
// is allocated per delay):
// - a DelaySketch (log buckets, DDSketch): the JSON and text percentiles, within 1 % of the exact
//   nearest-rank ones, and the exact min and max;
// - the exact count and sum (mean);
// - classic histogram buckets with bounds chosen for SIP delays, for Prometheus, whose
//   histogram_quantile() works on them (docs/prometheus.md, "Delay histograms").
// Both parts merge exactly, so two runs (or files, or instances) add up to the run over both.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/delay_sketch.h"

namespace sipmon {

class DelayHistogram {
 public:
  // Upper bounds in seconds of the Prometheus buckets (the last one, +Inf, is implicit):
  //   100 µs - 5 ms   SDD and RRD on a LAN or loopback, a proxy's 100 Trying;
  //   10 ms - 1 s     SRD to a 180 through a few proxies, SDD over a WAN;
  //   2 s - 60 s      post-dial delay to the PSTN (ITU-T E.721: seconds) and ringing times;
  //   90 s - 300 s    long ringing up to Timer C (181 s), short calls (SDT);
  //   600 s - 1 day   call durations, up to the 12 h default dialog lifetime and beyond.
  static constexpr std::array<double, 32> kPrometheusBounds = {
      0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,  1,    2,    3,     5,     8,
      12,     20,     30,    45,     60,    90,   120,   180,  300, 600,  1800, 3600, 7200, 14400, 43200, 86400};
  static constexpr std::size_t kPrometheusBuckets = kPrometheusBounds.size() + 1;

  // The sum is kept in whole nanoseconds (delays are differences of nanosecond timestamps), so
  // that sums and merges are exact in any order: one engine, the shards of `replay --threads`
  // and `sipmon merge` give the same bits. 128 bits: no capture reaches its bound.
  __extension__ typedef __int128 SumNs;

  void observe(double seconds);
  void merge(const DelayHistogram& other);

  std::uint64_t count() const { return sketch_.count(); }
  double sum() const { return static_cast<double>(sum_ns_) / 1e9; }
  double min() const { return sketch_.min(); }
  double max() const { return sketch_.max(); }
  // Non-cumulative count of Prometheus bucket i (values <= kPrometheusBounds[i] and
  // > kPrometheusBounds[i-1]; the last: above every bound).
  std::uint64_t prometheus_bucket(std::size_t i) const { return prometheus_buckets_[i]; }

  std::optional<double> mean() const;
  // Nearest-rank quantile from the sketch: within 1 % of the exact one, within [min, max].
  std::optional<double> quantile(double q) const { return sketch_.quantile(q); }

  // The series (interval_series.h): what was observed since `earlier`, an earlier copy of this
  // cumulative histogram (DelaySketch::subtract says what becomes of the extremes) ...
  void subtract(const DelayHistogram& earlier);
  // ... kept in a few dozen bytes per interval rather than the sketch's 13 KiB: only the
  // non-empty buckets.
  struct Sparse {
    std::vector<DelaySketch::Bucket> sketch;
    std::vector<std::pair<std::uint8_t, std::uint64_t>> prometheus;  // bucket index, count
    SumNs sum_ns = 0;
    double min = 0;
    double max = 0;
    double sum() const { return static_cast<double>(sum_ns) / 1e9; }
    static SumNs to_ns(double seconds) { return static_cast<SumNs>(std::llround(seconds * 1e9)); }
  };
  Sparse sparse() const;
  static DelayHistogram from_sparse(const Sparse& sparse);

 private:
  DelaySketch sketch_;
  std::array<std::uint64_t, kPrometheusBuckets> prometheus_buckets_{};
  SumNs sum_ns_ = 0;
};

}  // namespace sipmon
