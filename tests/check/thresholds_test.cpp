#include <catch2/catch.hpp>

#include "check/thresholds.h"
#include "check_fixtures.h"

using namespace sipmon;
using namespace sipmon::test;

TEST_CASE("thresholds parse with or without spaces, for every operator", "[check][thresholds]") {
  const std::vector<std::pair<std::string, ThresholdOp>> cases{
      {"rfc6076.ser>=95", ThresholdOp::greater_equal},
      {"rfc6076.ser >= 95", ThresholdOp::greater_equal},
      {"  rfc6076.ser<=95  ", ThresholdOp::less_equal},
      {"rfc6076.ser > 95", ThresholdOp::greater},
      {"rfc6076.ser<95", ThresholdOp::less},
      {"rfc6076.ser == 95", ThresholdOp::equal},
      {"rfc6076.ser!= 95", ThresholdOp::not_equal},
  };
  for (const auto& [spec, op] : cases) {
    INFO(spec);
    auto threshold = parse_threshold(spec);
    REQUIRE(threshold);
    CHECK(threshold->path == "rfc6076.ser");
    CHECK(threshold->op == op);
    CHECK(threshold->value == 95.0);
    CHECK(threshold->text() == "rfc6076.ser " + std::string(threshold_op_text(op)) + " 95");
  }
  auto fractional = parse_threshold("rfc6076.srd.p90<=0.25");
  REQUIRE(fractional);
  CHECK(fractional->value == 0.25);
  CHECK(fractional->value_text == "0.25");
  auto signed_value = parse_threshold("responses.503 <= +1e1");
  REQUIRE(signed_value);
  CHECK(signed_value->value == 10.0);
}

TEST_CASE("malformed thresholds are errors that quote the input", "[check][thresholds]") {
  for (const std::string spec : {"rfc6076.ser", "rfc6076.ser = 95", ">= 95", "rfc6076.ser >=", "rfc6076.ser >= abc",
                                 "rfc6076.ser >= 95%", "rfc 6076.ser >= 95", "rfc6076..ser>=1", ".ser>=1",
                                 "rfc6076.ser => 95", "rfc6076.ser >= nan", "rfc6076.ser >= inf", "a ! 1"}) {
    INFO(spec);
    auto threshold = parse_threshold(spec);
    REQUIRE_FALSE(threshold);
    CHECK(threshold.error().kind == ErrorKind::usage);
    CHECK_THAT(threshold.error().message, Catch::Contains("'" + spec + "'") && Catch::Contains(">= <= > < == !="));
  }
  CHECK_THAT(parse_threshold("a = 1").error().message, Catch::Contains("use '=='"));
}

TEST_CASE("thresholds hold or fail against the figures of a report", "[check][thresholds]") {
  const ReportDocument report = document(full_report_json());
  auto evaluate = [&](std::string_view spec) { return evaluate_threshold(*parse_threshold(spec), report); };

  CHECK(evaluate("rfc6076.ser >= 90").outcome == ThresholdOutcome::passed);  // 9/10 = 90 %
  CHECK(evaluate("rfc6076.ser > 90").outcome == ThresholdOutcome::failed);
  CHECK(evaluate("rfc6076.ser == 90").outcome == ThresholdOutcome::passed);
  CHECK(evaluate("rfc6076.ser != 90").outcome == ThresholdOutcome::failed);
  CHECK(evaluate("rfc6076.isa < 10.5").outcome == ThresholdOutcome::passed);
  CHECK(evaluate("rfc6076.isa <= 5").outcome == ThresholdOutcome::failed);
  CHECK(evaluate("responses.503 == 1").outcome == ThresholdOutcome::passed);

  const ThresholdResult failed = evaluate("responses.503==0");
  CHECK(failed.outcome == ThresholdOutcome::failed);
  CHECK(failed.value == ReportJson(1));
  CHECK_THAT(failed.message, Catch::Contains("responses.503 is 1") && Catch::Contains("responses.503 == 0"));
}

TEST_CASE("a count absent from a count map is 0, not an unknown path", "[check][thresholds]") {
  const ReportDocument report = document(full_report_json());
  const ThresholdResult result = evaluate_threshold(*parse_threshold("responses.486 == 0"), report);
  CHECK(result.outcome == ThresholdOutcome::passed);
  CHECK(evaluate_threshold(*parse_threshold("requests.REGISTER > 0"), report).outcome == ThresholdOutcome::failed);
}

TEST_CASE("a path that names no figure is an error, not a pass", "[check][thresholds]") {
  const ReportDocument report = document(full_report_json());
  const ThresholdResult typo = evaluate_threshold(*parse_threshold("rfc6076.sre >= 95"), report);
  CHECK(typo.outcome == ThresholdOutcome::error);
  CHECK_THAT(typo.message, Catch::Contains("no figure rfc6076.sre"));

  const ThresholdResult section = evaluate_threshold(*parse_threshold("rfc6076.srd >= 1"), report);
  CHECK(section.outcome == ThresholdOutcome::error);
  CHECK_THAT(section.message, Catch::Contains("section") && Catch::Contains("rfc6076.srd."));

  ReportJson without = full_report_json();
  without.erase("rfc6076");
  const ThresholdResult missing = evaluate_threshold(*parse_threshold("rfc6076.ser>=95"), document(without));
  CHECK(missing.outcome == ThresholdOutcome::error);
  CHECK_THAT(missing.message, Catch::Contains("no 'rfc6076' section"));

  const ThresholdResult text = evaluate_threshold(*parse_threshold("sipmon_version == 1"), report);
  CHECK(text.outcome == ThresholdOutcome::error);
  CHECK_THAT(text.message, Catch::Contains("not a number"));
}

TEST_CASE("a null figure fails a numeric threshold and says it is null", "[check][thresholds]") {
  const ReportDocument report = document(full_report_json());
  for (const char* spec : {"rfc6076.ira <= 5", "rfc6076.ira != 5", "rfc6076.rrd.p90 < 1"}) {
    INFO(spec);
    const ThresholdResult result = evaluate_threshold(*parse_threshold(spec), report);
    CHECK(result.outcome == ThresholdOutcome::failed);
    CHECK(result.value == ReportJson(nullptr));
    CHECK_THAT(result.message, Catch::Contains("is null"));
  }
}
