#pragma once
// A hash table with a hard capacity, O(1) operations and an age order, for per-call state that
// an attacker can create at will (a flood of INVITEs with random Call-IDs).
//
// - Storage is reserved once, at construction, zero-filled (ZeroedArray): the kernel hands out
//   pages only when they are first written, so memory grows with the entries actually used and
//   never past the cap (docs/metrics.md has the measured figures). Large tables ask for
//   transparent huge pages (huge_pages.h): fewer TLB misses on random lookups, memory grown
//   2 MiB at a time.
// - Entries are kept on an age list: insert() and touch() make an entry the youngest. When the
//   table is full, insert() hands the oldest entry to the caller's eviction callback (to count
//   it and undo its links) and reuses its slot: what operators expect, and O(1). A table built
//   with AgeOrder::second_chance approximates that order (CLOCK) without a list: touch() only
//   marks the entry, and a hand sweeping the entries picks the victim.
// - The index is open addressing with linear probing on CallKey::lo and backward-shift deletion
//   (no tombstones, so probe chains never degrade); it has at least twice as many slots as the
//   entries. Each slot holds the entry's number and the low 32 bits of its key: probing and
//   shifting never touch an entry that does not match, which keeps a lookup in a large table to
//   about one cache miss (a flood's INVITEs are all misses).
// - The index grows with the entries, from kInitialIndexSlots to twice the capacity, doubling
//   (rehashed from the slots alone: no entry is read) when it would be more than half full. Sized
//   for the capacity at once, each index was touched all over by random keys whatever the load:
//   ~60 MiB of pages the kernel had to zero even for a small capture, a tenth of a replay's CPU
//   time on the project's machines (docs/performance.md, "Indexes that grow with their tables").
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "analysis/call_key.h"
#include "analysis/zeroed_array.h"

namespace sipmon {

// How a table orders its entries: which one a full table evicts.
enum class AgeOrder : std::uint8_t {
  // touch() makes an entry the youngest: the order is that of last use, exactly, and oldest() and
  // younger() walk it. For tables whose order means more than eviction (expiry scans from the
  // oldest entry).
  last_use,
  // CLOCK, the classic approximation of least recently used: insert() and touch() only mark the
  // entry as used (a bit in an array beside the table: 128 KiB for 2^20 entries). A full table
  // sweeps a hand over its entries in storage order, clearing marks, and evicts the first
  // unmarked entry: one that was not used since the hand last passed it. No age list at all:
  // relinking on every touch wrote two neighbours, and so did every insert and erase, lines last
  // used seconds before and cold by then (docs/performance.md, "Second chance" and "A clock hand
  // instead of an age list"). For tables whose order serves eviction alone; they are walked
  // with first_entry() and next_entry().
  second_chance,
};

template <typename Value>
class BoundedTable {
  // Nodes live in zero-filled memory (implicitly created aggregates) and are never destroyed.
  static_assert(std::is_trivially_copyable_v<Value> && std::is_trivially_destructible_v<Value>);

 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = 0xffffffffu;

  // Index slots at first (or twice the capacity, when that is less): 32 KiB.
  static constexpr Index kInitialIndexSlots = 4096;

  explicit BoundedTable(std::size_t capacity, AgeOrder order = AgeOrder::last_use)
      : capacity_(static_cast<Index>(capacity == 0 ? 1 : (capacity >= kNone / 4 ? kNone / 4 : capacity))),
        max_mask_(index_size(capacity_) - 1),
        mask_(max_mask_ < kInitialIndexSlots ? max_mask_ : kInitialIndexSlots - 1),
        nodes_(capacity_),
        index_(std::size_t{mask_} + 1),
        used_marks_(order == AgeOrder::second_chance ? capacity_ / 64 + 1 : 0) {}
  BoundedTable(const BoundedTable&) = delete;
  BoundedTable& operator=(const BoundedTable&) = delete;

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  // The most this table can ever occupy: its entries, reserved at construction, and its index at
  // full size.
  std::size_t reserved_bytes() const {
    return std::size_t{capacity_} * sizeof(Node) + (std::size_t{max_mask_} + 1) * sizeof(Slot) + used_marks_.bytes();
  }
  // Index slots now (tests).
  std::size_t index_slots() const { return std::size_t{mask_} + 1; }

  Index find(const CallKey& key) const {
    const auto low = static_cast<std::uint32_t>(key.lo);
    for (Index slot = low & mask_;; slot = (slot + 1) & mask_) {
      const Slot stored = index_[slot];
      if (stored.node == 0) return kNone;
      if (stored.low == low && nodes_[stored.node - 1].key == key) return stored.node - 1;
    }
  }

  // Starts loading the index slot a lookup of `key` begins at: a caller that knows its keys early
  // (Engine, once a message is parsed) lets the cache misses of several tables overlap.
  void prefetch(const CallKey& key) const { __builtin_prefetch(&index_[static_cast<Index>(key.lo) & mask_]); }
  // Starts loading the entry a lookup of `key` would compare first, once prefetch(key) has brought
  // its index slot: a caller with several keys (a call's endpoints) then waits for two overlapped
  // rounds of cache misses instead of two misses per key in turn.
  void prefetch_entry(const CallKey& key) const {
    const auto low = static_cast<std::uint32_t>(key.lo);
    for (Index slot = low & mask_;; slot = (slot + 1) & mask_) {
      const Slot stored = index_[slot];
      if (stored.node == 0) return;
      if (stored.low == low) {
        __builtin_prefetch(&nodes_[stored.node - 1]);
        return;
      }
    }
  }

  // Starts loading what erase(node) touches besides the node itself: its index slot and its age-list
  // neighbours (AgeOrder::last_use). Reads the node's key and links, so the node should be in the caches already (a
  // caller that has just read it, and will erase it later: a timer's next expiry).
  void prefetch_erase(Index node) const {
    prefetch(nodes_[node].key);
    if (nodes_[node].prev < kFreed) __builtin_prefetch(&nodes_[nodes_[node].prev]);
    if (nodes_[node].next != kNone) __builtin_prefetch(&nodes_[nodes_[node].next]);
  }

  // `key` must not be present. When the table is full, on_evict(index) is called for the oldest
  // entry (AgeOrder::second_chance: the first the clock hand finds unmarked) before it is removed
  // and its slot reused.
  template <typename OnEvict>
  Index insert(const CallKey& key, OnEvict&& on_evict) {
    if (2 * std::size_t{size_} >= std::size_t{mask_} && mask_ < max_mask_) grow_index();
    if (size_ == capacity_) {
      const Index victim = used_marks_ ? clock_victim() : head_;
      on_evict(victim);
      erase(victim);
    }
    Index node;
    if (free_ != kNone) {
      node = free_;
      free_ = nodes_[node].next;
    } else {
      node = used_++;
    }
    nodes_[node].key = key;
    nodes_[node].value = Value{};
    if (used_marks_) {
      // Marked: a new entry is used, and is spared once even when the hand is just before it.
      nodes_[node].prev = kNone;  // live, on no list
      nodes_[node].next = kNone;
      set_mark(node, true);
    } else {
      link_tail(node);  // sets prev: live
    }
    Index slot = static_cast<Index>(key.lo) & mask_;
    while (index_[slot].node != 0) slot = (slot + 1) & mask_;
    index_[slot] = Slot{node + 1, static_cast<std::uint32_t>(key.lo)};
    ++size_;
    return node;
  }

  void erase(Index node) {
    Index slot = static_cast<Index>(nodes_[node].key.lo) & mask_;
    while (index_[slot].node != node + 1) slot = (slot + 1) & mask_;
    // Backward-shift: move later members of the probe chain into the hole so that every entry
    // stays reachable from its home slot without tombstones.
    for (Index next = (slot + 1) & mask_; index_[next].node != 0; next = (next + 1) & mask_) {
      const Index home = index_[next].low & mask_;
      // Move if `home` is not cyclically within (slot, next].
      const bool home_in_range = slot <= next ? (slot < home && home <= next) : (slot < home || home <= next);
      if (!home_in_range) {
        index_[slot] = index_[next];
        slot = next;
      }
    }
    index_[slot] = Slot{};
    if (!used_marks_) unlink(node);
    nodes_[node].prev = kFreed;
    nodes_[node].next = free_;
    free_ = node;
    --size_;
  }

  // Makes `node` the youngest entry (AgeOrder::second_chance: marks it as used).
  void touch(Index node) {
    if (used_marks_) {
      set_mark(node, true);
      return;
    }
    make_youngest(node);
  }

  // The age list, oldest first (AgeOrder::last_use only: a second-chance table keeps none).
  Index oldest() const {
    assert(!used_marks_);
    return head_;
  }
  Index younger(Index node) const {
    assert(!used_marks_);
    return nodes_[node].next;
  }
  // Every live entry in storage order, any table: first_entry(), then next_entry(i) until kNone.
  Index first_entry() const { return live_from(0); }
  Index next_entry(Index node) const { return live_from(node + 1); }
  bool live(Index node) const { return node < used_ && nodes_[node].prev != kFreed; }

  const CallKey& key(Index node) const { return nodes_[node].key; }
  Value& operator[](Index node) { return nodes_[node].value; }
  const Value& operator[](Index node) const { return nodes_[node].value; }

 private:
  // prev of an entry on the free list: no index reaches it (capacity <= kNone / 4). A flag of its
  // own would cost 8 bytes an entry in padding.
  static constexpr Index kFreed = kNone - 1;
  struct Node {
    CallKey key;
    Index prev;  // age list (free list uses next); kFreed: not live
    Index next;
    Value value;
  };
  struct Slot {
    Index node;         // entry number + 1; 0: empty
    std::uint32_t low;  // low 32 bits of the entry's key: its home slot and a first filter
  };
  static Index index_size(Index capacity) {
    Index size = 16;
    while (size < 2 * static_cast<std::uint64_t>(capacity)) size <<= 1;
    return size;
  }

  // Doubles the index: every slot placed again from its home in the larger one (any order keeps
  // each entry reachable from its home). Allocates (at most log2(capacity / kInitialIndexSlots)
  // times in a table's life); when that fails the table is left as it was.
  void grow_index() {
    const Index grown_mask = 2 * mask_ + 1;
    ZeroedArray<Slot> grown(std::size_t{grown_mask} + 1);
    for (std::size_t i = 0; i <= mask_; ++i) {
      const Slot stored = index_[i];
      if (stored.node == 0) continue;
      Index slot = stored.low & grown_mask;
      while (grown[slot].node != 0) slot = (slot + 1) & grown_mask;
      grown[slot] = stored;
    }
    index_ = std::move(grown);
    mask_ = grown_mask;
  }

  Index live_from(Index node) const {
    for (; node < used_; ++node) {
      if (live(node)) return node;
    }
    return kNone;
  }

  // A full table: every node in [0, capacity_) is live. Each marked one the hand passes loses its
  // mark (its second chance); the first unmarked one is the victim. Each mark cleared was set by
  // an insert() or touch(), so this is O(1) amortized, and at most one sweep.
  Index clock_victim() {
    for (;;) {
      const Index node = hand_;
      hand_ = node + 1 == capacity_ ? 0 : node + 1;
      if (!marked(node)) return node;
      set_mark(node, false);
    }
  }

  void link_tail(Index node) {
    nodes_[node].prev = tail_;
    nodes_[node].next = kNone;
    if (tail_ != kNone) nodes_[tail_].next = node;
    tail_ = node;
    if (head_ == kNone) head_ = node;
  }

  void make_youngest(Index node) {
    if (tail_ == node) return;
    unlink(node);
    link_tail(node);
  }

  bool marked(Index node) const { return (used_marks_[node / 64] >> (node % 64) & 1) != 0; }
  void set_mark(Index node, bool used) {
    const std::uint64_t bit = std::uint64_t{1} << (node % 64);
    used_marks_[node / 64] = used ? used_marks_[node / 64] | bit : used_marks_[node / 64] & ~bit;
  }

  void unlink(Index node) {
    const Index prev = nodes_[node].prev;
    const Index next = nodes_[node].next;
    (prev != kNone ? nodes_[prev].next : head_) = next;
    (next != kNone ? nodes_[next].prev : tail_) = prev;
  }

  Index capacity_;
  Index max_mask_;  // of the index at full size: twice the capacity or more
  Index mask_;
  ZeroedArray<Node> nodes_;
  ZeroedArray<Slot> index_;
  ZeroedArray<std::uint64_t> used_marks_;  // AgeOrder::second_chance: a bit an entry; else empty
  Index used_ = 0;                         // nodes [0, used_) have been handed out at least once
  Index free_ = kNone;
  Index head_ = kNone;  // oldest (AgeOrder::last_use)
  Index tail_ = kNone;  // youngest (AgeOrder::last_use)
  Index hand_ = 0;      // the next entry the clock looks at (AgeOrder::second_chance)
  Index size_ = 0;
};

}  // namespace sipmon
