#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "outputs/json_report.h"
#include "outputs/text_summary.h"

using namespace sipmon;

TEST_CASE("JSON report: hep_in and hep_out appear only when HEP ran, with every field", "[hep]") {
  Report report;
  auto capture = nlohmann::json::parse(render_json_report(report))["capture"];
  CHECK_FALSE(capture.contains("hep_in"));
  CHECK_FALSE(capture.contains("hep_out"));

  report.capture.hep_in = HepInReport{.packets = 5,
                                      .by_version = {{"3", 4}},
                                      .errors = {{"wrong_key", 1}},
                                      .sip_payloads = 4,
                                      .timestamps_replaced = 1,
                                      .connections = 2,
                                      .connections_refused = 0,
                                      .socket_drops = 3};
  report.capture.hep_out = HepOutReport{.transport = "udp", .sent = 7, .dropped = {{"queue_full", 1}}, .connects = 0};
  capture = nlohmann::json::parse(render_json_report(report))["capture"];
  const auto& in = capture["hep_in"];
  CHECK(in["packets"] == 5);
  CHECK(in["by_version"]["3"] == 4);
  CHECK(in["errors"]["wrong_key"] == 1);
  CHECK(in["sip_payloads"] == 4);
  CHECK(in["timestamps_replaced"] == 1);
  CHECK(in["connections"] == 2);
  CHECK(in["connections_refused"] == 0);
  CHECK(in["socket_drops"] == 3);
  const auto& out = capture["hep_out"];
  CHECK(out["transport"] == "udp");
  CHECK(out["sent"] == 7);
  CHECK(out["dropped"]["queue_full"] == 1);
  CHECK(out["connects"] == 0);

  const std::string text = render_text_summary(report);
  CHECK(text.find("hep in        5 packets, 4 SIP, 1 refused, 3 dropped by the socket") != std::string::npos);
  CHECK(text.find("hep out       7 sent (udp), 1 dropped") != std::string::npos);
}
