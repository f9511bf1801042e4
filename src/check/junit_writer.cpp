#include "check/junit_writer.h"

namespace sipmon {
namespace {

struct Suite {
  std::string name;
  std::size_t tests = 0;
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::string cases;
};

void add_case(Suite& suite, std::string_view classname, std::string_view name, std::string_view element,
              std::string_view type, std::string_view message, std::string_view detail) {
  ++suite.tests;
  suite.cases += "    <testcase classname=\"" + xml_escape(classname) + "\" name=\"" + xml_escape(name) + "\"";
  if (element.empty()) {
    suite.cases += "/>\n";
    return;
  }
  if (element == "failure") ++suite.failures;
  if (element == "error") ++suite.errors;
  suite.cases += ">\n      <" + std::string(element) + " type=\"" + xml_escape(type) + "\" message=\"" +
                 xml_escape(message) + "\">" + xml_escape(detail) + "</" + std::string(element) +
                 ">\n    </testcase>\n";
}

std::string render_suite(const Suite& suite) {
  return "  <testsuite name=\"" + xml_escape(suite.name) + "\" tests=\"" + std::to_string(suite.tests) +
         "\" failures=\"" + std::to_string(suite.failures) + "\" errors=\"" + std::to_string(suite.errors) +
         "\" skipped=\"0\">\n" + suite.cases + "  </testsuite>\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab, LF, CR are not allowed in XML 1.0, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string render_junit(const CheckOutcome& outcome) {
  std::vector<Suite> suites;
  if (outcome.comparison) {
    Suite suite;
    suite.name = "baseline " + outcome.baseline_name;
    for (const FigureResult& figure : outcome.comparison->figures) {
      const std::string detail = "baseline " + format_figure(figure.baseline) + ", now " + format_figure(figure.now) +
                                 ", allowed " + figure.allowed;
      add_case(suite, "sipmon.check.baseline", figure.path, figure.failed ? "failure" : "",
               verdict_name(figure.verdict), figure.path + ": " + figure.message, detail);
    }
    suites.push_back(std::move(suite));
  }
  if (!outcome.thresholds.empty()) {
    Suite suite;
    suite.name = "thresholds";
    for (const ThresholdResult& result : outcome.thresholds) {
      const std::string detail = result.threshold.path + " = " + format_figure(result.value);
      switch (result.outcome) {
        case ThresholdOutcome::passed:
          add_case(suite, "sipmon.check.threshold", result.threshold.text(), "", "", "", "");
          break;
        case ThresholdOutcome::failed:
          add_case(suite, "sipmon.check.threshold", result.threshold.text(), "failure", "threshold", result.message,
                   detail);
          break;
        case ThresholdOutcome::error:
          add_case(suite, "sipmon.check.threshold", result.threshold.text(), "error", "invalid threshold",
                   result.message, detail);
          break;
      }
    }
    suites.push_back(std::move(suite));
  }

  std::size_t tests = 0, failures = 0, errors = 0;
  for (const Suite& suite : suites) {
    tests += suite.tests;
    failures += suite.failures;
    errors += suite.errors;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sipmon check\" tests=\"" +
                    std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
                    std::to_string(errors) + "\">\n";
  for (const Suite& suite : suites) xml += render_suite(suite);
  xml += "</testsuites>\n";
  return xml;
}

}  // namespace sipmon
