#pragma once
// Delays (RFC 6076 SRD, SDD, SDT, RRD) kept as counts in fixed buckets. Fixed bounds make two
// histograms merge exactly (across files, across sipmon instances in Prometheus), and the same
// buckets feed the JSON percentiles and the Prometheus histograms.
#include <array>
#include <cstdint>
#include <optional>

namespace sipmon {

class DelayHistogram {
 public:
  // Upper bounds in seconds: fine where call set-up delays live (tens of ms to seconds), coarse
  // where session durations live (minutes to a day). The last bucket is +Inf.
  static constexpr std::array<double, 30> kBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,  0.75, 1,    1.5,  2,     3,     5,
      7.5,   10,     15,    20,   30,    60,   120,  300,  600,  1200, 1800, 3600, 7200, 14400, 86400};
  static constexpr std::size_t kBuckets = kBounds.size() + 1;

  void observe(double seconds);
  void merge(const DelayHistogram& other);

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double max() const { return max_; }
  // Non-cumulative count of bucket i (values <= kBounds[i] and > kBounds[i-1]; last: > all bounds).
  std::uint64_t bucket(std::size_t i) const { return buckets_[i]; }

  std::optional<double> mean() const;
  // Linear interpolation inside the bucket that holds the q-quantile, capped at the largest value
  // seen (as Prometheus' histogram_quantile does, but without its +Inf blind spot).
  std::optional<double> quantile(double q) const;

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double max_ = 0;
};

}  // namespace sipmon
