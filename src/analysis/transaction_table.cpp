#include "analysis/transaction_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace sipmon {

TransactionTable::TransactionTable(TransactionTableConfig config) : config_(config) {
  const std::size_t capacity = std::bit_ceil(std::max(config_.capacity, kProbeWindow));
  entries_.resize(capacity);  // the only allocation this table ever makes
  mask_ = capacity - 1;
}

TransactionTable::Entry& TransactionTable::find_or_insert(const TransactionKey& key, std::int64_t now) {
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  Entry* victim = nullptr;
  for (std::size_t i = 0; i < kProbeWindow; ++i) {
    Entry& entry = entries_[(home + i) & mask_];
    if (entry.key_hi == key.hi && entry.key_lo == key.lo) {
      if (live(entry, now)) return entry;
      victim = &entry;  // same key after its lifetime: a new transaction in the same slot
      break;
    }
    // Prefer an empty slot, then one whose transaction is over, then the least recently used.
    if (victim == nullptr || rank(entry, now) < rank(*victim, now) ||
        (rank(entry, now) == rank(*victim, now) && entry.last_ns < victim->last_ns)) {
      victim = &entry;
    }
  }
  if ((victim->key_hi | victim->key_lo) != 0) {
    if (live(*victim, now)) {
      ++stats_.evicted;
    } else {
      ++stats_.expired;
    }
  }
  *victim = Entry{};
  victim->key_hi = key.hi;
  victim->key_lo = key.lo;
  victim->last_ns = now;
  ++stats_.created;
  return *victim;
}

const TransactionTable::Entry* TransactionTable::find_live(const TransactionKey& key, std::int64_t now) const {
  const std::size_t home = static_cast<std::size_t>(key.lo) & mask_;
  for (std::size_t i = 0; i < kProbeWindow; ++i) {
    const Entry& entry = entries_[(home + i) & mask_];
    if (entry.key_hi == key.hi && entry.key_lo == key.lo) return live(entry, now) ? &entry : nullptr;
  }
  return nullptr;
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
