#pragma once
// Statistics over a bounded set of values (one per media stream): count, mean, min and max are
// exact over every value; the percentiles are exact over the first `capacity` values kept (the
// rest is counted in `dropped`, so a report says when its percentiles are a sample). Storage is
// reserved once, so adding never allocates.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace sipmon {

struct StatsSummary {
  std::uint64_t count = 0;
  double mean = 0;
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
  std::uint64_t sampled = 0;  // values the percentiles were computed over (= count unless capped)
};

class SampleStats {
 public:
  explicit SampleStats(std::size_t capacity = 1u << 16) : capacity_(capacity) { values_.reserve(capacity); }

  void add(double value) {
    ++count_;
    sum_ += value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    if (values_.size() < capacity_) values_.push_back(value);
  }
  void merge(const SampleStats& other) {
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    for (const double v : other.values_) {
      if (values_.size() == capacity_) break;
      values_.push_back(v);
    }
  }
  std::uint64_t count() const { return count_; }

  // Nearest-rank percentiles (the smallest value with at least q of the values at or below it).
  std::optional<StatsSummary> summary() const {
    if (count_ == 0) return std::nullopt;
    std::vector<double> sorted = values_;
    std::sort(sorted.begin(), sorted.end());
    auto rank = [&sorted](double q) {
      const auto n = static_cast<double>(sorted.size());
      std::size_t index = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n))) - 1;
      return sorted[std::min(index, sorted.size() - 1)];
    };
    return StatsSummary{.count = count_,
                        .mean = sum_ / static_cast<double>(count_),
                        .min = min_,
                        .p50 = rank(0.50),
                        .p90 = rank(0.90),
                        .p99 = rank(0.99),
                        .max = max_,
                        .sampled = sorted.size()};
  }

 private:
  std::size_t capacity_;
  std::vector<double> values_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

// Counts in fixed buckets (upper bounds, the last bucket +Inf) for Prometheus histograms: fixed
// bounds merge exactly across instances.
template <std::size_t N>
struct BucketCounts {
  std::array<double, N> bounds{};
  std::array<std::uint64_t, N + 1> counts{};
  std::uint64_t count = 0;
  double sum = 0;

  void observe(double value) {
    std::size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    ++counts[i];
    ++count;
    sum += value;
  }
};

}  // namespace sipmon
