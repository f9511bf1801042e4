#include <catch2/catch.hpp>

#include "analysis/peer_counters.h"

using namespace sipmon;

TEST_CASE("the peer cache answers as the table does, collisions included", "[peers]") {
  const auto table = PeerTable::parse("a 10.0.0.0/24\nb 10.0.1.0/24 2001:db8::/64\nc 10.0.0.128/25\n", "t");
  REQUIRE(table);
  PeerCounters counters(*table);
  // More addresses than cache slots, twice over: the second pass mixes hits and evictions.
  for (int pass = 0; pass < 2; ++pass) {
    for (unsigned i = 0; i < 3000; ++i) {
      IpAddress v4;
      v4.family = 4;
      v4.bytes[0] = 10;
      v4.bytes[2] = static_cast<std::uint8_t>(i / 256 % 4);
      v4.bytes[3] = static_cast<std::uint8_t>(i % 256);
      IpAddress v6;
      v6.family = 6;
      v6.bytes = {0x20, 0x01, 0x0d, 0xb8};
      v6.bytes[15] = static_cast<std::uint8_t>(i);
      v6.bytes[8] = static_cast<std::uint8_t>(i % 3);
      IpAddress none;  // 0.0.0.0
      CHECK(counters.peer_of(*table, v4, none) == table->peer_of(v4, none));
      CHECK(counters.peer_of(*table, none, v6) == table->peer_of(none, v6));
    }
  }
}

TEST_CASE("per-peer counts go to their peer and to other", "[peers]") {
  const auto table = PeerTable::parse("a 10.0.0.0/24\n", "t");
  REQUIRE(table);
  PeerCounters counters(*table);
  counters.count_request(0, Method::invite);
  counters.count_request(table->other_index(), Method::other);
  counters.count_response(0, 200);
  counters.count_response(0, 200);
  const auto report = counters.report(*table);
  CHECK(report.at("a").request_count(Method::invite) == 1);
  CHECK(count_of(report.at("a").responses, 200) == 2);
  CHECK(report.at("other").request_count(Method::other) == 1);
}
