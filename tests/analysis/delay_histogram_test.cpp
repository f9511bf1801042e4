#include <catch2/catch.hpp>

#include "analysis/delay_histogram.h"

using sipmon::DelayHistogram;

TEST_CASE("an empty histogram has no mean, quantile or max", "[histogram]") {
  DelayHistogram h;
  CHECK_FALSE(h.mean());
  CHECK_FALSE(h.quantile(0.5));
  CHECK(h.count() == 0);
}

TEST_CASE("observations land in the bucket whose upper bound holds them", "[histogram]") {
  DelayHistogram h;
  h.observe(0.05);   // exactly a bound: belongs to that bucket (le semantics, as Prometheus)
  h.observe(0.051);  // next bucket
  h.observe(1e6);    // beyond every bound: +Inf
  h.observe(-1);     // a negative delay cannot exist: clamped to 0
  CHECK(h.bucket(5) == 1);  // kBounds[5] == 0.05
  CHECK(h.bucket(6) == 1);
  CHECK(h.bucket(DelayHistogram::kBuckets - 1) == 1);
  CHECK(h.bucket(0) == 1);
  CHECK(h.count() == 4);
  CHECK(h.max() == Approx(1e6));
}

TEST_CASE("quantiles interpolate inside a bucket and never exceed the maximum", "[histogram]") {
  DelayHistogram h;
  for (int i = 0; i < 100; ++i) h.observe(0.2);  // all in (0.1, 0.25]
  CHECK(*h.mean() == Approx(0.2));
  CHECK(*h.quantile(0.5) >= 0.1);
  CHECK(*h.quantile(0.5) <= 0.2);
  CHECK(*h.quantile(0.99) <= 0.2);
  CHECK(*h.quantile(1.0) == Approx(0.2));
}

TEST_CASE("merging two histograms equals observing everything in one", "[histogram]") {
  DelayHistogram a, b, all;
  for (double v : {0.01, 0.3, 2.0}) {
    a.observe(v);
    all.observe(v);
  }
  for (double v : {0.02, 7.0, 4000.0}) {
    b.observe(v);
    all.observe(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.sum() == Approx(all.sum()));
  CHECK(a.max() == all.max());
  for (std::size_t i = 0; i < DelayHistogram::kBuckets; ++i) CHECK(a.bucket(i) == all.bucket(i));
  CHECK(*a.quantile(0.9) == Approx(*all.quantile(0.9)));
}
