#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <tuple>

#include "sources/pcap_endpoint_set.h"

using namespace sipmon;

namespace {

PcapMediaEndpoint endpoint(unsigned n) {
  PcapMediaEndpoint e;
  e.address.family = (n % 7 == 0) ? 6 : 4;
  e.address.bytes[0] = 10;
  e.address.bytes[3] = static_cast<std::uint8_t>(n % 5);
  e.port = static_cast<std::uint16_t>(10000 + 2 * (n / 5));
  return e;
}

}  // namespace

TEST_CASE("pcap endpoint set: the same members as std::set under random watch and unwatch", "[pcap][live]") {
  // A small universe, so that probes collide, wrap around the table's end and deletions shift
  // entries back; a large number of operations, so that the table grows through several sizes.
  std::mt19937 random(27);
  for (const unsigned universe : {40u, 300u, 5000u}) {
    PcapEndpointSet set;
    std::set<unsigned> truth;
    for (int op = 0; op < 60000; ++op) {
      const unsigned n = static_cast<unsigned>(random() % universe);
      // Mostly insertions at first, then mostly removals: the set fills and empties.
      const bool add = static_cast<unsigned>(random() % 100) < (op < 30000 ? 70u : 30u);
      if (add) {
        set.insert(endpoint(n));
        truth.insert(n);
      } else {
        set.erase(endpoint(n));
        truth.erase(n);
      }
      if (op % 997 == 0) {
        for (unsigned k = 0; k < universe; ++k) REQUIRE(set.contains(endpoint(k)) == (truth.count(k) == 1));
      }
      REQUIRE(set.size() == truth.size());
    }
  }
}
