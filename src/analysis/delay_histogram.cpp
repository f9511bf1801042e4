#include "analysis/delay_histogram.h"

#include <algorithm>

namespace sipmon {

void DelayHistogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clock steps in live mode, NaN: never a negative delay
  const auto bound = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  ++buckets_[static_cast<std::size_t>(bound - kBounds.begin())];
  ++count_;
  sum_ += seconds;
  max_ = std::max(max_, seconds);
}

void DelayHistogram::merge(const DelayHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

std::optional<double> DelayHistogram::mean() const {
  if (count_ == 0) return std::nullopt;
  return sum_ / static_cast<double>(count_);
}

std::optional<double> DelayHistogram::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(count_);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] == 0) continue;
    if (static_cast<double>(below + buckets_[i]) >= rank) {
      const double lower = i == 0 ? 0.0 : kBounds[i - 1];
      const double upper = i < kBounds.size() ? std::min(kBounds[i], max_) : max_;
      const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(buckets_[i]);
      return std::min(lower + (upper - lower) * fraction, max_);
    }
    below += buckets_[i];
  }
  return max_;
}

}  // namespace sipmon
