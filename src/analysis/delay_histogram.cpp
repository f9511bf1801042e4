#include "analysis/delay_histogram.h"

#include <algorithm>

namespace sipmon {

void DelayHistogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clock steps in live mode, NaN: never a negative delay
  sketch_.observe(seconds);
  const auto bound = std::lower_bound(kPrometheusBounds.begin(), kPrometheusBounds.end(), seconds);
  ++prometheus_buckets_[static_cast<std::size_t>(bound - kPrometheusBounds.begin())];
  sum_ns_ += Sparse::to_ns(seconds);
}

void DelayHistogram::merge(const DelayHistogram& other) {
  sketch_.merge(other.sketch_);
  for (std::size_t i = 0; i < kPrometheusBuckets; ++i) prometheus_buckets_[i] += other.prometheus_buckets_[i];
  sum_ns_ += other.sum_ns_;
}

void DelayHistogram::subtract(const DelayHistogram& earlier) {
  sketch_.subtract(earlier.sketch_);
  for (std::size_t i = 0; i < kPrometheusBuckets; ++i) prometheus_buckets_[i] -= earlier.prometheus_buckets_[i];
  sum_ns_ = count() == 0 ? 0 : std::max<SumNs>(0, sum_ns_ - earlier.sum_ns_);
}

DelayHistogram::Sparse DelayHistogram::sparse() const {
  Sparse sparse;
  if (count() == 0) return sparse;
  sketch_.for_each_bucket([&sparse](DelaySketch::Bucket b) { sparse.sketch.push_back(b); });
  for (std::size_t i = 0; i < kPrometheusBuckets; ++i) {
    if (prometheus_buckets_[i] != 0)
      sparse.prometheus.emplace_back(static_cast<std::uint8_t>(i), prometheus_buckets_[i]);
  }
  sparse.sum_ns = sum_ns_;
  sparse.min = sketch_.min();
  sparse.max = sketch_.max();
  return sparse;
}

DelayHistogram DelayHistogram::from_sparse(const Sparse& sparse) {
  DelayHistogram h;
  h.sketch_ = DelaySketch::from_buckets(sparse.sketch.data(), sparse.sketch.size(), sparse.min, sparse.max);
  for (const auto& [index, count] : sparse.prometheus) {
    if (index < kPrometheusBuckets) h.prometheus_buckets_[index] += count;
  }
  h.sum_ns_ = sparse.sum_ns;
  return h;
}

std::optional<double> DelayHistogram::mean() const {
  if (count() == 0) return std::nullopt;
  return sum() / static_cast<double>(count());
}

}  // namespace sipmon
