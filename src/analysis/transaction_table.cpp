#include "analysis/transaction_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace sipmon {

TransactionTable::TransactionTable(TransactionTableConfig config) : config_(config) {
  max_capacity_ = std::bit_ceil(std::max(config_.capacity, kProbeWindow));
  const std::size_t capacity = std::min(max_capacity_, std::bit_ceil(std::max(config_.initial_capacity, kProbeWindow)));
  entries_ = Entries(max_capacity_);  // address space for the bound; pages only as they are used
  windows_ = capacity / kProbeWindow;
}

void TransactionTable::take(Entry& slot, std::uint64_t key_hi, std::uint64_t key_lo) {
  const std::uint8_t overflowed = slot.flags & kOverflowed;  // belongs to the slot, not the entry
  slot = Entry{};
  slot.key_hi = key_hi;
  slot.key_lo = key_lo;
  slot.flags = overflowed;
}

// Copying the live entries into a new table twice the size (as this did until 2026-12-03) had the
// kernel zero the new table's pages while the old one's were still held: ~26 MiB more zeroed on
// the load capture, 3-6 % of its replay's samples on this project's VMs (docs/performance.md, "A table that
// doubles in place"). With windows side by side, doubling splits each window in two, in place:
// window w's keys go to w or w + n (n: windows before), by the next bit of the hash that chose w,
// and those that stay move up to the window's start, so no key lives past an empty slot. Eight
// keys at most leave a window of eight, so the new one always has room: nothing is lost.
void TransactionTable::grow(std::int64_t now) {
  const std::size_t old_windows = windows_;
  // The overflow bits are set again below, from the keys living in their second window.
  for (std::size_t w = 0; w < old_windows; ++w) entries_[w * kProbeWindow].flags &= ~kOverflowed;
  windows_ = 2 * old_windows;
  ++stats_.grown;
  const auto put = [](Entry& slot, const Entry& entry) {
    const std::uint8_t overflowed = slot.flags & kOverflowed;
    slot = entry;
    slot.flags = static_cast<std::uint8_t>((entry.flags & ~kOverflowed) | overflowed);
  };
  for (std::size_t w = 0; w < old_windows; ++w) {
    Entry* const low = &entries_[w * kProbeWindow];
    Entry* const high = &entries_[(w + old_windows) * kProbeWindow];
    std::size_t kept = 0;
    std::size_t moved = 0;
    for (std::size_t i = 0; i < kProbeWindow; ++i) {
      const Entry entry = low[i];
      if ((entry.key_hi | entry.key_lo) == 0) break;  // none past an empty slot
      if (!live(entry, now)) continue;
      // A key is here by its home (the low half of the key), or overflowed by the other half.
      const bool at_home = (static_cast<std::size_t>(entry.key_lo) & (old_windows - 1)) == w;
      const std::size_t hash = static_cast<std::size_t>(at_home ? entry.key_lo : entry.key_hi);
      if (!at_home) window(static_cast<std::size_t>(entry.key_lo))->flags |= kOverflowed;
      if ((hash & old_windows) != 0) {
        put(high[moved++], entry);
      } else {
        put(low[kept++], entry);
      }
    }
    for (std::size_t i = kept; i < kProbeWindow; ++i) take(low[i], 0, 0);  // empty, its slot bit kept
  }
}

// A slot, once taken, is never emptied again (an entry that is over stays until a new one takes its
// slot; only grow() rebuilds, packing each window's keys at its start). And a key
// is put in the first empty slot of its window when there is one. So a window holds no key of its
// own past an empty slot: the scans stop there. Exactly what the whole window would give (the first
// empty slot is also the victim the rules below choose), with fewer lines read while a table still
// has room (issue 26: fewer random lines a message).
TransactionTable::Entry* TransactionTable::scan(Entry* first, const TransactionKey& key, std::int64_t now,
                                                Entry*& victim) {
  for (std::size_t i = 0; i < kProbeWindow; ++i) {
    Entry& entry = first[i];
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
  Entry* const home = window(static_cast<std::size_t>(key.lo));
  Entry* const second = window(static_cast<std::size_t>(key.hi));
  Entry* victim = nullptr;
  Entry* found = scan(home, key, now, victim);
  Entry* second_victim = nullptr;
  const bool overflowed = (home->flags & kOverflowed) != 0;
  if (found == nullptr && overflowed) found = scan(second, key, now, second_victim);
  if (found != nullptr) {
    if (live(*found, now)) return *found;
    victim = found;  // same key after its lifetime: a new transaction in the same slot
  } else if (live(*victim, now)) {
    // Every slot of the home window holds a live transaction: the second window (by the other half
    // of the key) takes the overflow. Only when both are full does the table grow, and only at
    // its bound does it evict the least recently used of the two windows.
    if (!overflowed) scan(second, key, now, second_victim);
    if (live(*second_victim, now) && capacity() < max_capacity_) {
      grow(now);
      return find_or_insert(key, now);  // not in the table: inserts
    }
    if (!live(*second_victim, now) || second_victim->last_ns < victim->last_ns) {
      victim = second_victim;
      home->flags |= kOverflowed;
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
  const auto in_window = [&](const Entry* first) -> const Entry* {
    for (std::size_t i = 0; i < kProbeWindow; ++i) {
      const Entry& entry = first[i];
      if (entry.key_hi == key.hi && entry.key_lo == key.lo) return &entry;
      if ((entry.key_hi | entry.key_lo) == 0) return nullptr;  // none past an empty slot: scan()
    }
    return nullptr;
  };
  const Entry* home = window(static_cast<std::size_t>(key.lo));
  const Entry* entry = in_window(home);
  if (entry == nullptr && (home->flags & kOverflowed) != 0) entry = in_window(window(static_cast<std::size_t>(key.hi)));
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
