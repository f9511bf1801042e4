#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "outputs/text_summary.h"

using namespace sipmon;

namespace {

// The text after the label of the line that starts with `label`, or "" if there is none.
std::string value_of(const std::string& summary, const std::string& label) {
  std::istringstream lines(summary);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(label + " ", 0) == 0) return line.substr(line.find_first_not_of(' ', label.size()));
  }
  return "";
}

bool has_label(const std::string& summary, const std::string& label) {
  return summary.find("\n" + label + " ") != std::string::npos || summary.rfind(label + " ", 0) == 0;
}

Report report_with_calls() {
  Report report;
  report.capture.files = {"calls.pcap"};
  Rfc6076Report r;
  r.sessions.attempts = 8;
  r.sessions.established = 4;
  r.sessions.redirected = 2;   // out of SER/SEER: their denominator is 6
  r.sessions.effective = 5;
  r.sessions.ineffective = 1;
  r.sessions.completed = 3;
  r.sessions.pending = 1;
  r.registrations.attempts = 4;
  r.registrations.succeeded = 3;
  r.registrations.ineffective = 1;
  r.srd.observe(0.1);
  r.srd.observe(0.1);
  r.srd.observe(0.1);
  r.sdt.observe(10.0);
  r.sdt.observe(20.0);
  report.rfc6076 = r;
  report.dialogs = DialogCounts{.established = 4, .terminated = 2, .active = 1, .expired = 0, .evicted = 1};
  return report;
}

}  // namespace

TEST_CASE("the summary shows the RFC 6076 ratios with the report's formulas", "[text-summary]") {
  const std::string summary = render_text_summary(report_with_calls());
  CHECK(value_of(summary, "attempts") ==
        "8 (4 established, 1 pending): SER 66.7%, SEER 83.3%, ISA 12.5%, SCR 37.5%, ASR 50.0%, NER 87.5%");
  CHECK(value_of(summary, "registrations") == "4 (3 succeeded, 0 pending): IRA 25.0%");
  CHECK(value_of(summary, "dialogs") == "1 active, 1 evicted (4 established, 2 terminated, 0 expired)");
  // Three SRDs of 100 ms: every percentile is 100 ms (nearest rank, never an interpolation below
  // the smallest delay), as in the JSON report. SDT mean of 10 s and 20 s.
  CHECK(value_of(summary, "delays") == "SRD p50 0.100 s, p90 0.100 s; SDT mean 15.000 s");
}

TEST_CASE("ratios and delays without a denominator or an observation show '-'", "[text-summary]") {
  Report report = report_with_calls();
  report.rfc6076->sessions = SessionCounts{};
  report.rfc6076->registrations = RegistrationCounts{};
  report.rfc6076->srd = DelayHistogram{};
  report.rfc6076->sdt = DelayHistogram{};
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "attempts") == "0 (0 established, 0 pending): SER -, SEER -, ISA -, SCR -, ASR -, NER -");
  CHECK(value_of(summary, "registrations") == "0 (0 succeeded, 0 pending): IRA -");
  CHECK(value_of(summary, "delays") == "SRD p50 -, p90 -; SDT mean -");
}

TEST_CASE("a report without the calls layer has no call lines", "[text-summary]") {
  Report report;
  report.capture.files = {"empty.pcap"};
  const std::string summary = render_text_summary(report);
  CHECK(has_label(summary, "files"));
  CHECK_FALSE(has_label(summary, "attempts"));
  CHECK_FALSE(has_label(summary, "registrations"));
  CHECK_FALSE(has_label(summary, "delays"));
  CHECK_FALSE(has_label(summary, "dialogs"));
}

TEST_CASE("every summary line puts its value in the same column", "[text-summary]") {
  const std::string summary = render_text_summary(report_with_calls());
  std::istringstream lines(summary);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    REQUIRE(line.size() > 14);
    CHECK(line[13] == ' ');
    CHECK(line[14] != ' ');
  }
}
