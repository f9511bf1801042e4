#pragma once
// Reports for the check tests, made by the real JSON renderer so they follow the contract
// (docs/report.md), then edited as a test needs.
#include <string>

#include "analysis/report.h"
#include "check/report_document.h"
#include "outputs/json_report.h"

namespace sipmon::test {

// A report with every optional section filled: 10 attempts, 9 answered, 1 rejected with 503,
// delays measured, no registrations (so `ira` and `rrd` are null).
inline ReportJson full_report_json() {
  Report report;
  report.capture.files = {"a.pcap"};
  report.capture.packets = 40;
  report.capture.bytes = 16000;
  report.capture.first_ts_ns = 1'700'000'000'000'000'000;
  report.capture.last_ts_ns = 1'700'000'010'000'000'000;
  report.capture.sip_messages = 40;
  report.capture.sip_packets = 40;
  report.requests.standard[static_cast<std::size_t>(Method::ack)] = 10;
  report.requests.standard[static_cast<std::size_t>(Method::bye)] = 9;
  report.requests.standard[static_cast<std::size_t>(Method::invite)] = 10;
  report.responses[Method::invite] = {{100, 10}, {180, 9}, {200, 9}, {503, 1}};
  report.responses[Method::bye] = {{200, 9}};
  Rfc6076Report rfc;
  rfc.sessions.attempts = 10;
  rfc.sessions.established = 9;
  rfc.sessions.effective = 9;
  rfc.sessions.ineffective = 1;
  rfc.sessions.completed = 9;
  for (int i = 0; i < 9; ++i) {
    rfc.srd.observe(0.100 + 0.01 * i);
    rfc.sdd.observe(0.002);
    rfc.sdt.observe(5.0);
  }
  rfc.srd_failed.observe(0.050);
  report.rfc6076 = rfc;
  report.retransmissions = RetransmissionCounts{.requests = 0, .responses = 1};
  report.dialogs = DialogCounts{.established = 9, .terminated = 9, .active = 0, .expired = 0, .evicted = 0};
  return report_to_json(report);
}

inline ReportDocument document(const ReportJson& json, std::string name = "report.json") {
  auto parsed = parse_report_document(json.dump(2), std::move(name));
  if (!parsed) throw std::runtime_error(parsed.error().message);
  return std::move(*parsed);
}

}  // namespace sipmon::test
