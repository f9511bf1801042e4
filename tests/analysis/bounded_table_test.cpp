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

TEST_CASE("second chance: a full table evicts the first entry the clock hand finds unused", "[table]") {
  BoundedTable<int> table(3, AgeOrder::second_chance);
  std::vector<std::uint64_t> evicted;
  auto on_evict = [&](BoundedTable<int>::Index i) { evicted.push_back(table.key(i).hi); };
  const auto insert = [&](std::uint64_t n) {
    const auto node = table.insert(key(n), on_evict);
    table[node] = static_cast<int>(n);
    return node;
  };
  // Storage order: 1, 2, 3 in nodes 0, 1, 2, each marked by its insert; the hand at node 0.
  for (std::uint64_t n = 1; n <= 3; ++n) CHECK(insert(n) == n - 1);
  // Every entry used: the hand clears all three marks and comes back to node 0.
  CHECK(insert(4) == 0);
  REQUIRE(evicted == std::vector<std::uint64_t>{1});
  // The hand is at node 1. 2 is used again: spared once; 3, unused since the hand passed, goes.
  table.touch(table.find(key(2)));
  CHECK(insert(5) == 2);
  REQUIRE(evicted == std::vector<std::uint64_t>{1, 3});
  // The hand is at node 0 again: 4 was marked by its insert and is spared; 2 spent its chance.
  insert(6);
  REQUIRE(evicted == std::vector<std::uint64_t>{1, 3, 2});
  // A node freed and handed out again (not full: no eviction) carries the new entry's mark.
  table.erase(table.find(key(5)));
  CHECK(insert(7) == 2);
  CHECK(evicted.size() == 3);
  // The hand is at node 2: 7 (marked) is spared, 4 (mark cleared above) goes.
  insert(8);
  CHECK(evicted == std::vector<std::uint64_t>{1, 3, 2, 4});
  CHECK(table.find(key(7)) != BoundedTable<int>::kNone);
  CHECK(table.size() == 3);
  // Storage order, whatever the use.
  std::vector<int> stored;
  for (auto i = table.first_entry(); i != BoundedTable<int>::kNone; i = table.next_entry(i)) stored.push_back(table[i]);
  CHECK(stored == std::vector<int>{8, 6, 7});
}

TEST_CASE("second chance: random operations agree with a reference CLOCK", "[table]") {
  // The reference: the key and use mark of every node (node numbers as the table hands them out)
  // and a hand over them, evicting as CLOCK does.
  constexpr std::size_t kCapacity = 50;
  BoundedTable<std::uint64_t> table(kCapacity, AgeOrder::second_chance);
  struct Held {
    std::uint64_t key = 0;  // 0: free
    bool used = false;
  };
  std::vector<Held> nodes(kCapacity);
  std::size_t hand = 0;
  std::size_t size = 0;
  std::mt19937_64 random(7);
  std::uint64_t evictions = 0;
  std::uint64_t spared = 0;
  for (int step = 0; step < 50'000; ++step) {
    const std::uint64_t n = random() % 120 + 1;  // key 0 would read as "no victim"
    const auto found = table.find(key(n));
    const auto it = std::find_if(nodes.begin(), nodes.end(), [n](const Held& h) { return h.key == n; });
    REQUIRE((found != BoundedTable<std::uint64_t>::kNone) == (it != nodes.end()));
    if (it != nodes.end()) {
      REQUIRE(found == static_cast<std::size_t>(it - nodes.begin()));
      if (random() % 4 == 0) {
        table.erase(found);
        *it = Held{};
        --size;
      } else {
        table.touch(found);
        it->used = true;
      }
      continue;
    }
    std::uint64_t expected_victim = 0;
    if (size == kCapacity) {
      while (nodes[hand].used) {
        nodes[hand].used = false;
        ++spared;
        hand = (hand + 1) % kCapacity;
      }
      expected_victim = nodes[hand].key;
      nodes[hand] = Held{};
      hand = (hand + 1) % kCapacity;
      --size;
    }
    std::uint64_t victim = 0;
    const auto node = table.insert(key(n), [&](BoundedTable<std::uint64_t>::Index i) { victim = table.key(i).hi; });
    table[node] = n;
    REQUIRE(victim == expected_victim);
    REQUIRE(node < kCapacity);
    REQUIRE(nodes[node].key == 0);  // a free node
    nodes[node] = Held{n, true};
    ++size;
    evictions += victim != 0;
  }
  CHECK(evictions > 1'000);  // the table was full most of the time
  CHECK(spared > 1'000);     // and marks saved entries
  std::vector<std::uint64_t> stored;
  for (auto i = table.first_entry(); i != BoundedTable<std::uint64_t>::kNone; i = table.next_entry(i))
    stored.push_back(table[i]);
  std::vector<std::uint64_t> expected;
  for (const Held& h : nodes) {
    if (h.key != 0) expected.push_back(h.key);
  }
  CHECK(stored == expected);
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
