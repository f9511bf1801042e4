#pragma once
// Delays kept with a guaranteed relative error: a log-bucketed sketch after DDSketch (C. Masson,
// J. E. Rim, H. K. Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
// Guarantees", PVLDB 12(12), 2019). Bucket i holds the values in (kMin*g^(i-1), kMin*g^i] with
// g = (1+a)/(1-a); answering a quantile with the bucket's centre 2*kMin*g^i/(g+1) is then within
// a relative error a of every value the bucket holds, so of the exact nearest-rank quantile.
//
// sipmon's variant, for delays that run from loopback SDDs (tens of microseconds) to session
// durations (hours):
// - a fixed range, 1 µs to 1 day, in one array (about 1,700 buckets, 13 KiB), so observing never
//   allocates and two sketches merge exactly by adding counts (across files, instances, windows);
// - a = 0.75 %: within the 1 % the reports promise, with room for floating-point rounding;
// - below 1 µs (same-timestamp packets) and above 1 day, one bucket each, answered with the exact
//   minimum and maximum;
// - every answer clamped to [min, max], which are kept exactly: a percentile is never below the
//   smallest delay measured nor above the largest.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace sipmon {

class DelaySketch {
 public:
  static constexpr double kRelativeAccuracy = 0.0075;
  static constexpr double kMinSeconds = 1e-6;
  static constexpr double kMaxSeconds = 86400;
  static constexpr double kGamma = (1 + kRelativeAccuracy) / (1 - kRelativeAccuracy);
  // ceil(log(kMaxSeconds / kMinSeconds) / log(kGamma)) + 1 (the unit tests check it).
  static constexpr std::size_t kBuckets = 1680;

  void observe(double seconds);
  void merge(const DelaySketch& other);

  std::uint64_t count() const { return count_; }
  // Exact extremes; 0 when empty.
  double min() const { return count_ ? min_ : 0; }
  double max() const { return count_ ? max_ : 0; }
  // Nearest-rank q-quantile (the smallest value with at least q*count values at or below it),
  // within kRelativeAccuracy of the exact one and within [min, max]; nullopt when empty.
  std::optional<double> quantile(double q) const;

  // The series (interval_series.h) keeps one sketch per interval: the observations made since an
  // earlier copy of the same cumulative sketch, stored sparsely.
  struct Bucket {
    std::uint16_t index;  // 0 .. kBuckets-1; kBelowMin, kAboveMax for the two outer buckets
    std::uint64_t count;
  };
  static constexpr std::uint16_t kBelowMin = kBuckets;
  static constexpr std::uint16_t kAboveMax = kBuckets + 1;
  // Leaves only what was observed after `earlier`, a copy of this sketch taken before. Counts
  // subtract exactly; the extremes stay exact when they moved since `earlier` (the new value is
  // then the interval's), and are otherwise the centres of the lowest and highest buckets left,
  // within kRelativeAccuracy like every percentile.
  void subtract(const DelaySketch& earlier);
  template <class F>
  void for_each_bucket(F&& f) const {
    if (below_min_ != 0) f(Bucket{kBelowMin, below_min_});
    for (std::size_t i = 0; i < kBuckets; ++i)
      if (buckets_[i] != 0) f(Bucket{static_cast<std::uint16_t>(i), buckets_[i]});
    if (above_max_ != 0) f(Bucket{kAboveMax, above_max_});
  }
  // Rebuilds a sketch from its non-empty buckets and extremes (for_each_bucket, min(), max()).
  static DelaySketch from_buckets(const Bucket* buckets, std::size_t n, double min, double max);

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t below_min_ = 0;  // values under kMinSeconds (0 included)
  std::uint64_t above_max_ = 0;  // values over kMaxSeconds
  std::uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace sipmon
