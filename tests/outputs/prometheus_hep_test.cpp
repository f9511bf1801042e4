#include <catch2/catch.hpp>

#include <string>

#include "outputs/prometheus_metrics.h"

using namespace sipmon;

TEST_CASE("Prometheus: HEP families appear with their section and follow absolute counts", "[hep][prometheus]") {
  PrometheusMetrics metrics;
  Report report;
  CHECK(metrics.render().find("sipmon_hep_") == std::string::npos);  // nothing measured: no family

  report.capture.hep_in = HepInReport{.packets = 10,
                                      .by_version = {{"3", 8}, {"2", 1}},
                                      .errors = {{"wrong_key", 1}, {"unknown_version", 1}},
                                      .sip_payloads = 7,
                                      .timestamps_replaced = 2,
                                      .connections = 1,
                                      .connections_refused = 0,
                                      .socket_drops = 4};
  report.capture.hep_out = HepOutReport{.transport = "tcp", .sent = 5, .dropped = {{"queue_full", 2}}, .connects = 1};
  metrics.update(report);
  report.capture.hep_in->packets = 12;  // moves on by the difference
  report.capture.hep_in->errors["wrong_key"] = 3;
  metrics.update(report);

  const std::string text = metrics.render();
  CHECK(text.find("sipmon_hep_received_total 12") != std::string::npos);
  CHECK(text.find("sipmon_hep_packets_total{version=\"3\"} 8") != std::string::npos);
  CHECK(text.find("sipmon_hep_packets_total{version=\"1\"} 0") != std::string::npos);
  CHECK(text.find("sipmon_hep_errors_total{error=\"wrong_key\"} 3") != std::string::npos);
  CHECK(text.find("sipmon_hep_errors_total{error=\"unknown_version\"} 1") != std::string::npos);
  CHECK(text.find("sipmon_hep_errors_total{error=\"truncated\"} 0") != std::string::npos);
  CHECK(text.find("sipmon_hep_sip_payloads_total 7") != std::string::npos);
  CHECK(text.find("sipmon_hep_socket_drops_total 4") != std::string::npos);
  CHECK(text.find("sipmon_hep_connections_total{outcome=\"accepted\"} 1") != std::string::npos);
  CHECK(text.find("sipmon_hep_out_sent_total 5") != std::string::npos);
  CHECK(text.find("sipmon_hep_out_dropped_total{reason=\"queue_full\"} 2") != std::string::npos);
  CHECK(text.find("sipmon_hep_out_connects_total 1") != std::string::npos);
}
