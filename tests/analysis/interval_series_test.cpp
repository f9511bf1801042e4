#include <catch2/catch.hpp>

#include "analysis/interval_series.h"

using namespace sipmon;

namespace {

// What a delay histogram of `values` alone says.
DelayHistogram of(std::initializer_list<double> values) {
  DelayHistogram h;
  for (double v : values) h.observe(v);
  return h;
}

}  // namespace

TEST_CASE("a histogram minus an earlier copy of itself holds exactly the later observations", "[series]") {
  DelayHistogram cumulative = of({0.010, 0.200, 3.0});
  const DelayHistogram earlier = cumulative;
  for (double v : {0.005, 0.150, 0.150, 7.5}) cumulative.observe(v);
  DelayHistogram interval = cumulative;
  interval.subtract(earlier);
  const DelayHistogram alone = of({0.005, 0.150, 0.150, 7.5});
  CHECK(interval.count() == 4);
  CHECK(interval.sum() == Approx(alone.sum()));
  for (double q : {0.25, 0.5, 0.75, 1.0}) CHECK(*interval.quantile(q) == Approx(*alone.quantile(q)));
  for (std::size_t i = 0; i < DelayHistogram::kPrometheusBuckets; ++i)
    CHECK(interval.prometheus_bucket(i) == alone.prometheus_bucket(i));
  // Both extremes moved past the earlier ones: exact.
  CHECK(interval.min() == 0.005);
  CHECK(interval.max() == 7.5);
}

TEST_CASE("extremes that did not move are the sketch's estimates, within 1 %", "[series]") {
  DelayHistogram cumulative = of({0.001, 10.0});
  const DelayHistogram earlier = cumulative;
  cumulative.observe(0.3);
  cumulative.observe(0.4);
  DelayHistogram interval = cumulative;
  interval.subtract(earlier);
  CHECK(interval.min() == Approx(0.3).epsilon(0.01));
  CHECK(interval.max() == Approx(0.4).epsilon(0.01));
  CHECK(interval.min() <= interval.max());
}

TEST_CASE("the sparse form rebuilds the same histogram", "[series]") {
  const DelayHistogram h = of({0, 1e-7, 0.0004, 0.02, 0.02, 45, 90000});
  const DelayHistogram back = DelayHistogram::from_sparse(h.sparse());
  CHECK(back.count() == h.count());
  CHECK(back.sum() == h.sum());
  CHECK(back.min() == h.min());
  CHECK(back.max() == h.max());
  for (double q : {0.1, 0.3, 0.5, 0.7, 0.9, 1.0}) CHECK(*back.quantile(q) == *h.quantile(q));
  for (std::size_t i = 0; i < DelayHistogram::kPrometheusBuckets; ++i)
    CHECK(back.prometheus_bucket(i) == h.prometheus_bucket(i));
  CHECK(h.sparse().sketch.size() <= 7);
  CHECK(DelayHistogram().sparse().sketch.empty());
}

TEST_CASE("intervals align on multiples of the interval since the epoch, before 1970 too", "[series]") {
  constexpr std::int64_t minute = 60'000'000'000;
  CHECK(IntervalSeries::interval_start(0, minute) == 0);
  CHECK(IntervalSeries::interval_start(minute - 1, minute) == 0);
  CHECK(IntervalSeries::interval_start(minute, minute) == minute);
  CHECK(IntervalSeries::interval_start(-1, minute) == -minute);
  CHECK(IntervalSeries::interval_start(1'700'000'123'000'000'000, minute) == 1'700'000'100'000'000'000);
}

TEST_CASE("each interval is the difference of the snapshots at its ends, the open one included", "[series]") {
  constexpr std::int64_t second = 1'000'000'000;
  IntervalSeries series(10 * second, 100);
  SeriesSnapshot s;
  CHECK(series.leaves_interval(5 * second));
  series.enter(5 * second, s, 0);
  CHECK_FALSE(series.leaves_interval(9 * second));
  s.requests.count(Method::invite, "INVITE");
  s.rfc6076.sessions.attempts = 1;
  s.rfc6076.sessions.pending = 1;
  series.observe_active(2);
  CHECK(series.leaves_interval(31 * second));  // 10-30 s saw nothing: left out
  series.enter(31 * second, s, 1);
  s.requests.count(Method::invite, "INVITE");
  s.requests.count(Method::other, "FOO");
  s.rfc6076.sessions.attempts = 2;
  s.rfc6076.sessions.ineffective = 1;
  s.rfc6076.sessions.closed[ClosedOutcome::ineffective] = 1;
  s.rfc6076.sessions.pending = 1;
  s.rfc6076.srd_failed.observe(0.5);
  const SeriesReport report = series.report(s);
  REQUIRE(report.intervals.size() == 2);
  const SeriesInterval& first = report.intervals[0];
  CHECK(first.start_ns == 0);
  CHECK(first.end_ns == 10 * second);
  CHECK(first.rfc6076.sessions.attempts == 1);
  CHECK(first.calls_active_max == 2);
  CHECK(first.requests.expand(s.requests)[Method::invite] == 1);
  const SeriesInterval& second_item = report.intervals[1];
  CHECK(second_item.start_ns == 30 * second);
  CHECK(second_item.calls_active_max == 1);
  CHECK(second_item.rfc6076.sessions.attempts == 1);
  CHECK(second_item.rfc6076.sessions.closed[ClosedOutcome::ineffective] == 1);
  CHECK(second_item.rfc6076.sessions.pending == 1);  // a gauge, not a difference
  CHECK(second_item.rfc6076.expand().srd_failed.count() == 1);
  const RequestCounts requests = second_item.requests.expand(s.requests);
  CHECK(requests[Method::invite] == 1);
  CHECK(requests.extension("FOO") == 1);
}

TEST_CASE("past the cap, intervals are counted and left out", "[series]") {
  constexpr std::int64_t second = 1'000'000'000;
  IntervalSeries series(second, 2);
  for (int i = 0; i < 5; ++i) series.enter(i * second, SeriesSnapshot{}, 0);
  const SeriesReport report = series.report(SeriesSnapshot{});
  CHECK(report.intervals.size() == 2);
  CHECK(report.dropped_intervals == 3);
}

TEST_CASE("per-peer figures: each peer's interval is its own difference, only peers that moved", "[series][peer]") {
  constexpr std::int64_t second = 1'000'000'000;
  IntervalSeries series(60 * second, 100);
  // Two peers and "other" (index 2). Hand-worked: peer 0 makes 3 attempts in the first minute,
  // 1 of them established there and 1 in the second minute, the third pending across the
  // boundary and timed out in the second minute; peer 1 sends nothing in the second minute;
  // "other" registers once in the second minute.
  SeriesSnapshot s;
  s.peers.resize(3);
  series.enter(10 * second, s, 0);
  s.peers[0].sessions.attempts = 3;
  s.peers[0].sessions.established = 1;
  s.peers[0].sessions.pending = 2;
  s.peers[0].srd.observe(0.25);
  s.peers[1].sessions.attempts = 1;
  s.peers[1].sessions.failed = 1;
  s.peers[1].sessions.closed[ClosedOutcome::failed] = 1;
  series.enter(70 * second, s, 0);
  s.peers[0].sessions.established = 2;
  s.peers[0].sessions.timeouts = 1;
  s.peers[0].sessions.ineffective = 1;
  s.peers[0].sessions.closed[ClosedOutcome::timed_out] = 1;
  s.peers[0].sessions.pending = 0;
  s.peers[0].srd.observe(0.5);
  s.peers[2].registrations.attempts = 1;
  s.peers[2].registrations.pending = 1;
  const SeriesReport report = series.report(s);
  REQUIRE(report.intervals.size() == 2);
  const auto& first = report.intervals[0].peers;
  REQUIRE(first.size() == 2);  // "other" counted nothing in the first minute
  CHECK(first[0].peer == 0);
  CHECK(first[0].rfc6076.sessions.attempts == 3);
  CHECK(first[0].rfc6076.sessions.established == 1);
  CHECK(first[0].rfc6076.sessions.pending == 2);
  CHECK(first[0].rfc6076.expand().srd.count() == 1);
  CHECK(first[1].peer == 1);
  CHECK(first[1].rfc6076.sessions.closed[ClosedOutcome::failed] == 1);
  const auto& second_peers = report.intervals[1].peers;
  REQUIRE(second_peers.size() == 2);  // peer 1 left out: nothing moved
  CHECK(second_peers[0].peer == 0);
  CHECK(second_peers[0].rfc6076.sessions.attempts == 0);
  CHECK(second_peers[0].rfc6076.sessions.established == 1);
  CHECK(second_peers[0].rfc6076.sessions.timeouts == 1);
  CHECK(second_peers[0].rfc6076.sessions.pending == 0);  // a gauge
  const Rfc6076Report expanded = second_peers[0].rfc6076.expand();
  CHECK(expanded.srd.count() == 1);
  CHECK(expanded.srd.max() == Approx(0.5).epsilon(0.01));
  CHECK(second_peers[1].peer == 2);
  CHECK(second_peers[1].rfc6076.registrations.attempts == 1);
  CHECK(second_peers[1].rfc6076.registrations.pending == 1);
}

TEST_CASE("per-peer figures past their cap are counted and left out, the intervals kept", "[series][peer]") {
  constexpr std::int64_t second = 1'000'000'000;
  IntervalSeries series(second, 100, 3);
  SeriesSnapshot s;
  s.peers.resize(2);
  for (int i = 0; i < 4; ++i) {
    series.enter(i * second, s, 0);
    ++s.peers[0].sessions.attempts;  // both peers move in every interval
    ++s.peers[1].sessions.attempts;
  }
  const SeriesReport report = series.report(s);
  REQUIRE(report.intervals.size() == 4);
  std::size_t kept = 0;
  for (const SeriesInterval& item : report.intervals) kept += item.peers.size();
  CHECK(kept == 3);
  CHECK(report.dropped_peer_entries == 5);
  CHECK(report.intervals[3].peers.empty());
}
