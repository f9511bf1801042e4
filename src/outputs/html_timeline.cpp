#include "outputs/html_timeline.h"

#include <algorithm>

namespace sipmon {
namespace {

std::int64_t floor_to(std::int64_t t, std::int64_t width) {
  const std::int64_t q = t / width;
  return (t % width < 0 ? q - 1 : q) * width;
}

}  // namespace

std::size_t HtmlTimeline::series_index(std::string_view peer) {
  if (peer.empty()) return 0;
  for (std::size_t i = 1; i < names_.size(); ++i) {
    if (names_[i] == peer) return i;
  }
  if (names_.size() + 1 >= kMaxSeries) {
    // Full: the last slot is "(other)".
    if (names_.size() + 1 == kMaxSeries) {
      names_.emplace_back("(other)");
      series_.emplace_back(bins_);
    }
    return names_.size() - 1;
  }
  names_.emplace_back(peer);
  series_.emplace_back(bins_);
  return names_.size() - 1;
}

void HtmlTimeline::double_width() {
  // Bins merge in pairs aligned on the doubled width, so that every bin stays a multiple of the
  // width from the epoch and two timelines of the same capture agree.
  const std::int64_t new_width = width_ns_ * 2;
  const std::int64_t new_origin = floor_to(origin_ns_, new_width);
  const std::size_t offset = static_cast<std::size_t>((origin_ns_ - new_origin) / width_ns_);  // 0 or 1
  const std::size_t new_bins = (bins_ + offset + 1) / 2;
  for (auto& bins : series_) {
    std::vector<TimelineBin> merged(new_bins);
    for (std::size_t i = 0; i < bins_; ++i) {
      TimelineBin& into = merged[(i + offset) / 2];
      for (std::size_t k = 0; k < kCallOutcomeCount; ++k) into.started[k] += bins[i].started[k];
      into.answered += bins[i].answered;
      into.ended += bins[i].ended;
    }
    bins = std::move(merged);
  }
  origin_ns_ = new_origin;
  width_ns_ = new_width;
  bins_ = new_bins;
}

void HtmlTimeline::shift_right(std::size_t by) {
  for (auto& bins : series_) bins.insert(bins.begin(), by, TimelineBin{});
  bins_ += by;
  origin_ns_ -= static_cast<std::int64_t>(by) * width_ns_;
}

std::size_t HtmlTimeline::bin_for(std::int64_t t_ns) {
  if (bins_ == 0) {
    origin_ns_ = floor_to(t_ns, width_ns_);
    bins_ = 1;
    for (auto& bins : series_) bins.assign(1, TimelineBin{});
    return 0;
  }
  for (;;) {
    if (t_ns < origin_ns_) {
      const auto missing = static_cast<std::size_t>((origin_ns_ - t_ns + width_ns_ - 1) / width_ns_);
      if (bins_ + missing <= kMaxBins) {
        shift_right(missing);
        return 0;
      }
    } else {
      const auto index = static_cast<std::size_t>((t_ns - origin_ns_) / width_ns_);
      if (index < bins_) return index;
      if (index < kMaxBins) {
        for (auto& bins : series_) bins.resize(index + 1);
        bins_ = index + 1;
        return index;
      }
    }
    double_width();
  }
}

void HtmlTimeline::add(const CallRecord& record) {
  if (record.start_ns == kNoTime) return;
  const std::size_t peer = series_index(record.peer);
  // Every time of the record is placed first: a later one may double the width and move the
  // earlier one's bin.
  bin_for(record.start_ns);
  if (record.answered_ns != kNoTime) bin_for(record.answered_ns);
  if (record.ended_ns != kNoTime && record.answered_ns != kNoTime) bin_for(record.ended_ns);
  const auto count = [&](std::size_t s) {
    auto& bins = series_[s];
    ++bins[bin_for(record.start_ns)].started[static_cast<std::size_t>(record.outcome)];
    if (record.answered_ns != kNoTime) {
      ++bins[bin_for(record.answered_ns)].answered;
      if (record.ended_ns != kNoTime) ++bins[bin_for(record.ended_ns)].ended;
    }
  };
  count(0);
  if (peer != 0) count(peer);
}

void SpanHistogram::add(double seconds) {
  const auto at = std::lower_bound(upper_s.begin(), upper_s.end(), seconds);
  ++counts[static_cast<std::size_t>(at - upper_s.begin())];
}

SpanHistogram SpanHistogram::srd() {
  SpanHistogram h;
  h.upper_s = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30};
  h.counts.assign(h.upper_s.size() + 1, 0);
  return h;
}

SpanHistogram SpanHistogram::sdt() {
  SpanHistogram h;
  h.upper_s = {5, 10, 30, 60, 120, 300, 600, 1800, 3600};
  h.counts.assign(h.upper_s.size() + 1, 0);
  return h;
}

}  // namespace sipmon
