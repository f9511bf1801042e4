#include "analysis/delay_histogram.h"

#include <algorithm>

namespace sipmon {

void DelayHistogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clock steps in live mode, NaN: never a negative delay
  sketch_.observe(seconds);
  const auto bound = std::lower_bound(kPrometheusBounds.begin(), kPrometheusBounds.end(), seconds);
  ++prometheus_buckets_[static_cast<std::size_t>(bound - kPrometheusBounds.begin())];
  sum_ += seconds;
}

void DelayHistogram::merge(const DelayHistogram& other) {
  sketch_.merge(other.sketch_);
  for (std::size_t i = 0; i < kPrometheusBuckets; ++i) prometheus_buckets_[i] += other.prometheus_buckets_[i];
  sum_ += other.sum_;
}

std::optional<double> DelayHistogram::mean() const {
  if (count() == 0) return std::nullopt;
  return sum_ / static_cast<double>(count());
}

}  // namespace sipmon
