#include <catch2/catch.hpp>

#include "outputs/json_report.h"

using namespace sipmon;

TEST_CASE("JSON report carries retransmissions after responses, and duplicate and eviction counts", "[json]") {
  Report report;
  report.responses[Method::invite] = {{200, 3}};
  CHECK_FALSE(report_to_json(report).contains("retransmissions"));  // nothing measured them
  report.retransmissions = RetransmissionCounts{.requests = 4, .responses = 2};
  report.capture.duplicate_messages = 5;
  report.table_evictions.add(EvictingTable::transactions, 7);
  const auto json = report_to_json(report);

  CHECK(json.at("retransmissions").at("requests") == 4);
  CHECK(json.at("retransmissions").at("responses") == 2);
  CHECK(json.at("capture").at("duplicate_messages") == 5);
  CHECK(json.at("table_evictions").at("transactions") == 7);
  // Key order is part of the contract: retransmissions follows the wire counts.
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  const auto responses = std::find(keys.begin(), keys.end(), "responses");
  REQUIRE(responses != keys.end());
  REQUIRE(responses + 2 < keys.end());
  CHECK(*(responses + 1) == "responses_by_method");
  CHECK(*(responses + 2) == "retransmissions");
}
