#include "analysis/transaction_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace sipmon {

namespace {

constexpr std::uint64_t kLowBits = 0x7f7f7f7f7f7f7f7full;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
constexpr std::uint64_t kOnes = 0x0101010101010101ull;

// Bit 7 of byte i set where the 7-bit field of byte i of `window` equals `value` (exact: with the
// top bits cleared no byte's sum carries into the next).
std::uint64_t bytes_equal(std::uint64_t window, std::uint8_t value) {
  const std::uint64_t diff = (window & kLowBits) ^ (kOnes * value);
  return ~(diff + kLowBits) & kHighBits;
}

std::size_t first_byte(std::uint64_t mask) { return static_cast<std::size_t>(std::countr_zero(mask)) / 8; }

}  // namespace

TransactionTable::TransactionTable(TransactionTableConfig config) : config_(config) {
  max_capacity_ = std::bit_ceil(std::max(config_.capacity, kProbeWindow));
  allocate(std::min(max_capacity_, std::bit_ceil(std::max(config_.initial_capacity, kProbeWindow))));
}

void TransactionTable::allocate(std::size_t capacity) {
  control_ = Controls(capacity + kProbeWindow - 1);
  last_ns_ = Times(capacity);
  entries_ = Entries(capacity);
  mask_ = capacity - 1;
}

std::uint64_t TransactionTable::window(std::size_t first) const {
  std::uint64_t bytes = 0;
  std::memcpy(&bytes, &control_[first], sizeof bytes);
  if constexpr (std::endian::native == std::endian::big) bytes = __builtin_bswap64(bytes);
  return bytes;
}

std::size_t TransactionTable::find_in(std::size_t first, const TransactionKey& key, std::uint8_t fp) const {
  // Only slots whose fingerprint matches are read: one in 127 of the others on average.
  for (std::uint64_t match = bytes_equal(window(first), fp); match != 0; match &= match - 1) {
    const std::size_t slot = (first + first_byte(match)) & mask_;
    const Entry& entry = entries_[slot];
    if (entry.key_hi == key.hi && entry.key_lo == key.lo) return slot;
  }
  return kNotFound;
}

void TransactionTable::prefetch(const TransactionKey& key) const {
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  __builtin_prefetch(&control_[home]);
  __builtin_prefetch(&control_[home + kProbeWindow - 1]);
  __builtin_prefetch(&last_ns_[home]);
  __builtin_prefetch(&last_ns_[(home + kProbeWindow - 1) & mask_]);
  for (std::size_t i = 0; i < kProbeWindow; i += 2) prefetch_entry((home + i) & mask_);
  prefetch_entry((home + kProbeWindow - 1) & mask_);
}

void TransactionTable::prefetch_entry(std::size_t slot) const {
  const Entry* entry = &entries_[slot];
  __builtin_prefetch(entry);
  __builtin_prefetch(reinterpret_cast<const char*>(entry + 1) - 1);  // 48 bytes may span two lines
  __builtin_prefetch(&last_ns_[slot]);
}

std::size_t TransactionTable::victim_in(std::size_t first, std::int64_t now) const {
  // Prefer an empty slot, then one whose transaction is over, then the least recently used. An
  // empty slot is known from the control bytes alone; only a window without one reads its times.
  const std::uint64_t empty = bytes_equal(window(first), 0);
  if (empty != 0) return (first + first_byte(empty)) & mask_;
  std::size_t best = first;
  bool best_live = now - last_ns_[first] <= config_.lifetime_ns;
  for (std::size_t i = 1; i < kProbeWindow; ++i) {
    const std::size_t slot = (first + i) & mask_;
    const std::int64_t last = last_ns_[slot];
    const bool is_live = now - last <= config_.lifetime_ns;
    if ((!is_live && best_live) || (is_live == best_live && last < last_ns_[best])) {
      best = slot;
      best_live = is_live;
    }
  }
  return best;
}

void TransactionTable::take(std::size_t slot, const TransactionKey& key, std::uint8_t fp) {
  set_control(slot, static_cast<std::uint8_t>((control_[slot] & kOverflowed) | fp));
  entries_[slot] = Entry{.key_hi = key.hi, .key_lo = key.lo};
}

std::size_t TransactionTable::place_all(const Controls& control, const Times& last_ns, const Entries& entries,
                                        std::int64_t now) {
  std::size_t lost = 0;
  const auto empty_in = [this](std::size_t home) -> std::size_t {
    const std::uint64_t empty = bytes_equal(window(home), 0);
    return empty != 0 ? (home + first_byte(empty)) & mask_ : kNotFound;
  };
  for (std::size_t from = 0; from < entries.size(); ++from) {
    const auto fp = static_cast<std::uint8_t>(control[from] & kFingerprintBits);
    if (fp == 0 || now - last_ns[from] > config_.lifetime_ns) continue;
    const Entry& entry = entries[from];
    const std::size_t home = static_cast<std::size_t>(entry.key_lo) & mask_;
    std::size_t slot = empty_in(home);
    if (slot == kNotFound) {
      slot = empty_in(static_cast<std::size_t>(entry.key_hi) & mask_);
      if (slot == kNotFound) {
        ++lost;
        continue;
      }
      set_control(home, static_cast<std::uint8_t>(control_[home] | kOverflowed));
    }
    set_control(slot, static_cast<std::uint8_t>((control_[slot] & kOverflowed) | fp));
    last_ns_[slot] = last_ns[from];
    entries_[slot] = entry;
  }
  return lost;
}

void TransactionTable::grow(std::int64_t now) {
  Controls old_control = std::move(control_);
  Times old_last_ns = std::move(last_ns_);
  Entries old_entries = std::move(entries_);
  std::size_t capacity = old_entries.size();
  std::size_t lost = 0;
  do {  // windows that overflow even at double the size (very unlikely) double once more
    capacity *= 2;
    allocate(capacity);
    ++stats_.grown;
    lost = place_all(old_control, old_last_ns, old_entries, now);
  } while (lost != 0 && capacity < max_capacity_);
  stats_.evicted += lost;  // only at the bound
}

std::size_t TransactionTable::find_or_insert(const TransactionKey& key, std::int64_t now) {
  const std::uint8_t fp = fingerprint(key);
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  const std::size_t second = static_cast<std::size_t>(key.hi) & mask_;
  std::size_t found = find_in(home, key, fp);
  const bool overflowed = (control_[home] & kOverflowed) != 0;
  if (found == kNotFound && overflowed) found = find_in(second, key, fp);
  std::size_t victim = kNotFound;
  if (found != kNotFound) {
    if (live(found, now)) return found;
    victim = found;  // same key after its lifetime: a new transaction in the same slot
  } else {
    victim = victim_in(home, now);
    if (live(victim, now)) {
      // Every slot of the home window holds a live transaction: the second window (by the other
      // half of the key) takes the overflow. Only when both are full does the table grow, and only
      // at its bound does it evict the least recently used of the two windows. (A key in its second
      // window always has its home's overflow bit set, so the second window cannot hold it here.)
      const std::size_t second_victim = victim_in(second, now);
      if (live(second_victim, now) && entries_.size() < max_capacity_) {
        grow(now);
        return find_or_insert(key, now);  // not in the table: inserts
      }
      if (!live(second_victim, now) || last_ns_[second_victim] < last_ns_[victim]) {
        victim = second_victim;
        set_control(home, static_cast<std::uint8_t>(control_[home] | kOverflowed));
      }
    }
  }
  if (occupied(victim)) {
    if (live(victim, now)) {
      ++stats_.evicted;
    } else {
      ++stats_.expired;
    }
  }
  take(victim, key, fp);
  last_ns_[victim] = now;
  ++stats_.created;
  return victim;
}

std::size_t TransactionTable::find_live(const TransactionKey& key, std::int64_t now) const {
  const std::uint8_t fp = fingerprint(key);
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  std::size_t slot = find_in(home, key, fp);
  if (slot == kNotFound && (control_[home] & kOverflowed) != 0) {
    slot = find_in(static_cast<std::size_t>(key.hi) & mask_, key, fp);
  }
  return slot != kNotFound && live(slot, now) ? slot : kNotFound;
}

bool TransactionTable::cancel(const TransactionKey& invite_key, std::int64_t ts_ns) {
  now_ns_ = std::max(now_ns_, ts_ns);
  const std::size_t invite = find_live(invite_key, now_ns_);
  if (invite == kNotFound) {
    ++stats_.cancels_unmatched;
    return false;
  }
  entries_[invite].flags |= kCancelled;
  last_ns_[invite] = now_ns_;
  ++stats_.cancels_matched;
  return true;
}

std::optional<TransactionTable::State> TransactionTable::find(const TransactionKey& key) const {
  const std::size_t slot = find_live(key, now_ns_);
  if (slot == kNotFound) return std::nullopt;
  const Entry& entry = entries_[slot];
  return State{.request_seen = (entry.flags & kRequestSeen) != 0,
               .cancelled = (entry.flags & kCancelled) != 0,
               .final_code = entry.final_code};
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
  const std::size_t slot = find_or_insert(message.key, now_ns_);
  last_ns_[slot] = now_ns_;
  Entry& entry = entries_[slot];
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
