#include "outputs/report_merge.h"

#include <catch2/catch.hpp>

#include "outputs/json_report.h"

using namespace sipmon;
using Json = nlohmann::ordered_json;

namespace {

// A report as replay writes it, from figures made by hand.
Json report_of(const Report& report) { return Json::parse(render_json_report(report)); }

Report with_delays(std::initializer_list<double> srd, std::uint64_t attempts, std::uint64_t established) {
  Report r;
  r.capture.files = {"x.pcap"};
  r.capture.packets = attempts * 3;
  r.rfc6076.emplace();
  r.rfc6076->sessions.attempts = attempts;
  r.rfc6076->sessions.established = established;
  r.rfc6076->sessions.closed[ClosedOutcome::completed] = established;
  r.rfc6076->sessions.closed[ClosedOutcome::failed] = attempts - established;
  r.rfc6076->sessions.failed = attempts - established;
  for (double v : srd) r.rfc6076->srd.observe(v);
  return r;
}

}  // namespace

TEST_CASE("merged reports have the counts, ratios and percentiles of the figures together", "[merge]") {
  // Binary fractions: their sums are exact in any order, so the sketches' sums compare exactly.
  Report a = with_delays({0.0078125, 0.015625, 0.0234375, 4.5}, 10, 9);
  Report b = with_delays({0.125, 0.25}, 30, 3);
  b.capture.files = {"y.pcap"};
  Report both = with_delays({0.0078125, 0.015625, 0.0234375, 4.5, 0.125, 0.25}, 40, 12);
  both.capture.files = {"x.pcap", "y.pcap"};
  auto merged = merge_reports({{"a.json", report_of(a)}, {"b.json", report_of(b)}});
  REQUIRE(merged);
  const Json want = report_of(both);
  CHECK((*merged)["rfc6076"] == want["rfc6076"]);
  CHECK((*merged)["delay_sketches"] == want["delay_sketches"]);
  CHECK((*merged)["capture"] == want["capture"]);
  CHECK(*merged == want);
  // SER over the sum (12 of 40 = 30 %), not the mean of 90 % and 10 %.
  CHECK((*merged)["rfc6076"]["ser"] == 30.0);
  CHECK((*merged)["rfc6076"]["srd"]["max"] == 4.5);
}

TEST_CASE("reports of different versions or timers are refused, naming both", "[merge]") {
  Json a = report_of(with_delays({0.01}, 1, 1));
  Json b = a;
  b["sipmon_version"] = "0.0.0-elsewhere";
  auto merged = merge_reports({{"a.json", a}, {"b.json", b}});
  REQUIRE_FALSE(merged);
  CHECK_THAT(merged.error().message, Catch::Contains("b.json") && Catch::Contains("a.json") &&
                                         Catch::Contains("sipmon versions") && Catch::Contains("0.0.0-elsewhere"));
  Json c = a;
  c["timers"] = Json{{"timer_b_s", 10.0}, {"timer_c_s", 181.0}, {"timer_f_s", 32.0}};
  merged = merge_reports({{"a.json", a}, {"c.json", c}});
  REQUIRE_FALSE(merged);
  CHECK_THAT(merged.error().message, Catch::Contains("timers"));
}

TEST_CASE("a sketch that does not add up to its count is refused", "[merge]") {
  Json a = report_of(with_delays({0.01, 0.02}, 2, 2));
  Json b = a;
  b["delay_sketches"]["srd"]["count"] = 3;
  auto merged = merge_reports({{"a.json", a}, {"b.json", b}});
  REQUIRE_FALSE(merged);
  CHECK_THAT(merged.error().message, Catch::Contains("b.json") && Catch::Contains("srd"));
  Json c = a;
  c["delay_sketches"]["srd"]["buckets"]["99999"] = 1;
  CHECK_FALSE(merge_reports({{"a.json", a}, {"c.json", c}}));
}
