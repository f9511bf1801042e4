#include "analysis/transaction_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace sipmon {

TransactionTable::TransactionTable(TransactionTableConfig config) : config_(config) {
  max_capacity_ = std::bit_ceil(std::max(config_.capacity, kProbeWindow));
  const std::size_t capacity = std::min(max_capacity_, std::bit_ceil(std::max(config_.initial_capacity, kProbeWindow)));
  // Address space for the bound; pages only as they are used.
  const std::size_t max_windows = max_capacity_ / kProbeWindow;
  windows_ = ZeroedArray<Window>(max_windows);
  overflowed_ = ZeroedArray<std::uint64_t>((max_windows + 63) / 64);
  windows_in_use_ = capacity / kProbeWindow;
}

void TransactionTable::put(Window& w, std::size_t i, const Key& key, std::int64_t last_ns, const SlotState& state) {
  w.keys[i] = key;
  w.last_ns[i] = last_ns;
  w.states[i] = state;
}

// Copying the live entries into a new table twice the size (as this did until 2026-12-03) had the
// kernel zero the new table's pages while the old one's were still held: ~26 MiB more zeroed on
// the load capture, 3-6 % of its replay's samples on this project's VMs (docs/performance.md, "A table that
// doubles in place"). With windows side by side, doubling splits each window in two, in place:
// window w's keys go to w or w + n (n: windows before), by the next bit of the hash that chose w,
// and those that stay move up to the window's start, so no key lives past an empty slot. Eight
// keys at most leave a window of eight, so the new one always has room: nothing is lost.
void TransactionTable::grow(std::int64_t now) {
  const std::size_t old_windows = windows_in_use_;
  // The overflow bits are set again below, from the keys living in their second window.
  for (std::size_t w = 0; w < (old_windows + 63) / 64; ++w) overflowed_[w] = 0;
  windows_in_use_ = 2 * old_windows;
  ++stats_.grown;
  for (std::size_t w = 0; w < old_windows; ++w) {
    Window& low = windows_[w];
    Window& high = windows_[w + old_windows];
    std::size_t kept = 0;
    std::size_t moved = 0;
    for (std::size_t i = 0; i < kProbeWindow; ++i) {
      const Key key = low.keys[i];
      if ((key.hi | key.lo) == 0) break;  // none past an empty slot
      if (!live(low, i, now)) continue;
      const std::int64_t last_ns = low.last_ns[i];
      const SlotState state = low.states[i];  // copied first: its slot may be the one written
      // A key is here by its home (the low half of the key), or overflowed by the other half.
      const bool at_home = (static_cast<std::size_t>(key.lo) & (old_windows - 1)) == w;
      const std::size_t hash = static_cast<std::size_t>(at_home ? key.lo : key.hi);
      if (!at_home) set_overflowed(window_number(static_cast<std::size_t>(key.lo)));
      const bool to_high = (hash & old_windows) != 0;
      put(to_high ? high : low, to_high ? moved++ : kept++, key, last_ns, state);
    }
    for (std::size_t i = kept; i < kProbeWindow; ++i) put(low, i, Key{}, 0, SlotState{});  // empty
  }
}

// A slot, once taken, is never emptied again (an entry that is over stays until a new one takes its
// slot; only grow() rebuilds, packing each window's keys at its start). And a key
// is put in the first empty slot of its window when there is one. So a window holds no key of its
// own past an empty slot: the lookups stop there, having read only keys (issue 26: fewer random
// lines a message).
std::size_t TransactionTable::find_key(const Window& w, const TransactionKey& key, std::size_t& first_empty) const {
  for (std::size_t i = 0; i < kProbeWindow; ++i) {
    const Key& k = w.keys[i];
    if (k.hi == key.hi && k.lo == key.lo) return i;
    if ((k.hi | k.lo) == 0) {
      first_empty = i;
      return kNotFound;
    }
  }
  first_empty = kNotFound;
  return kNotFound;
}

// The slot to take in a window without `key`: its first empty slot, else one whose transaction is
// over, else the least recently used.
std::size_t TransactionTable::victim(const Window& w, std::size_t first_empty, std::int64_t now) const {
  if (first_empty != kNotFound) return first_empty;
  std::size_t best = 0;
  bool best_live = live(w, 0, now);
  for (std::size_t i = 1; i < kProbeWindow; ++i) {
    const bool is_live = live(w, i, now);
    if ((best_live && !is_live) || (best_live == is_live && w.last_ns[i] < w.last_ns[best])) {
      best = i;
      best_live = is_live;
    }
  }
  return best;
}

TransactionTable::Slot TransactionTable::find_or_insert(const TransactionKey& key, std::int64_t now) {
  const std::size_t home_number = window_number(static_cast<std::size_t>(key.lo));
  Window* const home = &windows_[home_number];
  Window* const second = window(static_cast<std::size_t>(key.hi));
  std::size_t home_empty = kNotFound;
  std::size_t second_empty = kNotFound;
  Slot found{home, find_key(*home, key, home_empty)};
  const bool is_overflowed = overflowed(home_number);
  if (found.i == kNotFound && is_overflowed) found = Slot{second, find_key(*second, key, second_empty)};
  Slot victim_slot{home, kNotFound};
  if (found.i != kNotFound) {
    if (live(found, now)) return found;
    victim_slot = found;  // same key after its lifetime: a new transaction in the same slot
  } else {
    victim_slot.i = victim(*home, home_empty, now);
    if (live(victim_slot, now)) {
      // Every slot of the home window holds a live transaction: the second window (by the other half
      // of the key) takes the overflow. Only when both are full does the table grow, and only at
      // its bound does it evict the least recently used of the two.
      if (!is_overflowed) find_key(*second, key, second_empty);  // else searched above
      const Slot second_victim{second, victim(*second, second_empty, now)};
      if (live(second_victim, now) && capacity() < max_capacity_) {
        grow(now);
        return find_or_insert(key, now);  // not in the table: inserts
      }
      if (!live(second_victim, now) || second_victim.last_ns() < victim_slot.last_ns()) {
        victim_slot = second_victim;
        set_overflowed(home_number);
      }
    }
  }
  const Key& old = victim_slot.window->keys[victim_slot.i];
  if ((old.hi | old.lo) != 0) {
    if (live(victim_slot, now)) {
      ++stats_.evicted;
    } else {
      ++stats_.expired;
    }
  }
  put(*victim_slot.window, victim_slot.i, Key{.hi = key.hi, .lo = key.lo}, now, SlotState{});
  ++stats_.created;
  return victim_slot;
}

std::optional<TransactionTable::Slot> TransactionTable::find_live(const TransactionKey& key, std::int64_t now) const {
  const std::size_t home_number = window_number(static_cast<std::size_t>(key.lo));
  std::size_t insert_at = kNotFound;  // find_key's answer for an insert: a lookup alone has no use for it
  Slot slot{&windows_[home_number], 0};
  slot.i = find_key(*slot.window, key, insert_at);
  if (slot.i == kNotFound && overflowed(home_number)) {
    slot.window = window(static_cast<std::size_t>(key.hi));
    slot.i = find_key(*slot.window, key, insert_at);
  }
  if (slot.i == kNotFound || !live(slot, now)) return std::nullopt;
  return slot;
}

bool TransactionTable::cancel(const TransactionKey& invite_key, std::int64_t ts_ns) {
  now_ns_ = std::max(now_ns_, ts_ns);
  const std::optional<Slot> invite = find_live(invite_key, now_ns_);
  if (!invite) {
    ++stats_.cancels_unmatched;
    return false;
  }
  invite->state().flags |= kCancelled;
  invite->last_ns() = now_ns_;
  ++stats_.cancels_matched;
  return true;
}

std::optional<TransactionTable::State> TransactionTable::find(const TransactionKey& key) const {
  const std::optional<Slot> slot = find_live(key, now_ns_);
  if (!slot) return std::nullopt;
  const SlotState& state = slot->state();
  return State{.request_seen = (state.flags & kRequestSeen) != 0,
               .cancelled = (state.flags & kCancelled) != 0,
               .final_code = state.final_code};
}

TransactionEvent TransactionTable::repeat(std::int64_t& last_copy_ns, std::int64_t ts_ns) const {
  const std::int64_t gap = ts_ns > last_copy_ns ? ts_ns - last_copy_ns : last_copy_ns - ts_ns;
  last_copy_ns = ts_ns;
  return gap < config_.duplicate_window_ns ? TransactionEvent::duplicate : TransactionEvent::retransmission;
}

TransactionEvent TransactionTable::observe(const TransactionMessage& message) {
  // Expiry runs on the latest packet time, so a capture file whose packets go briefly backwards
  // does not resurrect or expire anything early.
  now_ns_ = std::max(now_ns_, message.ts_ns);
  const Slot slot = find_or_insert(message.key, now_ns_);
  slot.last_ns() = now_ns_;
  SlotState& entry = slot.state();
  const std::int64_t ts = message.ts_ns;

  if (message.is_request) {
    const std::uint8_t bit = message.is_ack ? kAckSeen : kRequestSeen;
    std::int64_t& last_copy = message.is_ack ? entry.ack_ns : entry.request_ns;
    if ((entry.flags & bit) != 0) return repeat(last_copy, ts);
    entry.flags |= bit;
    last_copy = ts;
    return TransactionEvent::first;
  }
  // Provisional responses are never called retransmissions: a 1xx with the same code may well be
  // a new message (183 with new SDP, a reliable 1xx with a new RSeq), and tshark agrees.
  if (message.status_code < 200) return TransactionEvent::first;
  if (entry.final_code == message.status_code && entry.final_to_tag == message.to_tag_hash) {
    return repeat(entry.final_ns, ts);
  }
  entry.final_code = message.status_code;
  entry.final_to_tag = message.to_tag_hash;
  entry.final_ns = ts;
  return TransactionEvent::first;
}

}  // namespace sipmon
