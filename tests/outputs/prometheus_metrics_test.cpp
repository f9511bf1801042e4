#include <catch2/catch.hpp>

#include <optional>
#include <sstream>
#include <string>

#include <prometheus/registry.h>

#include "outputs/prometheus_metrics.h"

using namespace sipmon;

namespace {

// The value of one exposition line, e.g. sample(text, "sipmon_packets_total"), or nullopt when
// the series is not exported.
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

const prometheus::ClientMetric* find_series(const std::vector<prometheus::MetricFamily>& families,
                                            const std::string& name, const prometheus::ClientMetric::Label& label) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& l : metric.label) {
        if (l == label) return &metric;
      }
    }
  }
  return nullptr;
}

void add_requests(Report& report, Method method, std::string_view token, int n) {
  for (int i = 0; i < n; ++i) report.requests.count(method, token);
}

}  // namespace

TEST_CASE("label values are bounded: junk methods and codes become other", "[prometheus]") {
  CHECK(code_label(200) == "200");
  CHECK(code_label(100) == "100");
  CHECK(code_label(699) == "699");
  CHECK(code_label(700) == "other");
  CHECK(code_label(999) == "other");
  CHECK(code_label(99) == "other");
  CHECK(code_label(2000) == "other");
  CHECK(capture_drop_label("ring_buffer_full") == "ring_buffer_full");
  CHECK(capture_drop_label("whatever") == "other");

  Report report;
  add_requests(report, Method::invite, "INVITE", 4);
  add_requests(report, Method::other, "REGIStER", 1);  // methods are case-sensitive: an extension
  add_requests(report, Method::other, "FOO", 2);
  report.requests.overflow = 5;  // extension spellings past the table
  report.responses[Method::invite] = {{99, 1}, {200, 1}, {999, 2}};
  report.responses[Method::other] = {{486, 3}};  // the CSeq named an extension method
  PrometheusMetrics metrics;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_sip_requests_total{method="INVITE"})") == 4);
  CHECK(sample(text, R"(sipmon_sip_requests_total{method="other"})") == 8);
  CHECK(sample(text, R"(sipmon_sip_requests_total{method="REGISTER"})") == 0);
  CHECK(text.find("REGIStER") == std::string::npos);
  CHECK(text.find("FOO") == std::string::npos);
  CHECK(sample(text, R"(sipmon_sip_responses_total{code="200",method="INVITE"})") == 1);
  CHECK(sample(text, R"(sipmon_sip_responses_total{code="other",method="INVITE"})") == 3);
  CHECK(sample(text, R"(sipmon_sip_responses_total{code="486",method="other"})") == 3);
  CHECK(text.find("999") == std::string::npos);
}

TEST_CASE("counters follow the report's absolute counts and never go back", "[prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  add_requests(report, Method::invite, "INVITE", 3);
  report.capture.packets = 10;
  report.capture.bytes = 1000;
  report.capture.defects[MessageDefect::sip_missing_cseq] = 2;
  report.capture.outcomes[FrameOutcome::icmp] = 1;
  report.capture.outcomes[FrameOutcome::tcp_segment_buffered] = 4;  // not an anomaly, still a reason
  report.capture.events[DecoderEvent::tcp_gap] = 3;
  report.table_evictions.add(EvictingTable::transactions, 7);
  metrics.update(report);
  metrics.update(report);  // the same figures again add nothing
  std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_sip_requests_total{method="INVITE"})") == 3);
  CHECK(sample(text, "sipmon_packets_total") == 10);
  CHECK(sample(text, "sipmon_bytes_total") == 1000);
  CHECK(sample(text, R"(sipmon_decode_anomalies_total{reason="sip_missing_cseq"})") == 2);
  CHECK(sample(text, R"(sipmon_decode_anomalies_total{reason="icmp"})") == 1);
  CHECK(sample(text, R"(sipmon_decode_anomalies_total{reason="payload_not_sip"})") == 0);
  CHECK(sample(text, R"(sipmon_decode_anomalies_total{reason="tcp_segment_buffered"})") == 4);
  CHECK(sample(text, R"(sipmon_decode_anomalies_total{reason="tcp_gap"})") == 3);
  CHECK(sample(text, R"(sipmon_table_evictions_total{table="transactions"})") == 7);

  report.requests.standard[static_cast<std::size_t>(Method::invite)] = 5;
  report.capture.packets = 25;
  metrics.update(report);
  text = metrics.render();
  CHECK(sample(text, R"(sipmon_sip_requests_total{method="INVITE"})") == 5);
  CHECK(sample(text, "sipmon_packets_total") == 25);

  report.requests.standard[static_cast<std::size_t>(Method::invite)] = 4;  // a counter never decreases
  metrics.update(report);
  CHECK(sample(metrics.render(), R"(sipmon_sip_requests_total{method="INVITE"})") == 5);
}

TEST_CASE("families nothing measured are left out until their section appears", "[prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  metrics.update(report);
  std::string text = metrics.render();
  CHECK(has_family(text, "sipmon_sip_requests_total"));
  CHECK(has_family(text, "sipmon_build_info"));
  CHECK_FALSE(has_family(text, "sipmon_session_attempts_total"));
  CHECK_FALSE(has_family(text, "sipmon_session_request_delay_seconds"));
  CHECK_FALSE(has_family(text, "sipmon_sip_retransmissions_total"));
  CHECK_FALSE(has_family(text, "sipmon_dialogs_active"));
  CHECK_FALSE(has_family(text, "sipmon_capture_drops_total"));
  CHECK_FALSE(has_family(text, "sip_exporter_invite_total"));  // compat is off

  report.retransmissions = RetransmissionCounts{.requests = 2, .responses = 1};
  report.rfc6076.emplace();
  report.rfc6076->sessions.attempts = 10;
  report.rfc6076->sessions.established = 6;
  report.rfc6076->sessions.redirected = 2;
  report.rfc6076->registrations.ineffective = 1;
  report.dialogs = DialogCounts{.established = 6, .terminated = 2, .active = 4};
  metrics.update(report);
  metrics.update_capture_drops({{"ring_buffer_full", 9}, {"socket_drops", 1}, {"x", 2}, {"y", 3}});
  text = metrics.render();
  CHECK(sample(text, R"(sipmon_sip_retransmissions_total{kind="request"})") == 2);
  CHECK(sample(text, R"(sipmon_sip_retransmissions_total{kind="response"})") == 1);
  CHECK(sample(text, "sipmon_session_attempts_total") == 10);
  CHECK(sample(text, "sipmon_sessions_established_total") == 6);
  CHECK(sample(text, "sipmon_sessions_redirected_total") == 2);
  CHECK(sample(text, "sipmon_registrations_ineffective_total") == 1);
  CHECK(sample(text, "sipmon_session_timeouts_total") == 0);
  CHECK(sample(text, "sipmon_dialogs_active") == 4);
  CHECK(sample(text, R"(sipmon_capture_drops_total{reason="ring_buffer_full"})") == 9);
  CHECK(sample(text, R"(sipmon_capture_drops_total{reason="socket_drops"})") == 1);
  CHECK(sample(text, R"(sipmon_capture_drops_total{reason="other"})") == 5);  // unknown reasons summed

  report.dialogs->active = 1;  // a gauge follows the value down
  metrics.update(report);
  CHECK(sample(metrics.render(), "sipmon_dialogs_active") == 1);
}

TEST_CASE("delay histograms keep DelayHistogram's buckets exactly", "[prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  report.rfc6076.emplace();
  DelayHistogram& srd = report.rfc6076->srd;
  for (double v : {0.0005, 0.02, 0.02, 0.3, 1.2, 45.0, 100000.0}) srd.observe(v);
  report.rfc6076->srd_failed.observe(0.7);
  metrics.update(report);
  for (double v : {0.0001, 3.0}) srd.observe(v);  // a second update adds only the new observations
  metrics.update(report);

  const auto families = metrics.registry()->Collect();
  const auto* success = find_series(families, "sipmon_session_request_delay_seconds", {"outcome", "success"});
  const auto* failure = find_series(families, "sipmon_session_request_delay_seconds", {"outcome", "failure"});
  REQUIRE(success != nullptr);
  REQUIRE(failure != nullptr);
  CHECK(success->histogram.sample_count == srd.count());
  CHECK(success->histogram.sample_sum == Approx(srd.sum()));
  REQUIRE(success->histogram.bucket.size() == DelayHistogram::kPrometheusBuckets);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < DelayHistogram::kPrometheusBuckets; ++i) {
    cumulative += srd.prometheus_bucket(i);
    CAPTURE(i);
    CHECK(success->histogram.bucket[i].cumulative_count == cumulative);
    if (i < DelayHistogram::kPrometheusBounds.size())
      CHECK(success->histogram.bucket[i].upper_bound == DelayHistogram::kPrometheusBounds[i]);
  }
  CHECK(failure->histogram.sample_count == 1);
}

TEST_CASE("the exposition is deterministic and names the build", "[prometheus]") {
  Report report;
  add_requests(report, Method::invite, "INVITE", 1);
  add_requests(report, Method::ack, "ACK", 1);
  add_requests(report, Method::bye, "BYE", 1);
  report.responses[Method::invite] = {{100, 1}, {180, 1}, {200, 1}};
  report.responses[Method::bye] = {{200, 1}};
  PrometheusMetrics a;
  PrometheusMetrics b;
  a.update(report);
  b.update(report);
  CHECK(a.render() == b.render());
  CHECK(a.render().find("sipmon_build_info{version=\"") != std::string::npos);
}

TEST_CASE("per-peer families appear with --peers, bounded like the others", "[prometheus][peers]") {
  PrometheusMetrics metrics;
  Report report;
  metrics.update(report);
  CHECK_FALSE(has_family(metrics.render(), "sipmon_peer_sip_requests_total"));
  PeerCounts carrier_a;
  carrier_a.requests[static_cast<std::size_t>(Method::invite)] = 4;
  carrier_a.requests[static_cast<std::size_t>(Method::other)] = 1;  // an extension method
  carrier_a.responses = {{503, 2}, {999, 1}};
  report.peers["carrier_a"] = carrier_a;
  PeerCounts other;
  other.requests[static_cast<std::size_t>(Method::options)] = 1;
  report.peers["other"] = other;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_peer_sip_requests_total{method="INVITE",peer="carrier_a"})") == 4);
  CHECK(sample(text, R"(sipmon_peer_sip_requests_total{method="other",peer="carrier_a"})") == 1);
  CHECK(sample(text, R"(sipmon_peer_sip_requests_total{method="OPTIONS",peer="other"})") == 1);
  CHECK(sample(text, R"(sipmon_peer_sip_responses_total{code="503",peer="carrier_a"})") == 2);
  CHECK(sample(text, R"(sipmon_peer_sip_responses_total{code="other",peer="carrier_a"})") == 1);
}

TEST_CASE("with per-peer RFC 6076 figures the session families carry a peer label", "[prometheus][peers]") {
  PrometheusMetrics metrics;
  Report report;
  report.rfc6076.emplace();
  report.rfc6076->sessions.attempts = 7;
  report.dialogs.emplace();
  PeerCounts carrier_a, quiet, other;
  carrier_a.rfc6076.emplace();
  carrier_a.rfc6076->sessions.attempts = 5;
  carrier_a.rfc6076->sessions.established = 4;
  carrier_a.rfc6076->srd.observe(0.2);
  carrier_a.dialogs = DialogCounts{.established = 4, .active = 1};
  quiet.rfc6076.emplace();  // listed, never talked
  quiet.dialogs.emplace();
  other.rfc6076.emplace();
  other.rfc6076->sessions.attempts = 2;
  other.dialogs.emplace();
  report.peers["carrier_a"] = carrier_a;
  report.peers["quiet"] = quiet;
  report.peers["other"] = other;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_session_attempts_total{peer="carrier_a"})") == 5);
  CHECK(sample(text, R"(sipmon_sessions_established_total{peer="carrier_a"})") == 4);
  CHECK(sample(text, R"(sipmon_session_attempts_total{peer="other"})") == 2);
  CHECK(sample(text, R"(sipmon_dialogs_active{peer="carrier_a"})") == 1);
  CHECK(sample(text, R"(sipmon_session_request_delay_seconds_count{outcome="success",peer="carrier_a"})") == 1);
  CHECK(text.find("peer=\"quiet\"") == std::string::npos);                    // no all-zero series for a silent peer
  CHECK(text.find("\nsipmon_session_attempts_total ") == std::string::npos);  // no unlabelled total
}

TEST_CASE("pending attempts are gauges, and dialogs have a counter for each way they end", "[prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  report.rfc6076.emplace();
  report.rfc6076->sessions = SessionCounts{.attempts = 9, .cancelled = 2, .failed = 3, .pending = 4, .closed = {}};
  report.rfc6076->registrations = RegistrationCounts{.attempts = 5, .succeeded = 3, .pending = 2, .closed = {}};
  report.rfc6076->sdd_timeouts = 1;
  report.dialogs = DialogCounts{.established = 10,
                                .terminated = 6,
                                .active = 1,
                                .expired = 2,
                                .evicted = 1,
                                .early = 7,
                                .terminated_bye_2xx = 3,
                                .terminated_bye_error = 1,
                                .terminated_bye_unanswered = 2,
                                .terminated_error_response = 0};
  metrics.update(report);
  std::string text = metrics.render();
  CHECK(text.find("# TYPE sipmon_session_attempts_pending gauge") != std::string::npos);
  CHECK(text.find("# TYPE sipmon_registration_attempts_pending gauge") != std::string::npos);
  CHECK(sample(text, "sipmon_session_attempts_pending") == 4);
  CHECK(sample(text, "sipmon_registration_attempts_pending") == 2);
  CHECK(sample(text, "sipmon_sessions_cancelled_total") == 2);
  CHECK(sample(text, "sipmon_sessions_failed_total") == 3);
  CHECK(sample(text, "sipmon_registrations_succeeded_total") == 3);
  CHECK(sample(text, "sipmon_session_disconnect_timeouts_total") == 1);
  CHECK(sample(text, "sipmon_dialogs_established_total") == 10);
  CHECK(sample(text, "sipmon_dialogs_expired_total") == 2);
  CHECK(sample(text, "sipmon_dialogs_evicted_total") == 1);
  CHECK(sample(text, "sipmon_dialogs_early_total") == 7);
  CHECK(sample(text, R"(sipmon_dialogs_terminated_total{reason="bye_2xx"})") == 3);
  CHECK(sample(text, R"(sipmon_dialogs_terminated_total{reason="bye_error"})") == 1);
  CHECK(sample(text, R"(sipmon_dialogs_terminated_total{reason="bye_unanswered"})") == 2);
  CHECK(sample(text, R"(sipmon_dialogs_terminated_total{reason="error_response"})") == 0);  // all four always
  // The identity the families are built on: established = terminated + expired + evicted + active.
  CHECK(*sample(text, "sipmon_dialogs_established_total") ==
        3 + 1 + 2 + 0 + *sample(text, "sipmon_dialogs_expired_total") + *sample(text, "sipmon_dialogs_evicted_total") +
            *sample(text, "sipmon_dialogs_active"));

  // Answers arrive: the pending gauges go down, the counters only up.
  report.rfc6076->sessions.pending = 0;
  report.rfc6076->sessions.failed = 7;
  report.rfc6076->registrations.pending = 1;
  report.dialogs->expired = 3;
  report.dialogs->active = 0;
  metrics.update(report);
  text = metrics.render();
  CHECK(sample(text, "sipmon_session_attempts_pending") == 0);
  CHECK(sample(text, "sipmon_registration_attempts_pending") == 1);
  CHECK(sample(text, "sipmon_sessions_failed_total") == 7);
  CHECK(sample(text, "sipmon_dialogs_expired_total") == 3);
  CHECK(sample(text, "sipmon_dialogs_active") == 0);
}

TEST_CASE("media: counters and histograms of the report's media object", "[prometheus][media]") {
  PrometheusMetrics metrics;
  Report report;
  metrics.update(report);
  for (const auto& family : metrics.registry()->Collect()) CHECK(family.name != "sipmon_rtp_packets_total");

  report.media.emplace();
  MediaReport& m = *report.media;
  m.streams = 3;
  m.packets = 1500;
  m.lost = 12;
  m.one_way_calls = 1;
  m.no_media_calls = 2;
  m.rtcp_packets = 9;
  for (double jitter : {0.0004, 0.003, 0.04}) m.jitter_seconds_buckets.observe(jitter);
  for (double mos : {4.41, 3.2}) m.mos_buckets.observe(mos);
  metrics.update(report);
  m.lost = 10;  // duplicates arrived: the counter never goes back
  m.packets = 1600;
  metrics.update(report);

  const auto families = metrics.registry()->Collect();
  auto value = [&families](const std::string& name) -> std::optional<double> {
    for (const auto& family : families) {
      if (family.name == name && !family.metric.empty()) return family.metric[0].counter.value;
    }
    return std::nullopt;
  };
  CHECK(value("sipmon_rtp_packets_total") == 1600);
  CHECK(value("sipmon_rtp_lost_packets_total") == 12);
  CHECK(value("sipmon_rtp_streams_total") == 3);
  CHECK(value("sipmon_calls_one_way_total") == 1);
  CHECK(value("sipmon_calls_no_media_total") == 2);
  CHECK(value("sipmon_rtcp_packets_total") == 9);
  for (const auto& family : families) {
    if (family.name == "sipmon_rtp_jitter_seconds") {
      REQUIRE(family.metric.size() == 1);
      const auto& h = family.metric[0].histogram;
      CHECK(h.sample_count == 3);
      CHECK(h.bucket[0].upper_bound == 0.0005);
      CHECK(h.bucket[0].cumulative_count == 1);
      CHECK(h.bucket[3].cumulative_count == 2);  // <= 5 ms
    }
    if (family.name == "sipmon_call_mos") {
      REQUIRE(family.metric.size() == 1);
      CHECK(family.metric[0].histogram.sample_count == 2);
      CHECK(family.metric[0].histogram.sample_sum == Approx(7.61));
    }
  }
}

TEST_CASE("media per peer: one series per peer in each sipmon_peer_* media family", "[prometheus][media]") {
  PrometheusMetrics metrics;
  Report report;
  report.media.emplace();
  metrics.update(report);  // no --peers: no per-peer family
  for (const auto& family : metrics.registry()->Collect()) CHECK(family.name != "sipmon_peer_rtp_packets_total");

  MediaReport::Peer& trunk = report.media->peers["trunk"];
  trunk.streams = 2;
  trunk.packets = 400;
  trunk.lost = 7;
  trunk.one_way_calls = 1;
  trunk.jitter_seconds_buckets.observe(0.003);
  trunk.mos_buckets.observe(4.1);
  report.media->peers["other"].no_media_calls = 3;
  metrics.update(report);
  trunk.lost = 5;  // never goes back
  trunk.packets = 450;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_peer_rtp_packets_total{peer="trunk"})") == 450);
  CHECK(sample(text, R"(sipmon_peer_rtp_lost_packets_total{peer="trunk"})") == 7);
  CHECK(sample(text, R"(sipmon_peer_rtp_streams_total{peer="trunk"})") == 2);
  CHECK(sample(text, R"(sipmon_peer_calls_one_way_total{peer="trunk"})") == 1);
  CHECK(sample(text, R"(sipmon_peer_calls_no_media_total{peer="other"})") == 3);
  CHECK(sample(text, R"(sipmon_peer_calls_no_media_total{peer="trunk"})") == 0);
  CHECK(sample(text, R"(sipmon_peer_rtp_jitter_seconds_bucket{peer="trunk",le="0.005"})") == 1);
  CHECK(sample(text, R"(sipmon_peer_rtp_jitter_seconds_bucket{peer="trunk",le="0.002"})") == 0);
  CHECK(sample(text, R"(sipmon_peer_call_mos_count{peer="trunk"})") == 1);
  CHECK(sample(text, R"(sipmon_peer_call_mos_count{peer="other"})") == 0);
}

TEST_CASE("closed attempts are one counter family labelled by outcome", "[prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  report.rfc6076.emplace();
  ClosedAttempts& closed = report.rfc6076->sessions.closed;
  closed[ClosedOutcome::completed] = 5;
  closed[ClosedOutcome::established] = 1;
  closed[ClosedOutcome::timed_out] = 2;
  report.rfc6076->registrations.closed[static_cast<std::size_t>(ClosedRegistration::succeeded)] = 3;
  metrics.update(report);
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_session_attempts_closed_total{outcome="completed"})") == 5);
  CHECK(sample(text, R"(sipmon_session_attempts_closed_total{outcome="established"})") == 1);
  CHECK(sample(text, R"(sipmon_session_attempts_closed_total{outcome="timed_out"})") == 2);
  CHECK(sample(text, R"(sipmon_session_attempts_closed_total{outcome="evicted"})") == 0);
  CHECK(sample(text, R"(sipmon_registration_attempts_closed_total{outcome="succeeded"})") == 3);
}

TEST_CASE("kernel encapsulation counters: one series per encapsulation, only from the eBPF source", "[prometheus]") {
  PrometheusMetrics metrics;
  // The libpcap source reports no encapsulation: no family at all.
  metrics.update_kernel_encapsulations({{"received", 12}});
  CHECK(metrics.render().find("sipmon_kernel_encapsulated_packets_total") == std::string::npos);
  // The eBPF source: encapsulations become series, the other kernel counters do not.
  metrics.update_kernel_encapsulations({{"seen", 50}, {"matched", 40}, {"gre", 7}, {"erspan", 3}, {"vxlan", 0}});
  const std::string text = metrics.render();
  CHECK(sample(text, R"(sipmon_kernel_encapsulated_packets_total{encapsulation="gre"})") == 7);
  CHECK(sample(text, R"(sipmon_kernel_encapsulated_packets_total{encapsulation="erspan"})") == 3);
  CHECK(sample(text, R"(sipmon_kernel_encapsulated_packets_total{encapsulation="vxlan"})") == 0);
  CHECK_FALSE(sample(text, R"(sipmon_kernel_encapsulated_packets_total{encapsulation="seen"})"));
  CHECK_FALSE(sample(text, R"(sipmon_kernel_encapsulated_packets_total{encapsulation="matched"})"));
}
