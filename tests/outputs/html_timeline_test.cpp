#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>

#include "outputs/html_timeline.h"

using namespace sipmon;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kDay0 = 1'764'547'200 * kSecond;  // 2025-12-01T00:00:00Z

CallRecord record(std::int64_t start_ns, CallOutcome outcome, std::int64_t answered_ns = kNoTime,
                  std::int64_t ended_ns = kNoTime) {
  CallRecord r;
  r.start_ns = start_ns;
  r.outcome = outcome;
  r.answered_ns = answered_ns;
  r.ended_ns = ended_ns;
  return r;
}

std::uint64_t total_started(const HtmlTimeline& timeline, std::size_t series, CallOutcome outcome) {
  std::uint64_t n = 0;
  for (const TimelineBin& bin : timeline.series(series)) n += bin.started[static_cast<std::size_t>(outcome)];
  return n;
}

}  // namespace

TEST_CASE("timeline: one-second bins on epoch boundaries while the calls fit") {
  HtmlTimeline timeline;
  timeline.add(record(kDay0 + 10 * kSecond + 400'000'000, CallOutcome::established));
  timeline.add(record(kDay0 + 12 * kSecond, CallOutcome::failed));
  REQUIRE(timeline.width_ns() == kSecond);
  REQUIRE(timeline.origin_ns() == kDay0 + 10 * kSecond);
  REQUIRE(timeline.bins() == 3);
  CHECK(timeline.series(0)[0].started[static_cast<std::size_t>(CallOutcome::established)] == 1);
  CHECK(timeline.series(0)[2].started[static_cast<std::size_t>(CallOutcome::failed)] == 1);
}

TEST_CASE("timeline: a call that started before the first one closed extends the bins to the left") {
  HtmlTimeline timeline;
  timeline.add(record(kDay0 + 100 * kSecond, CallOutcome::failed));
  // A long call closes later but started earlier.
  timeline.add(record(kDay0 + 40 * kSecond, CallOutcome::established, kDay0 + 45 * kSecond, kDay0 + 99 * kSecond));
  REQUIRE(timeline.origin_ns() == kDay0 + 40 * kSecond);
  REQUIRE(timeline.bins() == 61);
  CHECK(timeline.series(0)[0].started[static_cast<std::size_t>(CallOutcome::established)] == 1);
  CHECK(timeline.series(0)[5].answered == 1);
  CHECK(timeline.series(0)[59].ended == 1);
  CHECK(timeline.series(0)[60].started[static_cast<std::size_t>(CallOutcome::failed)] == 1);
}

TEST_CASE("timeline: a day of calls stays within the bound, widths double, no call is lost") {
  HtmlTimeline timeline;
  std::uint64_t calls = 0;
  // One call every 7 s for a day, in a scrambled order, each answered after 3 s and ended after 60 s.
  const std::int64_t n = 86'400 / 7;
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t i = (k * 7919) % n;  // 7919 is prime and does not divide n: a permutation
    const std::int64_t start = kDay0 + i * 7 * kSecond;
    timeline.add(record(start, i % 5 == 0 ? CallOutcome::failed : CallOutcome::established,
                        i % 5 == 0 ? kNoTime : start + 3 * kSecond, i % 5 == 0 ? kNoTime : start + 60 * kSecond));
    ++calls;
  }
  CHECK(timeline.bins() <= HtmlTimeline::kMaxBins);
  // 86400 s over at most 240 bins needs 512 s bins (360 s would not be a power of two).
  CHECK(timeline.width_ns() == 512 * kSecond);
  CHECK(timeline.origin_ns() % timeline.width_ns() == 0);
  const std::uint64_t failed = total_started(timeline, 0, CallOutcome::failed);
  const std::uint64_t established = total_started(timeline, 0, CallOutcome::established);
  CHECK(failed + established == calls);
  CHECK(failed == static_cast<std::uint64_t>((n + 4) / 5));
  std::uint64_t answered = 0;
  std::uint64_t ended = 0;
  for (const TimelineBin& bin : timeline.series(0)) {
    answered += bin.answered;
    ended += bin.ended;
  }
  CHECK(answered == established);
  CHECK(ended == established);
}

TEST_CASE("timeline: one series per peer, the same bins, extras under (other)") {
  HtmlTimeline timeline;
  CallRecord a = record(kDay0, CallOutcome::established);
  a.peer = "carrier-a";
  CallRecord b = record(kDay0 + 2 * kSecond, CallOutcome::failed);
  b.peer = "carrier-b";
  timeline.add(a);
  timeline.add(b);
  timeline.add(record(kDay0 + kSecond, CallOutcome::failed));  // no peer: in "all" only
  REQUIRE(timeline.series_names().size() == 3);
  CHECK(timeline.series_names()[1] == "carrier-a");
  CHECK(timeline.series(1).size() == timeline.bins());
  CHECK(total_started(timeline, 0, CallOutcome::failed) == 2);
  CHECK(total_started(timeline, 2, CallOutcome::failed) == 1);
  CHECK(total_started(timeline, 1, CallOutcome::failed) == 0);

  HtmlTimeline many;
  for (int i = 0; i < 300; ++i) {
    std::string name = "peer-" + std::to_string(i);
    CallRecord r = record(kDay0, CallOutcome::established);
    r.peer = name;
    many.add(r);
  }
  CHECK(many.series_names().size() == HtmlTimeline::kMaxSeries);
  CHECK(many.series_names().back() == "(other)");
  CHECK(total_started(many, HtmlTimeline::kMaxSeries - 1, CallOutcome::established) ==
        300 - (HtmlTimeline::kMaxSeries - 2));
}

TEST_CASE("bucket counts (SRD, SDT): bucket i holds values up to its upper edge, the last is open") {
  SpanHistogram srd = SpanHistogram::srd();
  srd.add(0.005);
  srd.add(0.01);
  srd.add(0.011);
  srd.add(100.0);
  CHECK(srd.counts[0] == 2);
  CHECK(srd.counts[1] == 1);
  CHECK(srd.counts.back() == 1);
  CHECK(std::accumulate(srd.counts.begin(), srd.counts.end(), std::uint64_t{0}) == 4);
}
