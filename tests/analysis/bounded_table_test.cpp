#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "analysis/bounded_table.h"

using namespace sipmon;

namespace {

CallKey key(std::uint64_t n) { return CallKey{n * 0x9e3779b97f4a7c15ULL, n}; }

}  // namespace

TEST_CASE("call keys: direction-independent dialogs, distinct fields stay distinct", "[table]") {
  CHECK(dialog_key("c", "a", "b") == dialog_key("c", "b", "a"));
  CHECK_FALSE(dialog_key("c", "a", "b") == dialog_key("c", "a", "c"));
  CHECK_FALSE(attempt_key("ab", "c") == attempt_key("a", "bc"));
  CHECK_FALSE(attempt_key("call", "tag") == registration_key("call"));
  CHECK(attempt_key("call", "tag") == attempt_key("call", "tag"));
}

TEST_CASE("a full table evicts the oldest entry, touch makes an entry young", "[table]") {
  BoundedTable<int> table(3);
  std::vector<std::uint64_t> evicted;
  auto on_evict = [&](BoundedTable<int>::Index i) { evicted.push_back(table.key(i).hi); };
  for (std::uint64_t n = 1; n <= 3; ++n) table[table.insert(key(n), on_evict)] = static_cast<int>(n);
  table.touch(table.find(key(1)));
  table.insert(key(4), on_evict);
  REQUIRE(evicted == std::vector<std::uint64_t>{2});
  table.insert(key(5), on_evict);
  REQUIRE(evicted == std::vector<std::uint64_t>{2, 3});
  CHECK(table.size() == 3);
  CHECK(table[table.find(key(1))] == 1);
  CHECK(table.find(key(2)) == BoundedTable<int>::kNone);
}

TEST_CASE("random inserts and erases agree with a reference map, even with colliding home slots", "[table]") {
  BoundedTable<std::uint64_t> table(200);
  std::map<std::uint64_t, std::uint64_t> reference;  // n -> value
  std::mt19937_64 random(11);
  for (int step = 0; step < 100'000; ++step) {
    // Few distinct low bits: long probe chains, many backward shifts.
    const std::uint64_t n = random() % 400;
    const CallKey k{(n % 37) | (n << 20), n};
    const auto found = table.find(k);
    REQUIRE((found != BoundedTable<std::uint64_t>::kNone) == (reference.count(n) == 1));
    if (found != BoundedTable<std::uint64_t>::kNone) {
      REQUIRE(table[found] == reference[n]);
      if (random() % 2) {
        table.erase(found);
        reference.erase(n);
      }
    } else {
      const auto index = table.insert(
          k, [&](BoundedTable<std::uint64_t>::Index victim) { REQUIRE(reference.erase(table.key(victim).hi) == 1); });
      table[index] = n * 3;
      reference[n] = n * 3;
    }
    REQUIRE(table.size() == reference.size());
    REQUIRE(table.size() <= 200);
  }
}
