#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "analysis/delay_sketch.h"

using sipmon::DelaySketch;

namespace {

// The nearest-rank q-quantile, computed from the sorted values: the truth the sketch must meet.
double nearest_rank(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
  return values[rank - 1];
}

void check_within_one_percent(const std::vector<double>& values) {
  DelaySketch sketch;
  for (double v : values) sketch.observe(v);
  const double lo = *std::min_element(values.begin(), values.end());
  const double hi = *std::max_element(values.begin(), values.end());
  CHECK(sketch.min() == lo);
  CHECK(sketch.max() == hi);
  for (double q : {0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    const double exact = nearest_rank(values, q);
    const double got = *sketch.quantile(q);
    CAPTURE(q, exact, got);
    CHECK(std::abs(got - exact) <= 0.01 * exact);
    CHECK(got >= lo);
    CHECK(got <= hi);
  }
}

}  // namespace

TEST_CASE("the sketch covers 1 µs to 1 day with buckets to spare at neither end", "[sketch]") {
  const double needed =
      std::ceil(std::log(DelaySketch::kMaxSeconds / DelaySketch::kMinSeconds) / std::log(DelaySketch::kGamma)) + 1;
  CHECK(DelaySketch::kBuckets == static_cast<std::size_t>(needed));
}

TEST_CASE("sketch percentiles are within 1 % of the exact nearest-rank ones, 1 µs to 1 day", "[sketch]") {
  std::mt19937_64 random(11);
  SECTION("log-uniform over the whole range") {
    std::uniform_real_distribution<double> exponent(-6, std::log10(86400.0));
    std::vector<double> values(20000);
    for (double& v : values) v = std::pow(10.0, exponent(random));
    check_within_one_percent(values);
  }
  SECTION("loopback SDDs: 28-56 µs") {
    std::uniform_real_distribution<double> sdd(28e-6, 56e-6);
    std::vector<double> values(5000);
    for (double& v : values) v = sdd(random);
    check_within_one_percent(values);
  }
  SECTION("ringing times up to a minute, and the extremes of the range") {
    std::uniform_real_distribution<double> ring(0.5, 60);
    std::vector<double> values(3000);
    for (double& v : values) v = ring(random);
    values.push_back(1e-6);
    values.push_back(86400);
    values.push_back(86000);
    check_within_one_percent(values);
  }
  SECTION("a handful of values") {
    check_within_one_percent({0.2054, 0.2055, 0.2057, 0.2060});
    check_within_one_percent({42.0});
  }
}

TEST_CASE("values outside 1 µs to 1 day are answered with the exact min and max", "[sketch]") {
  DelaySketch sketch;
  sketch.observe(0);
  sketch.observe(2e-7);
  sketch.observe(1.0);
  sketch.observe(200000);
  CHECK(*sketch.quantile(0.25) == 0);
  CHECK(*sketch.quantile(0.5) == 0);  // rank 2 of 4 is under 1 µs: the minimum answers it
  CHECK(*sketch.quantile(0.75) == Approx(1.0).epsilon(0.0075));
  CHECK(*sketch.quantile(1.0) == 200000);
  CHECK(sketch.count() == 4);
}

TEST_CASE("merged sketches answer exactly as one sketch of everything", "[sketch]") {
  std::mt19937_64 random(5);
  std::lognormal_distribution<double> delay(0, 2);
  DelaySketch a, b, all;
  for (int i = 0; i < 4000; ++i) {
    const double v = delay(random);
    (i % 3 ? a : b).observe(v);
    all.observe(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  for (double q : {0.01, 0.5, 0.9, 0.99}) CHECK(*a.quantile(q) == *all.quantile(q));
}
