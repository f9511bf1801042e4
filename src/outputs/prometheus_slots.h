#pragma once
// Handles that carry sipmon's absolute counts into prometheus-cpp metrics, shared by the
// families of prometheus_metrics.cpp and the compatibility names of prometheus_compat.cpp.
// The engine keeps absolute counts; Prometheus counters only go up, so each slot moves its
// metric by the difference since the value it last applied.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "analysis/delay_histogram.h"

namespace sipmon {

// A Prometheus counter driven by an absolute count, kept as an integer so large counts stay exact.
struct CounterSlot {
  prometheus::Counter* counter = nullptr;
  std::uint64_t applied = 0;

  void set(std::uint64_t value) {
    if (counter == nullptr || value <= applied) return;
    counter->Increment(static_cast<double>(value - applied));
    applied = value;
  }
};

// A Prometheus histogram driven by a DelayHistogram: same bounds (times `unit`), so bucket counts
// carry over exactly; each update adds the bucket increments and the sum increment. `unit` scales
// the seconds of sipmon to another exporter's unit (1000: milliseconds).
struct HistogramSlot {
  prometheus::Histogram* histogram = nullptr;
  double unit = 1;
  std::array<std::uint64_t, DelayHistogram::kPrometheusBuckets> applied{};
  double applied_sum = 0;

  void set(const DelayHistogram& source) {
    if (histogram == nullptr) return;
    std::vector<double> increments(DelayHistogram::kPrometheusBuckets, 0.0);
    bool changed = false;
    for (std::size_t i = 0; i < DelayHistogram::kPrometheusBuckets; ++i) {
      if (source.prometheus_bucket(i) > applied[i]) {
        increments[i] = static_cast<double>(source.prometheus_bucket(i) - applied[i]);
        applied[i] = source.prometheus_bucket(i);
        changed = true;
      }
    }
    if (!changed) return;
    histogram->ObserveMultiple(increments, std::max(0.0, source.sum() - applied_sum) * unit);
    applied_sum = std::max(applied_sum, source.sum());
  }
};

// DelayHistogram's bounds in seconds times `unit`.
inline prometheus::Histogram::BucketBoundaries delay_bounds(double unit = 1) {
  prometheus::Histogram::BucketBoundaries bounds(DelayHistogram::kPrometheusBounds.begin(),
                                                 DelayHistogram::kPrometheusBounds.end());
  for (double& bound : bounds) bound *= unit;
  return bounds;
}

inline prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry, const std::string& name,
                                                               const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

inline prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& registry, const std::string& name,
                                                           const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

inline prometheus::Family<prometheus::Histogram>& histogram_family(prometheus::Registry& registry,
                                                                   const std::string& name, const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

}  // namespace sipmon
