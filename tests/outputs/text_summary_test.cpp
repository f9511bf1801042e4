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
  r.sessions.redirected = 2;  // out of SER/SEER: their denominator is 6
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

TEST_CASE("the summary shows every outcome of the attempts and the RFC 6076 ratios", "[text-summary]") {
  Report report = report_with_calls();
  report.rfc6076->sessions.cancelled = 0;
  report.table_evictions.add(EvictingTable::session_attempts, 3);
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "attempts") ==
        "8: 4 established, 0 cancelled, 0 failed, 1 ineffective (0 timed out), 2 redirected, 1 pending, 3 evicted");
  CHECK(value_of(summary, "ratios") == "SER 66.7%, SEER 83.3%, ISA 12.5%, SCR 37.5%, ASR 50.0%, NER 87.5%");
  CHECK(value_of(summary, "registrations") == "4 (3 succeeded, 0 pending): IRA 25.0%");
  CHECK(value_of(summary, "dialogs") == "1 active, 1 evicted (4 established, 2 terminated, 0 expired)");
}

TEST_CASE("cancelled, failed and timed-out attempts are named", "[text-summary]") {
  Report report = report_with_calls();
  report.rfc6076->sessions =
      SessionCounts{.attempts = 9, .established = 1, .ineffective = 3, .cancelled = 2, .failed = 3, .timeouts = 2};
  CHECK(value_of(render_text_summary(report), "attempts") ==
        "9: 1 established, 2 cancelled, 3 failed, 3 ineffective (2 timed out), 0 redirected, 0 pending, 0 evicted");
}

TEST_CASE("INVITE final codes from 300 up are all listed with their standard phrases", "[text-summary]") {
  Report report = report_with_calls();
  report.responses[Method::invite] = {{100, 9}, {180, 7}, {200, 4}, {302, 1}, {404, 1},
                                      {480, 1}, {486, 2}, {487, 1}, {503, 1}, {699, 1}};
  report.responses[Method::subscribe] = {{404, 5}};
  const std::string summary = render_text_summary(report);
  // 699 is defined by no RFC: shown bare. The SUBSCRIBE 404s stay out of the INVITE line.
  CHECK(value_of(summary, "invite >= 300") ==
        "302 Moved Temporarily 1, 404 Not Found 1, 480 Temporarily Unavailable 1, 486 Busy Here 2, "
        "487 Request Terminated 1, 503 Service Unavailable 1, 699 1");
}

TEST_CASE("responses are shown per method, every code, the busiest method first", "[text-summary]") {
  Report report = report_with_calls();
  report.responses[Method::invite] = {{100, 3}, {180, 3}, {200, 2}, {404, 1}, {480, 1}, {486, 1}, {487, 1}, {503, 1}};
  report.responses[Method::subscribe] = {{404, 2}};
  report.responses[Method::bye] = {{200, 2}, {481, 1}};
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "responses") == "INVITE: 100 3, 180 3, 200 2, 404 1, 480 1, 486 1, 487 1, 503 1");
  CHECK(summary.find("\n              BYE: 200 2, 481 1\n") != std::string::npos);
  CHECK(summary.find("\n              SUBSCRIBE: 404 2\n") != std::string::npos);
  CHECK(summary.find("BYE:") < summary.find("SUBSCRIBE:"));
}

TEST_CASE("requests are all listed, however many methods", "[text-summary]") {
  Report report = report_with_calls();
  const std::pair<Method, std::uint64_t> counts[] = {
      {Method::invite, 9},  {Method::ack, 8},       {Method::bye, 7},       {Method::cancel, 6},
      {Method::options, 5}, {Method::register_, 4}, {Method::subscribe, 3}, {Method::notify, 2}};
  for (const auto& [method, n] : counts) report.requests.standard[static_cast<std::size_t>(method)] = n;
  CHECK(value_of(render_text_summary(report), "requests") ==
        "INVITE 9, ACK 8, BYE 7, CANCEL 6, OPTIONS 5, REGISTER 4, SUBSCRIBE 3, NOTIFY 2");
}

TEST_CASE("the capture's duration and the call rate", "[text-summary]") {
  Report report = report_with_calls();
  report.capture.first_ts_ns = 1'000'000'000;
  report.capture.last_ts_ns = 5'000'000'000;  // 4 s for 8 attempts
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "duration") == "4.000 s");
  CHECK(value_of(summary, "call rate") == "2.00 attempts/s");
  report.capture.last_ts_ns = 5'401'000'000'000;  // an hour and a half: 8 attempts are a trickle
  CHECK(value_of(render_text_summary(report), "duration") == "5400.000 s (1:30:00)");
  CHECK(value_of(render_text_summary(report), "call rate") == "0.00148 attempts/s");
  report.capture.last_ts_ns = report.capture.first_ts_ns;  // one packet: no rate
  CHECK(value_of(render_text_summary(report), "call rate") == "-");
}

TEST_CASE("delays below a second are shown in milliseconds", "[text-summary]") {
  CHECK(format_delay(std::nullopt) == "-");
  CHECK(format_delay(0.000120) == "0.120 ms");
  CHECK(format_delay(0.001155) == "1.155 ms");
  CHECK(format_delay(0.075) == "75.00 ms");
  CHECK(format_delay(0.25) == "250.0 ms");
  CHECK(format_delay(1.5) == "1.500 s");
  CHECK(format_delay(15.0) == "15.000 s");
  Report report = report_with_calls();
  const DelayHistogram& srd = report.rfc6076->srd;
  const std::string expected =
      "SRD p50 " + format_delay(srd.quantile(0.5)) + ", p90 " + format_delay(srd.quantile(0.9)) + ", max 100.0 ms (3)";
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "delays") == expected);
  CHECK(expected.find(" ms,") != std::string::npos);
  CHECK(summary.find("\n              SDT mean 15.000 s\n") != std::string::npos);
}

TEST_CASE("ratios and delays without a denominator or an observation show '-'", "[text-summary]") {
  Report report = report_with_calls();
  report.rfc6076->sessions = SessionCounts{};
  report.rfc6076->registrations = RegistrationCounts{};
  report.rfc6076->srd = DelayHistogram{};
  report.rfc6076->sdt = DelayHistogram{};
  const std::string summary = render_text_summary(report);
  CHECK(value_of(summary, "ratios") == "SER -, SEER -, ISA -, SCR -, ASR -, NER -");
  CHECK(value_of(summary, "registrations") == "0 (0 succeeded, 0 pending): IRA -");
  CHECK(value_of(summary, "delays") == "SRD -");
  CHECK(value_of(summary, "invite >= 300") == "-");
}

TEST_CASE("a report without the calls layer has no call lines", "[text-summary]") {
  Report report;
  report.capture.files = {"empty.pcap"};
  const std::string summary = render_text_summary(report);
  CHECK(has_label(summary, "files"));
  CHECK_FALSE(has_label(summary, "attempts"));
  CHECK_FALSE(has_label(summary, "registrations"));
  CHECK_FALSE(has_label(summary, "delays"));
  CHECK_FALSE(has_label(summary, "call rate"));
  CHECK_FALSE(has_label(summary, "dialogs"));
}

TEST_CASE("every summary line puts its value in the same column", "[text-summary]") {
  const std::string summary = render_text_summary(report_with_calls());
  std::istringstream lines(summary);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    REQUIRE(line.size() > 14);
    // A label never runs into its value.
    CHECK(line[13] == ' ');
    CHECK(line[14] != ' ');
  }
}

TEST_CASE("live's status line: packets, SIP messages, attempts, SER, drops", "[text-summary]") {
  Report report = report_with_calls();
  report.capture.packets = 1200;
  report.capture.sip_messages = 1100;
  CHECK(render_status_line(report) == "1200 packets, 1100 SIP messages, 8 attempts, SER 66.7%");
  report.capture.live = LiveCaptureReport{};
  report.capture.live->drops = {{"ringbuf_full", 3}, {"truncated", 2}};
  CHECK(render_status_line(report) == "1200 packets, 1100 SIP messages, 8 attempts, SER 66.7%, 5 drops");
}
