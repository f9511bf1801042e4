#include <catch2/catch.hpp>

#include <optional>
#include <sstream>
#include <string>

#include "outputs/prometheus_metrics.h"

using namespace sipmon;

namespace {

// The value of one exposition line (the series as rendered, labels sorted by name), or nullopt.
std::optional<double> sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

bool has_family(const std::string& exposition, const std::string& name) {
  return exposition.find("# TYPE " + name + " ") != std::string::npos;
}

bool has_series(const std::string& exposition, const std::string& name) {
  return exposition.find("\n" + name + "{") != std::string::npos;
}

const std::string kOther = R"({carrier="other",source_country="unknown",ua_type="other"})";
const std::string kOtherInvite =
    R"({carrier="other",destination_country="unknown",source_country="unknown",ua_type="other"})";

std::string carrier(const std::string& name) {
  return R"({carrier=")" + name + R"(",source_country="unknown",ua_type="other"})";
}

void add_requests(Report& report, Method method, std::string_view token, int n) {
  for (int i = 0; i < n; ++i) report.requests.count(method, token);
}

// Seven INVITEs on the wire: 4 attempts, a retransmission, an authenticated retry (after a 407)
// and a re-INVITE; the Go exporter's invite_total counts the 4 attempts.
Report call_report() {
  Report report;
  add_requests(report, Method::invite, "INVITE", 7);
  add_requests(report, Method::bye, "BYE", 2);
  add_requests(report, Method::register_, "REGISTER", 3);
  report.responses[Method::invite] = {{200, 3}, {302, 1}, {407, 1}, {486, 1}};
  report.responses[Method::bye] = {{200, 2}};
  report.responses[Method::register_] = {{200, 1}, {401, 1}, {403, 1}};
  report.dialogs = DialogCounts{.active = 2};
  report.rfc6076.emplace();
  SessionCounts& s = report.rfc6076->sessions;
  s.attempts = 4;
  s.established = 2;
  s.redirected = 1;
  s.effective = 3;
  s.ineffective = 0;
  s.closed[ClosedOutcome::completed] = 1;
  report.rfc6076->registrations.succeeded = 1;
  report.rfc6076->rrd.observe(0.020);  // 20 ms
  report.rfc6076->sdt.observe(65.0);   // seconds stay seconds
  report.capture.sip_messages = 21;
  return report;
}

}  // namespace

TEST_CASE("sip-exporter v1.11.0 names without --peers: carrier other, sipmon's figures", "[prometheus][compat]") {
  PrometheusMetrics metrics(PrometheusMetricsOptions{.compat_sip_exporter = true});
  metrics.update(call_report());
  const std::string text = metrics.render();
  // invite_total: attempts, not the 7 INVITE packets (re-INVITE, retransmission, retry left out).
  CHECK(sample(text, "sip_exporter_invite_total" + kOtherInvite) == 4);
  CHECK(sample(text, "sip_exporter_invite_200_total" + kOtherInvite) == 2);
  CHECK(sample(text, "sip_exporter_invite_3xx_total" + kOther) == 1);
  CHECK(sample(text, "sip_exporter_bye_total" + kOther) == 2);
  CHECK(sample(text, "sip_exporter_register_total" + kOther) == 3);
  CHECK(sample(text, "sip_exporter_options_total" + kOther) == 0);
  CHECK_FALSE(has_family(text, "sip_exporter_other_total"));
  // Responses by code over every method; 407 under its own name, every code of the list at 0.
  CHECK(sample(text, "sip_exporter_200_total" + kOther) == 6);
  CHECK(sample(text, "sip_exporter_proxy_authentication_required_total" + kOther) == 1);
  CHECK_FALSE(has_family(text, "sip_exporter_407_total"));
  CHECK(sample(text, "sip_exporter_404_total" + kOther) == 0);
  CHECK_FALSE(has_family(text, "sip_exporter_499_total"));  // not a code the Go exporter counts
  CHECK(sample(text, "sip_exporter_sessions" + kOther) == 2);
  CHECK(sample(text, "sip_exporter_active_dialogs") == 2);
  CHECK(sample(text, "sip_exporter_sdc_total" + kOther) == 1);
  CHECK(sample(text, "sip_exporter_iss_total" + kOther) == 0);
  CHECK(sample(text, "sip_exporter_ser" + kOther) == Approx(100.0 * 2 / 3));
  CHECK(sample(text, "sip_exporter_seer" + kOther) == Approx(100.0));
  CHECK(sample(text, "sip_exporter_asr" + kOther) == Approx(50.0));
  CHECK(sample(text, "sip_exporter_isa" + kOther) == Approx(0.0));
  CHECK(sample(text, "sip_exporter_ner" + kOther) == Approx(100.0));
  CHECK(sample(text, "sip_exporter_register_success_total" + kOther) == 1);
  CHECK(
      sample(
          text,
          R"(sip_exporter_register_failure_total{carrier="other",code="401",source_country="unknown",ua_type="other"})") ==
      1);
  CHECK(
      sample(
          text,
          R"(sip_exporter_register_failure_total{carrier="other",code="403",source_country="unknown",ua_type="other"})") ==
      1);
  // Milliseconds, as the Go exporter: a 20 ms RRD sums to 20 and falls under le="25".
  CHECK(sample(text, "sip_exporter_rrd_sum" + kOther) == Approx(20.0));
  CHECK(sample(text, R"(sip_exporter_rrd_bucket{carrier="other",source_country="unknown",ua_type="other",le="25"})") ==
        1);
  CHECK(sample(text, R"(sip_exporter_rrd_bucket{carrier="other",source_country="unknown",ua_type="other",le="10"})") ==
        0);
  CHECK(sample(text, "sip_exporter_spd_sum" + kOther) == Approx(65.0));
  CHECK(sample(text, "sip_exporter_packets_total") == 21);
  CHECK(text.find("sip_exporter_build_info{version=\"") != std::string::npos);
  CHECK(sample(text, "sipmon_session_attempts_total") == 4);  // sipmon's own names stay
}

TEST_CASE("sip-exporter ratios with no denominator are left out, not shown as 0", "[prometheus][compat]") {
  PrometheusMetrics metrics(PrometheusMetricsOptions{.compat_sip_exporter = true});
  Report report;
  report.rfc6076.emplace();
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, "sip_exporter_invite_total" + kOtherInvite) == 0);
  CHECK_FALSE(has_series(text, "sip_exporter_ser"));
  CHECK_FALSE(has_series(text, "sip_exporter_asr"));
}

TEST_CASE("sip-exporter names with --peers: one carrier per peer for the wire counts", "[prometheus][compat]") {
  PrometheusMetrics metrics(PrometheusMetricsOptions{.compat_sip_exporter = true});
  Report report = call_report();
  PeerCounts carrier_a;
  carrier_a.requests[static_cast<std::size_t>(Method::invite)] = 5;
  carrier_a.requests[static_cast<std::size_t>(Method::bye)] = 2;
  carrier_a.responses = {{200, 4}, {407, 1}};
  PeerCounts other;
  other.requests[static_cast<std::size_t>(Method::invite)] = 2;
  other.responses = {{503, 2}};
  report.peers["carrier_a"] = carrier_a;
  report.peers["other"] = other;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, "sip_exporter_bye_total" + carrier("carrier_a")) == 2);
  CHECK(sample(text, "sip_exporter_bye_total" + carrier("other")) == 0);
  CHECK(sample(text, "sip_exporter_200_total" + carrier("carrier_a")) == 4);
  CHECK(sample(text, "sip_exporter_proxy_authentication_required_total" + carrier("carrier_a")) == 1);
  CHECK(sample(text, "sip_exporter_503_total" + carrier("other")) == 2);
  // Session figures are not split per peer: no carrier gets the whole run's attempts.
  CHECK_FALSE(has_series(text, "sip_exporter_invite_total"));
  CHECK_FALSE(has_series(text, "sip_exporter_ser"));
  CHECK(sample(text, "sip_exporter_active_dialogs") == 2);
}
