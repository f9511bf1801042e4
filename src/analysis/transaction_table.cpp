#include "analysis/transaction_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace sipmon {

TransactionTable::TransactionTable(TransactionTableConfig config) : config_(config) {
  max_capacity_ = std::bit_ceil(std::max(config_.capacity, kProbeWindow));
  const std::size_t capacity = std::min(max_capacity_, std::bit_ceil(std::max(config_.initial_capacity, kProbeWindow)));
  entries_ = Entries(capacity);
  mask_ = capacity - 1;
}

void TransactionTable::take(Entry& slot, std::uint64_t key_hi, std::uint64_t key_lo) {
  const std::uint8_t overflowed = slot.flags & kOverflowed;  // belongs to the slot, not the entry
  slot = Entry{};
  slot.key_hi = key_hi;
  slot.key_lo = key_lo;
  slot.flags = overflowed;
}

std::size_t TransactionTable::place_all(const Entries& from, std::int64_t now) {
  std::size_t lost = 0;
  const auto empty_in = [this](std::size_t home) -> Entry* {
    for (std::size_t i = 0; i < kProbeWindow; ++i) {
      Entry& slot = entries_[(home + i) & mask_];
      if ((slot.key_hi | slot.key_lo) == 0) return &slot;
    }
    return nullptr;
  };
  for (const Entry& entry : from) {
    if (!live(entry, now)) continue;
    const std::size_t home = static_cast<std::size_t>(entry.key_lo) & mask_;
    Entry* slot = empty_in(home);
    if (slot == nullptr) {
      slot = empty_in(static_cast<std::size_t>(entry.key_hi) & mask_);
      if (slot == nullptr) {
        ++lost;
        continue;
      }
      entries_[home].flags |= kOverflowed;
    }
    const std::uint8_t overflowed = slot->flags & kOverflowed;
    *slot = entry;
    slot->flags = static_cast<std::uint8_t>((entry.flags & ~kOverflowed) | overflowed);
  }
  return lost;
}

void TransactionTable::grow(std::int64_t now) {
  Entries old = std::move(entries_);
  std::size_t capacity = old.size();
  std::size_t lost = 0;
  do {  // windows that overflow even at double the size (very unlikely) double once more
    capacity *= 2;
    entries_ = Entries(capacity);
    mask_ = capacity - 1;
    ++stats_.grown;
    lost = place_all(old, now);
  } while (lost != 0 && capacity < max_capacity_);
  stats_.evicted += lost;  // only at the bound
}

// A slot, once taken, is never emptied again (an entry that is over stays until a new one takes its
// slot; only grow() rebuilds, placing each entry in the first empty slot of its window). And a key
// is put in the first empty slot of its window when there is one. So a window holds no key of its
// own past an empty slot: the scans stop there. Exactly what the whole window would give (the first
// empty slot is also the victim the rules below choose), with fewer lines read while a table still
// has room (issue 26: fewer random lines a message).
TransactionTable::Entry* TransactionTable::scan(std::size_t home, const TransactionKey& key, std::int64_t now,
                                                Entry*& victim) {
  for (std::size_t i = 0; i < kProbeWindow; ++i) {
    Entry& entry = entries_[(home + i) & mask_];
    if (entry.key_hi == key.hi && entry.key_lo == key.lo) return &entry;
    if ((entry.key_hi | entry.key_lo) == 0) {
      victim = &entry;
      return nullptr;
    }
    // Prefer a slot whose transaction is over, then the least recently used (an empty slot, the
    // first choice, ended the scan above).
    if (victim == nullptr || rank(entry, now) < rank(*victim, now) ||
        (rank(entry, now) == rank(*victim, now) && entry.last_ns < victim->last_ns)) {
      victim = &entry;
    }
  }
  return nullptr;
}

TransactionTable::Entry& TransactionTable::find_or_insert(const TransactionKey& key, std::int64_t now) {
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  const std::size_t second = static_cast<std::size_t>(key.hi) & mask_;
  Entry* victim = nullptr;
  Entry* found = scan(home, key, now, victim);
  Entry* second_victim = nullptr;
  const bool overflowed = (entries_[home].flags & kOverflowed) != 0;
  if (found == nullptr && overflowed) found = scan(second, key, now, second_victim);
  if (found != nullptr) {
    if (live(*found, now)) return *found;
    victim = found;  // same key after its lifetime: a new transaction in the same slot
  } else if (live(*victim, now)) {
    // Every slot of the home window holds a live transaction: the second window (by the other half
    // of the key) takes the overflow. Only when both are full does the table grow, and only at
    // its bound does it evict the least recently used of the two windows.
    if (!overflowed) scan(second, key, now, second_victim);
    if (live(*second_victim, now) && entries_.size() < max_capacity_) {
      grow(now);
      return find_or_insert(key, now);  // not in the table: inserts
    }
    if (!live(*second_victim, now) || second_victim->last_ns < victim->last_ns) {
      victim = second_victim;
      entries_[home].flags |= kOverflowed;
    }
  }
  if ((victim->key_hi | victim->key_lo) != 0) {
    if (live(*victim, now)) {
      ++stats_.evicted;
    } else {
      ++stats_.expired;
    }
  }
  take(*victim, key.hi, key.lo);
  victim->last_ns = now;
  ++stats_.created;
  return *victim;
}

const TransactionTable::Entry* TransactionTable::find_live(const TransactionKey& key, std::int64_t now) const {
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  const auto in_window = [&](std::size_t first) -> const Entry* {
    for (std::size_t i = 0; i < kProbeWindow; ++i) {
      const Entry& entry = entries_[(first + i) & mask_];
      if (entry.key_hi == key.hi && entry.key_lo == key.lo) return &entry;
      if ((entry.key_hi | entry.key_lo) == 0) return nullptr;  // none past an empty slot: scan()
    }
    return nullptr;
  };
  const Entry* entry = in_window(home);
  if (entry == nullptr && (entries_[home].flags & kOverflowed) != 0) {
    entry = in_window(static_cast<std::size_t>(key.hi) & mask_);
  }
  return entry != nullptr && live(*entry, now) ? entry : nullptr;
}

TransactionTable::Entry* TransactionTable::find_live(const TransactionKey& key, std::int64_t now) {
  return const_cast<Entry*>(std::as_const(*this).find_live(key, now));
}

bool TransactionTable::cancel(const TransactionKey& invite_key, std::int64_t ts_ns) {
  now_ns_ = std::max(now_ns_, ts_ns);
  Entry* invite = find_live(invite_key, now_ns_);
  if (invite == nullptr) {
    ++stats_.cancels_unmatched;
    return false;
  }
  invite->flags |= kCancelled;
  invite->last_ns = now_ns_;
  ++stats_.cancels_matched;
  return true;
}

std::optional<TransactionTable::State> TransactionTable::find(const TransactionKey& key) const {
  const Entry* entry = find_live(key, now_ns_);
  if (entry == nullptr) return std::nullopt;
  return State{.request_seen = (entry->flags & kRequestSeen) != 0,
               .cancelled = (entry->flags & kCancelled) != 0,
               .final_code = entry->final_code};
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
  Entry& entry = find_or_insert(message.key, now_ns_);
  entry.last_ns = now_ns_;
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
