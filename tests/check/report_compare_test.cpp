#include <catch2/catch.hpp>

#include "check/report_compare.h"
#include "check_fixtures.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

Comparison compare(const ReportJson& baseline, const ReportJson& now, const CompareOptions& options = {}) {
  auto comparison = compare_reports(document(baseline, "base.json"), document(now, "now.json"), options);
  if (!comparison) throw std::runtime_error(comparison.error().message);
  return std::move(*comparison);
}

const FigureResult* find(const Comparison& comparison, std::string_view path) {
  for (const FigureResult& figure : comparison.figures) {
    if (figure.path == path) return &figure;
  }
  return nullptr;
}

// A report with one figure set to `value`; the path is a JSON pointer.
ReportJson with(std::string_view pointer, ReportJson value) {
  ReportJson json = full_report_json();
  json[ReportJson::json_pointer(std::string(pointer))] = std::move(value);
  return json;
}

}  // namespace

TEST_CASE("a report compared with itself passes, every figure equal", "[check][compare]") {
  const Comparison comparison = compare(full_report_json(), full_report_json());
  CHECK(comparison.failures == 0);
  CHECK(comparison.regressions == 0);
  CHECK(comparison.improvements == 0);
  REQUIRE(comparison.figures.size() > 40);
  for (const FigureResult& figure : comparison.figures) {
    INFO(figure.path);
    CHECK(figure.verdict == Verdict::equal);
  }
}

TEST_CASE("metadata is never compared", "[check][compare]") {
  ReportJson now = full_report_json();
  now["sipmon_version"] = "9.9.9";
  now["capture"]["files"] = {"other.pcap", "more.pcap"};
  now["capture"]["first_ts"] = "2030-01-01T00:00:00.000000Z";
  now["capture"]["last_ts"] = nullptr;
  now["capture"]["read_errors"] = ReportJson::array({{{"file", "x"}, {"packet", 3}, {"error", "truncated"}}});
  const Comparison comparison = compare(full_report_json(), now);
  CHECK(comparison.failures == 0);
  for (const char* path : {"sipmon_version", "schema_version", "capture.files.0", "capture.first_ts", "capture.last_ts",
                           "capture.read_errors.0.packet"}) {
    INFO(path);
    CHECK(find(comparison, path) == nullptr);
  }
}

TEST_CASE("any change of a count fails, whatever the tolerance", "[check][compare]") {
  CompareOptions loose;
  loose.default_tolerance = 0.5;
  for (const char* pointer : {"/capture/packets", "/responses/200", "/rfc6076/session_attempts", "/rfc6076/srd/count",
                              "/dialogs/active", "/retransmissions/responses"}) {
    INFO(pointer);
    ReportJson now = full_report_json();
    const std::uint64_t before = now[ReportJson::json_pointer(pointer)].get<std::uint64_t>();
    now[ReportJson::json_pointer(pointer)] = before + 1;
    const Comparison comparison = compare(full_report_json(), now, loose);
    CHECK(comparison.failures == 1);
    CHECK(comparison.regressions == 1);
    std::string path = std::string(pointer).substr(1);
    std::replace(path.begin(), path.end(), '/', '.');
    const FigureResult* figure = find(comparison, path);
    REQUIRE(figure);
    CHECK(figure->failed);
    CHECK(figure->verdict == Verdict::changed);
    CHECK_THAT(figure->message,
               Catch::Contains("from " + std::to_string(before) + " to " + std::to_string(before + 1)));
  }
}

TEST_CASE("a code that appears or disappears is a count change from or to 0", "[check][compare]") {
  ReportJson now = full_report_json();
  now["responses"].erase("503");
  now["responses"]["486"] = 2;
  const Comparison comparison = compare(full_report_json(), now);
  CHECK(comparison.failures == 2);
  const FigureResult* gone = find(comparison, "responses.503");
  REQUIRE(gone);
  CHECK(gone->now == ReportJson(0));
  CHECK(gone->verdict == Verdict::changed);
  const FigureResult* appeared = find(comparison, "responses.486");
  REQUIRE(appeared);
  CHECK(appeared->baseline == ReportJson(0));
  CHECK(appeared->verdict == Verdict::changed);
}

TEST_CASE("a higher-is-better ratio fails only when worse beyond the tolerance", "[check][compare]") {
  // Baseline SER 90 %: the default 5 % relative tolerance allows down to 85.5.
  const Comparison within = compare(full_report_json(), with("/rfc6076/ser", 85.5));
  CHECK(within.failures == 0);
  CHECK(find(within, "rfc6076.ser")->verdict == Verdict::within_tolerance);
  CHECK(find(within, "rfc6076.ser")->allowed == ">= 85.5");

  const Comparison worse = compare(full_report_json(), with("/rfc6076/ser", 85.4));
  CHECK(worse.failures == 1);
  const FigureResult* ser = find(worse, "rfc6076.ser");
  CHECK(ser->verdict == Verdict::regressed);
  CHECK_THAT(ser->message, Catch::Contains("90.0 -> 85.4") && Catch::Contains("higher is better"));

  const Comparison better = compare(full_report_json(), with("/rfc6076/seer", 100.0));
  CHECK(better.failures == 0);
  CHECK(better.improvements == 1);
  CHECK(find(better, "rfc6076.seer")->verdict == Verdict::improved);
}

TEST_CASE("lower-is-better ratios and every delay statistic fail when they rise beyond the tolerance",
          "[check][compare]") {
  for (const char* pointer : {"/rfc6076/isa", "/rfc6076/srd/mean", "/rfc6076/srd/p50", "/rfc6076/srd/p90",
                              "/rfc6076/srd/p99", "/rfc6076/srd/max", "/rfc6076/sdt/p90", "/rfc6076/srd_failed/max"}) {
    INFO(pointer);
    const double before = full_report_json()[ReportJson::json_pointer(pointer)].get<double>();
    const Comparison worse = compare(full_report_json(), with(pointer, before * 1.2));
    CHECK(worse.failures == 1);
    CHECK(worse.regressions == 1);
    const Comparison slightly = compare(full_report_json(), with(pointer, before * 1.04));
    CHECK(slightly.failures == 0);
    const Comparison better = compare(full_report_json(), with(pointer, before * 0.5));
    CHECK(better.failures == 0);
    CHECK(better.improvements == 1);
  }
}

TEST_CASE("strict mode fails on improvements", "[check][compare]") {
  CompareOptions strict;
  strict.strict = true;
  const Comparison comparison = compare(full_report_json(), with("/rfc6076/srd/p90", 0.001), strict);
  CHECK(comparison.failures == 1);
  CHECK(comparison.regressions == 0);
  CHECK(comparison.improvements == 1);
  const FigureResult* p90 = find(comparison, "rfc6076.srd.p90");
  CHECK(p90->failed);
  CHECK_THAT(p90->message, Catch::Contains("--strict"));
}

TEST_CASE("a ratio that turns null, or stops being null, is a failure that says so", "[check][compare]") {
  const Comparison to_null = compare(full_report_json(), with("/rfc6076/ser", nullptr));
  CHECK(to_null.failures == 1);
  const FigureResult* ser = find(to_null, "rfc6076.ser");
  CHECK(ser->verdict == Verdict::null_changed);
  CHECK_THAT(ser->message, Catch::Contains("now null"));

  const Comparison from_null = compare(full_report_json(), with("/rfc6076/ira", 12.5));
  const FigureResult* ira = find(from_null, "rfc6076.ira");
  CHECK(ira->failed);
  CHECK(ira->verdict == Verdict::null_changed);
  CHECK_THAT(ira->message, Catch::Contains("was null") && Catch::Contains("12.5"));

  // Both null (no registrations in either): equal.
  CHECK(find(compare(full_report_json(), full_report_json()), "rfc6076.rrd.p90")->verdict == Verdict::equal);
}

TEST_CASE("ignored paths leave out a figure or a whole section", "[check][compare]") {
  ReportJson now = full_report_json();
  now["capture"]["bytes"] = 1;
  now["capture"]["packets"] = 1;
  now["responses"]["200"] = 1;
  CompareOptions options;
  REQUIRE(add_ignore_spec(options, "capture"));
  REQUIRE(add_ignore_spec(options, "responses.200"));
  const Comparison comparison = compare(full_report_json(), now, options);
  CHECK(comparison.failures == 0);
  CHECK(find(comparison, "capture.bytes") == nullptr);
  CHECK(find(comparison, "responses.200") == nullptr);
  CHECK(find(comparison, "responses.100") != nullptr);

  CompareOptions wildcard;
  REQUIRE(add_ignore_spec(wildcard, "capture.*"));
  CHECK(compare(full_report_json(), now, wildcard).failures == 1);  // responses.200 still compared
  CHECK_FALSE(add_ignore_spec(wildcard, ""));
  CHECK_FALSE(add_ignore_spec(wildcard, "a..b"));
}

TEST_CASE("an ignore prefix matches whole path components", "[check][compare]") {
  CompareOptions options;
  REQUIRE(add_ignore_spec(options, "rfc6076.sd"));
  CHECK_FALSE(options.is_ignored("rfc6076.sdd.p90"));
  CHECK(options.is_ignored("rfc6076.sd"));
  CHECK(options.is_ignored("rfc6076.sd.x"));
}

TEST_CASE("tolerances: global, per path and per section, the longest match wins", "[check][compare]") {
  CompareOptions options;
  REQUIRE(add_tolerance_spec(options, "0.1"));
  REQUIRE(add_tolerance_spec(options, "rfc6076.srd=0.5"));
  REQUIRE(add_tolerance_spec(options, "rfc6076.srd.p90 = 0"));
  CHECK(options.tolerance("rfc6076.ser").value == 0.1);
  CHECK(options.tolerance("rfc6076.srd.mean").value == 0.5);
  CHECK(options.tolerance("rfc6076.srd.p90").value == 0.0);
  CHECK(options.tolerance("rfc6076.srd_failed.p90").value == 0.1);

  const double p50 = full_report_json()["rfc6076"]["srd"]["p50"].get<double>();
  CHECK(compare(full_report_json(), with("/rfc6076/srd/p50", p50 * 1.4), options).failures == 0);
  const double p90 = full_report_json()["rfc6076"]["srd"]["p90"].get<double>();
  CHECK(compare(full_report_json(), with("/rfc6076/srd/p90", p90 + 0.000001), options).failures == 1);
  CHECK(compare(full_report_json(), with("/rfc6076/ser", 82.0), options).failures == 0);  // >= 81

  for (const char* bad : {"", "abc", "-0.1", "x=", "=0.1", "a b=0.1", "x=nan", "5%"}) {
    INFO(bad);
    auto added = add_tolerance_spec(options, bad);
    REQUIRE_FALSE(added);
    CHECK_THAT(added.error().message, Catch::Contains("--tolerance"));
  }
}

TEST_CASE("a tolerance given for a count path allows that count to move either way", "[check][compare]") {
  CompareOptions options;
  REQUIRE(add_tolerance_spec(options, "requests.INVITE=0.1"));
  CHECK(compare(full_report_json(), with("/requests/INVITE", 11), options).failures == 0);
  CHECK(compare(full_report_json(), with("/requests/INVITE", 9), options).failures == 0);
  CHECK(compare(full_report_json(), with("/requests/INVITE", 12), options).failures == 1);
  CHECK(compare(full_report_json(), with("/requests/ACK", 11), options).failures == 1);  // only that path
}

TEST_CASE("an absolute tolerance replaces the relative one for its path", "[check][compare]") {
  // The loopback case from the issue: srd.p99 0.001155 -> 0.002742 s in two identical SIPp runs,
  // +137 %, which no sensible relative tolerance allows; +5 ms does.
  ReportJson baseline = with("/rfc6076/srd/p99", 0.001155);
  CompareOptions relative;
  CHECK(compare(baseline, with("/rfc6076/srd/p99", 0.002742), relative).failures == 1);

  CompareOptions options;
  REQUIRE(add_tolerance_spec(options, "rfc6076.srd=+5ms"));
  const Comparison passed = compare(baseline, with("/rfc6076/srd/p99", 0.002742), options);
  CHECK(passed.failures == 0);
  const FigureResult* p99 = find(passed, "rfc6076.srd.p99");
  REQUIRE(p99);
  CHECK(p99->verdict == Verdict::within_tolerance);
  CHECK(p99->allowed == "<= 0.006155");
  CHECK_THAT(p99->message, Catch::Contains("+5 ms"));
  // 0.001155 + 0.005 = 0.006155: one microsecond more fails.
  CHECK(compare(baseline, with("/rfc6076/srd/p99", 0.006156), options).failures == 1);
  CHECK(compare(baseline, with("/rfc6076/srd/p99", 0.006155), options).failures == 0);

  // Ratios in percentage points: a SER of 95 may drop to 94.5 with +0.5, not to 94.4.
  CompareOptions points;
  REQUIRE(add_tolerance_spec(points, "rfc6076.ser=+0.5"));
  REQUIRE(add_tolerance_spec(points, "0"));  // no relative slack anywhere else
  const ReportJson ser95 = with("/rfc6076/ser", 95.0);
  CHECK(compare(ser95, with("/rfc6076/ser", 94.5), points).failures == 0);
  CHECK(compare(ser95, with("/rfc6076/ser", 94.4), points).failures == 1);
  // Counts in units, either way.
  CompareOptions units;
  REQUIRE(add_tolerance_spec(units, "requests.INVITE=+2"));
  CHECK(compare(full_report_json(), with("/requests/INVITE", 12), units).failures == 0);
  CHECK(compare(full_report_json(), with("/requests/INVITE", 8), units).failures == 0);
  CHECK(compare(full_report_json(), with("/requests/INVITE", 13), units).failures == 1);

  // Units: s, ms, us; the longest path still wins over a shorter relative one.
  CompareOptions mixed;
  REQUIRE(add_tolerance_spec(mixed, "rfc6076.srd=0.5"));
  REQUIRE(add_tolerance_spec(mixed, "rfc6076.srd.max=+250us"));
  REQUIRE(add_tolerance_spec(mixed, "rfc6076.sdt=+2s"));
  CHECK(mixed.tolerance("rfc6076.srd.max").absolute);
  CHECK(mixed.tolerance("rfc6076.srd.max").value == Approx(0.00025));
  CHECK_FALSE(mixed.tolerance("rfc6076.srd.p90").absolute);
  CHECK(mixed.tolerance("rfc6076.sdt.mean").value == 2.0);
  CHECK(mixed.tolerance("rfc6076.sdt.mean").text() == "+2 s");

  for (const char* bad : {"+5ms", "+0.5", "x=+", "x=+-1", "x=+5min", "x=+ms", "x=++1"}) {
    INFO(bad);
    auto added = add_tolerance_spec(options, bad);
    REQUIRE_FALSE(added);
    CHECK_THAT(added.error().message, Catch::Contains("--tolerance"));
  }
  CHECK_THAT(add_tolerance_spec(options, "+5ms").error().message, Catch::Contains("needs a path"));
}

TEST_CASE("figures missing now fail, figures new since the baseline pass unless strict", "[check][compare]") {
  ReportJson old_baseline = full_report_json();
  old_baseline.erase("dialogs");  // a baseline recorded before dialogs were tracked
  const Comparison upgraded = compare(old_baseline, full_report_json());
  CHECK(upgraded.failures == 0);
  const FigureResult* established = find(upgraded, "dialogs.established");
  REQUIRE(established);
  CHECK(established->verdict == Verdict::new_figure);
  CompareOptions strict;
  strict.strict = true;
  const std::size_t dialog_figures = full_report_json()["dialogs"].size();  // every one is new, or lost
  CHECK(compare(old_baseline, full_report_json(), strict).failures == dialog_figures);

  const Comparison lost = compare(full_report_json(), old_baseline);
  CHECK(lost.failures == dialog_figures);
  CHECK(find(lost, "dialogs.active")->verdict == Verdict::missing);
  CHECK_THAT(find(lost, "dialogs.active")->message, Catch::Contains("missing from the current report"));
}

TEST_CASE("a different schema version is an input error naming the baseline", "[check][compare]") {
  ReportJson future = full_report_json();
  future["schema_version"] = 2;
  auto comparison = compare_reports(document(future, "base.json"), document(full_report_json()), CompareOptions{});
  REQUIRE_FALSE(comparison);
  CHECK(comparison.error().kind == ErrorKind::input);
  CHECK_THAT(comparison.error().message,
             Catch::StartsWith("base.json: schema_version 2") && Catch::Contains("--update-baseline"));
}

TEST_CASE("reports that are not reports are errors naming the file", "[check][compare]") {
  auto not_json = parse_report_document("not json at all", "base.json");
  REQUIRE_FALSE(not_json);
  CHECK_THAT(not_json.error().message, Catch::StartsWith("base.json: not a JSON report: parse error"));

  for (const char* text : {"[1,2]", "{}", "{\"schema_version\": \"1\"}", "{\"schema_version\": 0}", "42"}) {
    INFO(text);
    auto parsed = parse_report_document(text, "base.json");
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("base.json: not a sipmon report"));
  }

  std::string deep = "{\"schema_version\": 1, \"x\": ";
  for (int i = 0; i < 10000; ++i) deep += "[";
  for (int i = 0; i < 10000; ++i) deep += "]";
  deep += "}";
  auto too_deep = parse_report_document(deep, "deep.json");
  REQUIRE_FALSE(too_deep);
  CHECK_THAT(too_deep.error().message, Catch::Contains("nested"));

  // Brackets inside strings are text, not nesting.
  auto quoted =
      parse_report_document("{\"schema_version\": 1, \"s\": \"" + std::string(100, '[') + "\\\"{\"}", "q.json");
  REQUIRE(quoted);
  CHECK(quoted->find("s")->get<std::string>() == std::string(100, '[') + "\"{");

  auto binary = parse_report_document(std::string("\x01\xff\xfe{", 4), "bin.json");
  REQUIRE_FALSE(binary);
  for (const char c : binary.error().message) CHECK((c >= 0x20 && c < 0x7f));

  auto missing = load_report_document("/nonexistent/base.json");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::StartsWith("/nonexistent/base.json: cannot read"));
}

TEST_CASE("figure kinds follow the report contract by path", "[check][compare]") {
  CHECK(classify_figure("rfc6076.ser") == FigureKind::higher_better);
  CHECK(classify_figure("rfc6076.ner") == FigureKind::higher_better);
  CHECK(classify_figure("rfc6076.isa") == FigureKind::lower_better);
  CHECK(classify_figure("rfc6076.ira") == FigureKind::lower_better);
  CHECK(classify_figure("rfc6076.rrd.max") == FigureKind::lower_better);
  CHECK(classify_figure("rfc6076.sdd.min") == FigureKind::lower_better);
  CHECK(classify_figure("rfc6076.closed.scr") == FigureKind::higher_better);
  CHECK(classify_figure("rfc6076.closed.isa") == FigureKind::lower_better);
  CHECK(classify_figure("rfc6076.closed.timed_out") == FigureKind::exact);
  CHECK(classify_figure("timers.timer_b_s") == FigureKind::exact);
  CHECK(classify_figure("rfc6076.rrd.count") == FigureKind::exact);
  CHECK(classify_figure("rfc6076.session_attempts") == FigureKind::exact);
  CHECK(classify_figure("responses.ser") == FigureKind::exact);
  CHECK(classify_figure("capture.files.3") == FigureKind::metadata);
  CHECK(classify_figure("capture.filesystem") == FigureKind::exact);
  // The mergeable form of the delays: the percentiles beside them are what is compared.
  CHECK(classify_figure("delay_sketches.srd.buckets.812") == FigureKind::metadata);
  CHECK(classify_figure("series.3.delay_sketches.sdd.sum") == FigureKind::metadata);
  CHECK(classify_figure("delay_sketchesx") == FigureKind::exact);
  CHECK(classify_figure("media.mos.p50") == FigureKind::higher_better);
  CHECK(classify_figure("media.mos.count") == FigureKind::exact);
  CHECK(classify_figure("media.loss_pct") == FigureKind::lower_better);
  CHECK(classify_figure("media.jitter_ms.p99") == FigureKind::lower_better);
  CHECK(classify_figure("media.start_delay_ms.max") == FigureKind::lower_better);
  CHECK(classify_figure("media.lost") == FigureKind::exact);
  CHECK(is_count_map_entry("requests.FOO.BAR"));
  CHECK(is_count_map_entry("capture.malformed_by_reason.icmp"));
  CHECK_FALSE(is_count_map_entry("requests"));
  CHECK_FALSE(is_count_map_entry("rfc6076.ser"));
}
