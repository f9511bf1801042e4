#include "outputs/report_merge.h"

#include <catch2/catch.hpp>

#include "analysis/rfc6076_sum.h"
#include "analysis/series_report.h"
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

namespace {

Rfc6076Report attempts_block(std::uint64_t attempts, std::uint64_t established, std::uint64_t pending,
                             std::initializer_list<double> srd = {}) {
  Rfc6076Report r;
  r.sessions.attempts = attempts;
  r.sessions.established = established;
  r.sessions.pending = pending;
  r.sessions.closed[ClosedOutcome::completed] = established;
  for (double v : srd) r.srd.observe(v);
  return r;
}

SeriesInterval minute(int m, const Rfc6076Report& total, std::vector<SeriesPeer> peers) {
  constexpr std::int64_t kMinute = 60'000'000'000;
  SeriesInterval item;
  item.start_ns = 1'700'000'040'000'000'000 + m * kMinute;  // a multiple of 60 s
  item.end_ns = item.start_ns + kMinute;
  item.rfc6076 = SeriesFigures::between(total, Rfc6076Report{});
  item.peers = std::move(peers);
  return item;
}

SeriesPeer peer_in(std::uint16_t peer, const Rfc6076Report& figures) {
  return SeriesPeer{peer, SeriesFigures::between(figures, Rfc6076Report{})};
}

// A --peers --interval 60s report: peers carrier_a (0) and other (1).
Report with_peers(std::vector<SeriesInterval> intervals, const Rfc6076Report& carrier_a, const Rfc6076Report& other) {
  Report r;
  r.capture.files = {"x.pcap"};
  r.rfc6076 = carrier_a;
  add_rfc6076(*r.rfc6076, other, PendingRule::sum);
  r.peers["carrier_a"].rfc6076 = carrier_a;
  r.peers["other"].rfc6076 = other;
  auto series = std::make_shared<SeriesReport>();
  series->interval_ns = 60'000'000'000;
  series->peer_names = {"carrier_a", "other"};
  series->intervals = std::move(intervals);
  r.series = series;
  return r;
}

}  // namespace

TEST_CASE("per-peer figures and per-peer series merge as one replay's, pending carried", "[merge][peer]") {
  // Hand-worked. Shard a: minute 0, carrier_a's first attempt, still ringing at the end
  // (pending); minute 1, only "other" moves (1 attempt established), so carrier_a is left
  // out of a's minute 1 with its attempt still pending. Shard b: minute 1, two carrier_a attempts
  // established (SRD 0.25 s and 0.5 s).
  const Report a = with_peers({minute(0, attempts_block(1, 0, 1), {peer_in(0, attempts_block(1, 0, 1))}),
                               minute(1, attempts_block(1, 1, 1), {peer_in(1, attempts_block(1, 1, 0))})},
                              attempts_block(1, 0, 1), attempts_block(1, 1, 0));
  const Report b =
      with_peers({minute(1, attempts_block(2, 2, 0, {0.25, 0.5}), {peer_in(0, attempts_block(2, 2, 0, {0.25, 0.5}))})},
                 attempts_block(2, 2, 0, {0.25, 0.5}), attempts_block(0, 0, 0));
  // One replay of both: carrier_a in minute 1 has b's two attempts and a's pending one.
  const Report both =
      with_peers({minute(0, attempts_block(1, 0, 1), {peer_in(0, attempts_block(1, 0, 1))}),
                  minute(1, attempts_block(3, 3, 1, {0.25, 0.5}),
                         {peer_in(0, attempts_block(2, 2, 1, {0.25, 0.5})), peer_in(1, attempts_block(1, 1, 0))})},
                 attempts_block(3, 2, 1, {0.25, 0.5}), attempts_block(1, 1, 0));
  Report want_report = both;
  want_report.capture.files = {"x.pcap", "x.pcap"};
  auto merged = merge_reports({{"a.json", report_of(a)}, {"b.json", report_of(b)}});
  REQUIRE(merged);
  const Json want = report_of(want_report);
  CHECK((*merged)["peers"] == want["peers"]);
  CHECK((*merged)["series"] == want["series"]);
  CHECK(*merged == want);
  CHECK((*merged)["series"][1]["peers"]["carrier_a"]["rfc6076"]["pending"] == 1);
  CHECK((*merged)["peers"]["carrier_a"]["rfc6076"]["srd"]["max"] == 0.5);
  CHECK((*merged)["peers"]["carrier_a"]["delay_sketches"]["srd"]["count"] == 2);
}
