#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <utility>
#include <vector>

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

TEST_CASE("second chance: a full table evicts the oldest entry not used since its last chance", "[table]") {
  BoundedTable<int> table(3, AgeOrder::second_chance);
  std::vector<std::uint64_t> evicted;
  auto on_evict = [&](BoundedTable<int>::Index i) { evicted.push_back(table.key(i).hi); };
  const auto insert = [&](std::uint64_t n) { table[table.insert(key(n), on_evict)] = static_cast<int>(n); };
  for (std::uint64_t n = 1; n <= 3; ++n) insert(n);
  table.touch(table.find(key(1)));
  insert(4);  // 1 was used: kept (as the youngest); 2 goes
  REQUIRE(evicted == std::vector<std::uint64_t>{2});
  // touch() marks without moving: the order is 3, 1, 4.
  std::vector<int> order;
  for (auto i = table.oldest(); i != BoundedTable<int>::kNone; i = table.younger(i)) order.push_back(table[i]);
  CHECK(order == std::vector<int>{3, 1, 4});
  table.touch(table.find(key(3)));
  table.touch(table.find(key(1)));
  insert(5);  // 3 and 1 get their second chance, 4 goes
  REQUIRE(evicted == std::vector<std::uint64_t>{2, 4});
  // Every entry used: each gets its chance once, then the oldest of them goes after all.
  for (const std::uint64_t n : {3, 1, 5}) table.touch(table.find(key(n)));
  insert(6);
  REQUIRE(evicted == std::vector<std::uint64_t>{2, 4, 3});
  // A node handed out again starts unmarked: 7 takes the node of a marked entry, erased.
  table.touch(table.find(key(1)));
  table.erase(table.find(key(1)));
  insert(7);
  insert(8);  // 5 (its chance spent above) goes, not 7
  CHECK(evicted == std::vector<std::uint64_t>{2, 4, 3, 5});
  CHECK(table.find(key(7)) != BoundedTable<int>::kNone);
  CHECK(table.size() == 3);
}

TEST_CASE("second chance: random operations agree with a reference CLOCK", "[table]") {
  // The reference: a list of (key, used) in age order, evicting as CLOCK does.
  BoundedTable<std::uint64_t> table(50, AgeOrder::second_chance);
  std::vector<std::pair<std::uint64_t, bool>> reference;
  std::mt19937_64 random(7);
  std::uint64_t evictions = 0;
  for (int step = 0; step < 50'000; ++step) {
    const std::uint64_t n = random() % 120 + 1;  // key 0 would read as "no victim"
    const auto found = table.find(key(n));
    const auto it = std::find_if(reference.begin(), reference.end(), [n](const auto& e) { return e.first == n; });
    REQUIRE((found != BoundedTable<std::uint64_t>::kNone) == (it != reference.end()));
    if (it != reference.end()) {
      if (random() % 4 == 0) {
        table.erase(found);
        reference.erase(it);
      } else {
        table.touch(found);
        it->second = true;
      }
      continue;
    }
    std::uint64_t expected_victim = 0;
    if (reference.size() == 50) {
      while (reference.front().second) {
        auto kept = reference.front();
        kept.second = false;
        reference.erase(reference.begin());
        reference.push_back(kept);
      }
      expected_victim = reference.front().first;
      reference.erase(reference.begin());
    }
    std::uint64_t victim = 0;
    table[table.insert(key(n), [&](BoundedTable<std::uint64_t>::Index i) { victim = table.key(i).hi; })] = n;
    REQUIRE(victim == expected_victim);
    evictions += victim != 0;
    reference.emplace_back(n, false);
  }
  CHECK(evictions > 1'000);  // the table was full most of the time
  std::vector<std::uint64_t> order;
  for (auto i = table.oldest(); i != BoundedTable<std::uint64_t>::kNone; i = table.younger(i))
    order.push_back(table[i]);
  std::vector<std::uint64_t> expected;
  for (const auto& e : reference) expected.push_back(e.first);
  CHECK(order == expected);
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

namespace {
// Keys whose low bits (the index's hash) take 8 192 values spread over the whole index, ~5 keys
// to a home slot at 40 000 entries: chains, but no single cluster that every probe walks.
CallKey spread_key(std::uint64_t n) { return CallKey{((n % 8192) * 0x9e3779b1u) & 0xffffffffu, n}; }
}  // namespace

// The index starts small and doubles as entries come (rehashed from its slots alone): lookups,
// inserts, erases and evictions must agree with a reference map through every doubling, with keys
// that share home slots (chains carried into the larger index).
TEST_CASE("the index grows with the entries and every entry stays found", "[table]") {
  using Table = BoundedTable<std::uint64_t>;
  constexpr std::size_t kCapacity = 40'000;
  Table table(kCapacity);
  REQUIRE(table.index_slots() == Table::kInitialIndexSlots);
  std::map<std::uint64_t, std::uint64_t> reference;  // n -> value
  std::mt19937_64 random(29);
  std::size_t largest = 0;
  std::size_t evictions = 0;
  for (int step = 0; step < 200'000; ++step) {
    // Mostly inserts while the table fills (growth), then an even mix at its capacity (eviction).
    const std::uint64_t n = random() % 60'000;
    const CallKey k = spread_key(n);
    const auto found = table.find(k);
    REQUIRE((found != Table::kNone) == (reference.count(n) == 1));
    if (found != Table::kNone) {
      REQUIRE(table[found] == reference[n]);
      if (random() % 4 == 0) {
        table.erase(found);
        reference.erase(n);
      }
    } else {
      const auto index = table.insert(k, [&](Table::Index victim) {
        ++evictions;
        REQUIRE(reference.erase(table.key(victim).hi) == 1);
      });
      table[index] = n * 7;
      reference[n] = n * 7;
    }
    REQUIRE(table.size() == reference.size());
    largest = std::max(largest, table.size());
    // Never more than half full, and never larger than the entries needed.
    REQUIRE(2 * table.size() <= table.index_slots());
    REQUIRE(table.index_slots() <= std::max<std::size_t>(Table::kInitialIndexSlots, 4 * largest));
  }
  CHECK(largest == kCapacity);  // it filled up, then evicted
  CHECK(evictions > 0);
  CHECK(table.index_slots() == 131'072);  // twice the capacity, rounded up to a power of two
  for (const auto& [n, value] : reference) {
    const auto found = table.find(spread_key(n));
    REQUIRE(found != Table::kNone);
    CHECK(table[found] == value);
  }
}
