#pragma once
// Intrusive FIFO lists of table entries whose deadlines are "event time + a constant" (one
// constant per list): appending at the event keeps each list ordered by deadline, so the next
// deadline is always at one of the heads and expiry costs O(1) per entry, exactly to the packet.
// The links live in the entries themselves (which a BoundedTable reserves with calloc): no
// allocation, nothing touched before it is used.
//
// Value must have `std::uint32_t timer_prev, timer_next` and `std::uint8_t timer_list`
// (kNoList when on no list).
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

namespace sipmon {

template <typename Table, std::size_t N>
class TimerLists {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = 0xffffffffu;
  static constexpr std::uint8_t kNoList = 0xff;

  explicit TimerLists(Table& table) : table_(table) {
    heads_.fill(kNone);
    tails_.fill(kNone);
  }

  // Moves `index` to the end of `list` (removing it from the list it is on, if any).
  void push_back(std::uint8_t list, Index index) {
    remove(index);
    auto& entry = table_[index];
    entry.timer_list = list;
    entry.timer_prev = tails_[list];
    entry.timer_next = kNone;
    (tails_[list] != kNone ? table_[tails_[list]].timer_next : heads_[list]) = index;
    tails_[list] = index;
  }

  void remove(Index index) {
    auto& entry = table_[index];
    if (entry.timer_list == kNoList) return;
    const std::uint8_t list = entry.timer_list;
    (entry.timer_prev != kNone ? table_[entry.timer_prev].timer_next : heads_[list]) = entry.timer_next;
    (entry.timer_next != kNone ? table_[entry.timer_next].timer_prev : tails_[list]) = entry.timer_prev;
    entry.timer_list = kNoList;
  }

  Index front(std::uint8_t list) const { return heads_[list]; }

 private:
  Table& table_;
  std::array<Index, N> heads_;
  std::array<Index, N> tails_;
};

// A lower bound on the earliest deadline of a tracker's timer lists, so that the check made for
// every packet is one compare while nothing is due. Arming a timer lowers it; removing one leaves
// it a looser lower bound; a scan of the heads that finds nothing due sets it to what it found.
class DeadlineBound {
 public:
  void lower_to(std::int64_t deadline) { bound_ = std::min(bound_, deadline); }
  // False only when no timer's deadline is at or before now_ns: the heads need no look.
  bool may_be_due(std::int64_t now_ns) const { return bound_ <= now_ns; }
  void set(std::int64_t earliest) { bound_ = earliest; }
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

 private:
  std::int64_t bound_ = kNever;
};

}  // namespace sipmon
