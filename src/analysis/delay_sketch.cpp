#include "analysis/delay_sketch.h"

#include <algorithm>

namespace sipmon {
namespace {

const double kLogGamma = std::log(DelaySketch::kGamma);

// The bucket whose range (kMin*g^(i-1), kMin*g^i] holds `seconds` (kMinSeconds <= seconds <= kMax).
std::size_t bucket_of(double seconds) {
  const double index = std::ceil(std::log(seconds / DelaySketch::kMinSeconds) / kLogGamma);
  return std::min(static_cast<std::size_t>(std::max(index, 0.0)), DelaySketch::kBuckets - 1);
}

// DDSketch's estimate for bucket i: equally far, relatively, from both ends of its range.
double centre_of(std::size_t bucket) {
  return DelaySketch::kMinSeconds * 2 * std::exp(static_cast<double>(bucket) * kLogGamma) / (DelaySketch::kGamma + 1);
}

}  // namespace

void DelaySketch::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clock steps in live mode, NaN: never a negative delay
  if (seconds < kMinSeconds) {
    ++below_min_;
  } else if (seconds > kMaxSeconds) {
    ++above_max_;
  } else {
    ++buckets_[bucket_of(seconds)];
  }
  min_ = count_ == 0 ? seconds : std::min(min_, seconds);
  max_ = count_ == 0 ? seconds : std::max(max_, seconds);
  ++count_;
}

void DelaySketch::merge(const DelaySketch& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  below_min_ += other.below_min_;
  above_max_ += other.above_max_;
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
}

void DelaySketch::subtract(const DelaySketch& earlier) {
  if (earlier.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] -= earlier.buckets_[i];
  below_min_ -= earlier.below_min_;
  above_max_ -= earlier.above_max_;
  count_ -= earlier.count_;
  if (count_ == 0) return;
  const bool min_moved = min_ < earlier.min_;
  const bool max_moved = max_ > earlier.max_;
  const double lowest = min_;
  const double highest = max_;
  if (!min_moved) {
    if (below_min_ == 0) {
      for (std::size_t i = 0; i < kBuckets; ++i) {
        if (buckets_[i] != 0) {
          min_ = std::clamp(centre_of(i), lowest, highest);
          break;
        }
      }
      if (above_max_ == count_) min_ = kMaxSeconds;
    }
    // Below 1 µs: the cumulative minimum is the best estimate (it is under 1 µs too).
  }
  if (!max_moved) {
    if (above_max_ == 0) {
      for (std::size_t i = kBuckets; i-- > 0;) {
        if (buckets_[i] != 0) {
          max_ = std::clamp(centre_of(i), lowest, highest);
          break;
        }
      }
      if (below_min_ == count_) max_ = std::min(highest, kMinSeconds);
    }
  }
  if (min_ > max_) min_ = max_;
}

DelaySketch DelaySketch::from_buckets(const Bucket* buckets, std::size_t n, double min, double max) {
  DelaySketch sketch;
  for (std::size_t i = 0; i < n; ++i) {
    const Bucket& b = buckets[i];
    if (b.index == kBelowMin) {
      sketch.below_min_ += b.count;
    } else if (b.index == kAboveMax) {
      sketch.above_max_ += b.count;
    } else if (b.index < kBuckets) {
      sketch.buckets_[b.index] += b.count;
    } else {
      continue;
    }
    sketch.count_ += b.count;
  }
  sketch.min_ = min;
  sketch.max_ = max;
  return sketch;
}

std::optional<double> DelaySketch::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  // Nearest rank, 1-based: the k-th smallest value.
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  if (rank <= below_min_) return min_;  // under 1 µs: the exact minimum is the best answer
  std::uint64_t seen = below_min_;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(centre_of(i), min_, max_);
  }
  return max_;  // over a day
}

}  // namespace sipmon
