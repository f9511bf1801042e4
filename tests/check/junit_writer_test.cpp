#include <algorithm>

#include <catch2/catch.hpp>

#include "check/check_table.h"
#include "check/junit_writer.h"
#include "check_fixtures.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

std::size_t occurrences(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// One failing count, one improvement, one passing, one failing and one erroneous threshold.
CheckOutcome sample_outcome() {
  ReportJson now = full_report_json();
  now["responses"]["200"] = 17;
  now["rfc6076"]["ser"] = 100.0;
  const ReportDocument current = document(now);
  CheckOutcome outcome;
  outcome.baseline_name = "base<1>.json";
  outcome.comparison = *compare_reports(document(full_report_json(), "base<1>.json"), current, CompareOptions{});
  for (const char* spec : {"rfc6076.ser>=95", "responses.503 == 0", "rfc6076.nope<1"}) {
    outcome.thresholds.push_back(evaluate_threshold(*parse_threshold(spec), current));
  }
  return outcome;
}

}  // namespace

TEST_CASE("JUnit has one test case per compared figure and per threshold, with failures explained", "[check][junit]") {
  const CheckOutcome outcome = sample_outcome();
  const std::string xml = render_junit(outcome);
  const std::size_t figures = outcome.comparison->figures.size();

  CHECK_THAT(xml, Catch::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
  CHECK(occurrences(xml, "<testcase ") == figures + 3);
  CHECK(occurrences(xml, "classname=\"sipmon.check.baseline\"") == figures);
  CHECK(occurrences(xml, "classname=\"sipmon.check.threshold\"") == 3);
  CHECK(occurrences(xml, "<failure ") == 2);  // responses.200 and responses.503 == 0
  CHECK(occurrences(xml, "<error ") == 1);    // rfc6076.nope
  CHECK_THAT(xml, Catch::Contains("tests=\"" + std::to_string(figures + 3) + "\" failures=\"2\" errors=\"1\">"));
  CHECK_THAT(xml,
             Catch::Contains("name=\"responses.200\">\n      <failure type=\"changed\" message=\"responses.200: count "
                             "changed from 18 to 17 (counts must match exactly)\">baseline 18, now 17, allowed == 18"));
  CHECK_THAT(xml, Catch::Contains("name=\"rfc6076.ser &gt;= 95\"/>"));
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"baseline base&lt;1&gt;.json\""));
  CHECK_THAT(xml, Catch::Contains("no figure rfc6076.nope"));
  CHECK(render_junit(outcome) == xml);  // no clock, no hash order
}

TEST_CASE("JUnit without a baseline holds only the thresholds", "[check][junit]") {
  CheckOutcome outcome;
  outcome.thresholds.push_back(evaluate_threshold(*parse_threshold("rfc6076.ser>=95"), document(full_report_json())));
  const std::string xml = render_junit(outcome);
  CHECK(occurrences(xml, "<testsuite ") == 1);
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"thresholds\" tests=\"1\" failures=\"1\""));
}

TEST_CASE("XML escaping covers markup and characters XML cannot carry", "[check][junit]") {
  CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(xml_escape(std::string("x\x01y\tz", 5)) == "x\xEF\xBF\xBDy\tz");
}

TEST_CASE("the table lists what differs and a summary line, --verbose lists everything", "[check][table]") {
  const CheckOutcome outcome = sample_outcome();
  const std::string table = render_check_table(outcome, false);
  CHECK_THAT(table, Catch::StartsWith("path "));
  CHECK(occurrences(table, "\n") == 1 + 2 + 2);  // header, responses.200, rfc6076.ser, 2 thresholds
  CHECK_THAT(table, Catch::Contains("FAIL: count changed from 18 to 17"));
  CHECK_THAT(table, Catch::Contains("ok: improved (90.0 -> 100.0)"));
  CHECK_THAT(table, Catch::Contains("ERROR: threshold: no figure rfc6076.nope"));
  // Columns are aligned: the verdict column starts at the same offset on every line.
  std::vector<std::size_t> starts;
  std::size_t line_start = 0;
  for (std::size_t end = table.find('\n'); end != std::string::npos; end = table.find('\n', line_start)) {
    const std::string line = table.substr(line_start, end - line_start);
    const std::size_t at = std::min({line.find("verdict"), line.find("FAIL"), line.find("ok:"), line.find("ERROR")});
    starts.push_back(at);
    line_start = end + 1;
  }
  CHECK(std::adjacent_find(starts.begin(), starts.end(), std::not_equal_to<>()) == starts.end());

  const std::string verbose = render_check_table(outcome, true);
  CHECK(occurrences(verbose, "\n") == 1 + outcome.comparison->figures.size() + 3);
  CHECK(render_check_summary(outcome) ==
        "ERROR: " + std::to_string(outcome.comparison->figures.size()) +
            " figures compared with base<1>.json, 1 regression, 1 improvement, 3 thresholds (1 failed, 1 error)\n");
}
