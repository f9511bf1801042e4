#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>

#include "analysis/peer_table.h"

using namespace sipmon;

namespace {

IpAddress ip(const char* text) {
  IpAddress address;
  if (inet_pton(AF_INET, text, address.bytes.data()) == 1) {
    address.family = 4;
  } else {
    REQUIRE(inet_pton(AF_INET6, text, address.bytes.data()) == 1);
    address.family = 6;
  }
  return address;
}

}  // namespace

TEST_CASE("peers: longest prefix wins, IPv4 and IPv6, everything else is other", "[peers]") {
  const auto table = PeerTable::parse(
      "# trunks\n"
      "carrier_a 192.0.2.0/24 2001:db8::/32   # two networks\n"
      "\n"
      "carrier_a.pop-1 192.0.2.128/25\n"
      "sbc 198.51.100.7\n",
      "peers.txt");
  REQUIRE(table);
  CHECK(table->size() == 3);
  CHECK(table->name(table->lookup(ip("192.0.2.1"))) == "carrier_a");
  CHECK(table->name(table->lookup(ip("192.0.2.200"))) == "carrier_a.pop-1");  // /25 beats /24
  CHECK(table->name(table->lookup(ip("2001:db8:1::5"))) == "carrier_a");
  CHECK(table->name(table->lookup(ip("198.51.100.7"))) == "sbc");
  CHECK(table->lookup(ip("198.51.100.8")) == table->other_index());
  CHECK(table->name(table->other_index()) == "other");
  CHECK(table->lookup(ip("2001:db9::1")) == table->other_index());
  // An IPv4 address never matches an IPv6 prefix whose leading bytes happen to agree.
  CHECK(table->lookup(ip("32.1.13.184")) == table->other_index());  // 0x20010db8
}

TEST_CASE("peers: a message belongs to its source's peer, else its destination's", "[peers]") {
  const auto table = PeerTable::parse("trunk 192.0.2.0/24\ncore 10.0.0.0/8\n", "t");
  REQUIRE(table);
  CHECK(table->name(table->peer_of(ip("192.0.2.9"), ip("10.1.1.1"))) == "trunk");
  CHECK(table->name(table->peer_of(ip("10.1.1.1"), ip("192.0.2.9"))) == "core");
  CHECK(table->name(table->peer_of(ip("203.0.113.1"), ip("192.0.2.9"))) == "trunk");
  CHECK(table->name(table->peer_of(ip("203.0.113.1"), ip("203.0.113.2"))) == "other");
}

TEST_CASE("peers: host bits of a prefix are ignored", "[peers]") {
  const auto table = PeerTable::parse("lan 192.0.2.77/24\n", "t");
  REQUIRE(table);
  CHECK(table->name(table->lookup(ip("192.0.2.1"))) == "lan");
}

TEST_CASE("peers: bad files are refused with the line that is wrong", "[peers]") {
  const auto error = [](const std::string& text) {
    const auto table = PeerTable::parse(text, "p.txt");
    return table ? std::string() : table.error().message;
  };
  CHECK(error("other 10.0.0.0/8\n").find("p.txt:1:") == 0);  // "other" is reserved
  CHECK(error("a 10.0.0.0/8\nb\n").find("p.txt:2:") == 0);   // no prefix
  CHECK(error("a 10.0.0.0/8\na 11.0.0.0/8\n").find("twice") != std::string::npos);
  CHECK_FALSE(error("a 10.0.0.0/33\n").empty());
  CHECK_FALSE(error("a 10.0.0.0/\n").empty());
  CHECK_FALSE(error("a 10.0.0.0/8x\n").empty());
  CHECK_FALSE(error("a 2001:db8::/129\n").empty());
  CHECK_FALSE(error("a example.com\n").empty());
  CHECK_FALSE(error("bad\"name 10.0.0.0/8\n").empty());
  CHECK_FALSE(error(std::string(33, 'x') + " 10.0.0.0/8\n").empty());
  std::string many;
  for (std::size_t i = 0; i <= PeerTable::kMaxPeers; ++i)
    many += "p" + std::to_string(i) + " 10.0.0." + std::to_string(i) + "\n";
  CHECK(error(many).find("more than") != std::string::npos);
  CHECK(error("").empty());  // an empty file is allowed: everything is "other"
}
