#include <catch2/catch.hpp>

#include "analysis/delay_histogram.h"

using sipmon::DelayHistogram;

TEST_CASE("an empty histogram has no mean, quantile, min or max", "[histogram]") {
  DelayHistogram h;
  CHECK_FALSE(h.mean());
  CHECK_FALSE(h.quantile(0.5));
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("observations land in the Prometheus bucket whose upper bound holds them", "[histogram]") {
  DelayHistogram h;
  h.observe(0.05);   // exactly a bound: belongs to that bucket (le semantics, as Prometheus)
  h.observe(0.051);  // next bucket
  h.observe(1e6);    // beyond every bound: +Inf
  h.observe(-1);     // a negative delay cannot exist: clamped to 0
  CHECK(DelayHistogram::kPrometheusBounds[7] == 0.05);
  CHECK(h.prometheus_bucket(7) == 1);
  CHECK(h.prometheus_bucket(8) == 1);
  CHECK(h.prometheus_bucket(DelayHistogram::kPrometheusBuckets - 1) == 1);
  CHECK(h.prometheus_bucket(0) == 1);
  CHECK(h.count() == 4);
  CHECK(h.max() == Approx(1e6));
  CHECK(h.min() == 0);
}

TEST_CASE("percentiles of identical delays are those delays, never a bucket's interpolation", "[histogram]") {
  // The two examples: every SDT 0.2054-0.2060 s, every SRD 0.200 s.
  DelayHistogram sdt;
  for (int i = 0; i <= 6; ++i) sdt.observe(0.2054 + i * 0.0001);
  for (double q : {0.5, 0.9, 0.99}) {
    CHECK(*sdt.quantile(q) >= 0.2054);
    CHECK(*sdt.quantile(q) <= 0.2060);
  }
  DelayHistogram srd;
  for (int i = 0; i < 100; ++i) srd.observe(0.2);
  CHECK(*srd.mean() == Approx(0.2));
  CHECK(*srd.quantile(0.5) == 0.2);  // clamped to [min, max] = [0.2, 0.2]
  CHECK(srd.min() == 0.2);
}

TEST_CASE("merging two histograms equals observing everything in one", "[histogram]") {
  DelayHistogram a, b, all;
  for (double v : {0.01, 0.3, 2.0, 0.00003}) {
    a.observe(v);
    all.observe(v);
  }
  for (double v : {0.02, 7.0, 4000.0}) {
    b.observe(v);
    all.observe(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.sum() == all.sum());  // exact: kept in nanoseconds, any order gives the same bits
  CHECK(a.max() == all.max());
  CHECK(a.min() == all.min());
  for (std::size_t i = 0; i < DelayHistogram::kPrometheusBuckets; ++i)
    CHECK(a.prometheus_bucket(i) == all.prometheus_bucket(i));
  for (double q : {0.1, 0.5, 0.9, 0.99}) CHECK(*a.quantile(q) == *all.quantile(q));  // exactly
}

TEST_CASE("a sum is exact in any order of observations and merges", "[histogram]") {
  // In doubles, 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1 (the shards of replay --threads add in
  // another order than one engine).
  DelayHistogram forward, backward, halves, other_half;
  for (double v : {0.1, 0.2, 0.3, 0.000123456, 12.5}) forward.observe(v);
  for (double v : {12.5, 0.000123456, 0.3, 0.2, 0.1}) backward.observe(v);
  for (double v : {0.3, 12.5}) halves.observe(v);
  for (double v : {0.000123456, 0.1, 0.2}) other_half.observe(v);
  halves.merge(other_half);
  CHECK(forward.sum() == backward.sum());
  CHECK(forward.sum() == halves.sum());
  CHECK(forward.sum() == 13.100123456);
}
