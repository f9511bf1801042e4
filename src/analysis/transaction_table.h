#pragma once
// Live transactions: a fixed-capacity open-addressing table allocated once, bounded probing, entries
// that expire by packet time. It decides, per message, whether the message starts or continues a
// transaction and whether it repeats a message already seen in it (a retransmission).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/transaction_key.h"
#include "analysis/zeroed_array.h"

namespace sipmon {

struct TransactionTableConfig {
  // The bound: the most entries the table may grow to, rounded up to a power of two. 57 bytes an
  // entry (TransactionTable::kEntryBytes): 2^22 entries take 228 MiB. Sized from the rate the defaults are documented
  // for (docs/transactions.md, "Sizing"): 5 000 calls/s with registrations keep ~0.6 M transactions live (each lives 32
  // s after its last message), which the bounded probe window holds without evicting at 2^21 entries; the default
  // leaves twice that.
  std::size_t capacity = std::size_t{1} << 22;
  // Entries allocated at first (at most `capacity`). The table doubles, rehashing its live entries,
  // whenever an insertion would otherwise evict a live transaction, until `capacity`: a small
  // capture keeps a small table that stays in the CPU caches, a busy link gets the room it needs,
  // and only a table at its bound evicts.
  std::size_t initial_capacity = std::size_t{1} << 16;
  // RFC 3261 Timer B/F/H: 64*T1 = 32 s. A transaction unseen for this long is over.
  std::int64_t lifetime_ns = 32'000'000'000;
  // Two copies of the same message on the same hop closer than this are one packet captured twice
  // (tcpdump -i any sees a bridged or forwarded packet on both interfaces, a mirror port fed from
  // both directions copies it twice; the corpus shows such copies up to ~1.5 ms apart), not a
  // retransmission: a sender waits T1 (500 ms by default) before it retransmits.
  std::int64_t duplicate_window_ns = 50'000'000;
};

// What the table saw in one message.
enum class TransactionEvent : std::uint8_t {
  first,           // first copy of this message in its transaction
  retransmission,  // the same request (or the same final response) again
  duplicate,       // the same message again within the duplicate window
};

// The part of a message the table looks at.
struct TransactionMessage {
  TransactionKey key;
  bool is_request = false;
  bool is_ack = false;
  std::uint16_t status_code = 0;
  std::uint32_t to_tag_hash = 0;  // tells the 2xx of different forks apart
  std::int64_t ts_ns = 0;
};

struct TransactionTableStats {
  std::uint64_t created = 0;
  std::uint64_t cancels_matched = 0;    // CANCELs whose INVITE transaction is in the table
  std::uint64_t cancels_unmatched = 0;  // ... and those whose INVITE was not seen (or is gone)
  std::uint64_t expired = 0;            // reused after the lifetime ran out (normal end)
  std::uint64_t evicted = 0;            // dropped while still live because the table was full there
  std::uint64_t grown = 0;              // times the table doubled
};

class TransactionTable {
 public:
  explicit TransactionTable(TransactionTableConfig config = {});

  TransactionEvent observe(const TransactionMessage& message);
  // Starts loading the lines observe() will read for `key` (a hint: changes nothing). The control
  // bytes are read here, not merely prefetched: they are 1 byte a slot (4 MiB at the default bound),
  // so they mostly stay in the last-level cache and cost no memory round trip, and they say which
  // entries the lookup will read: those lines, and the slot's last-seen time, are all that is
  // fetched for a message of a known transaction. A key not in its home window will be inserted:
  // see the definition for what that fetches.
  void prefetch(const TransactionKey& key) const;

  // A CANCEL seen for the first time: marks the live INVITE transaction `invite_key` as cancelled.
  // Returns whether that INVITE was found.
  bool cancel(const TransactionKey& invite_key, std::int64_t ts_ns);

  // What is known about a live transaction, for the layers above (dialogs, metrics).
  struct State {
    bool request_seen = false;
    bool cancelled = false;
    std::uint16_t final_code = 0;  // 0: no final response yet
  };
  std::optional<State> find(const TransactionKey& key) const;

  const TransactionTableStats& stats() const { return stats_; }
  std::size_t capacity() const { return entries_.size(); }  // entries now (grows up to the bound)
  std::size_t max_capacity() const { return max_capacity_; }

 private:
  // How many slots from the home slot a key may live in. Bounded so a lookup is a few cache lines
  // whatever the load. A window whose slots all hold live transactions overflows into a second
  // window, found from the other half of the key (a bit in the home slot says some key did); with
  // both full the table grows, and at its bound evicts the least recently used of the two. One
  // window alone overflows too often for "no live transaction evicted" at millions of inserts: at
  // load a, a random window of 8 is full about a^8 of the time; two must both be.
  static constexpr std::size_t kProbeWindow = 8;

  // A slot is split over three arrays so that a lookup reads only what it needs (docs/performance.md,
  // "Transaction table: one probe"): one control byte (which slots may hold the key: a window is one
  // 8-byte load), the slot's last-seen time (only read for the slot found, or for the whole window
  // when an insert finds no empty slot and must choose what to replace), and the entry itself, read
  // only where the control byte matches.
  struct Entry {
    std::uint64_t key_hi = 0;
    std::uint64_t key_lo = 0;
    std::int64_t request_ns = 0;
    std::int64_t ack_ns = 0;
    std::int64_t final_ns = 0;
    std::uint32_t final_to_tag = 0;
    std::uint16_t final_code = 0;
    std::uint8_t flags = 0;
  };
  static_assert(sizeof(Entry) <= 48, "keep entries small: the table is sized once for the worst case");

 public:
  // One slot: its entry, its last-seen time and its control byte (bench/flood_memory.cpp, the docs'
  // memory figures).
  static constexpr std::size_t kEntryBytes = sizeof(Entry) + sizeof(std::int64_t) + sizeof(std::uint8_t);

 private:
  // Zero-filled (all zero is an empty slot), huge pages advised before they are first written
  // (zeroed_array.h), where a std::vector would have written every page first.
  using Entries = ZeroedArray<Entry>;
  using Times = ZeroedArray<std::int64_t>;
  using Controls = ZeroedArray<std::uint8_t>;
  static constexpr std::uint8_t kRequestSeen = 1;
  static constexpr std::uint8_t kAckSeen = 2;
  static constexpr std::uint8_t kCancelled = 4;
  // Control byte: the low 7 bits are the key's fingerprint (1-127; 0: the slot is empty), the top bit
  // belongs to the slot, not its entry: a key whose home this is lives in its second window.
  static constexpr std::uint8_t kFingerprintBits = 0x7f;
  static constexpr std::uint8_t kOverflowed = 0x80;
  static constexpr std::size_t kNotFound = ~std::size_t{0};

  static std::uint8_t fingerprint(const TransactionKey& key) {
    // From bits the slot index does not use (the top of a product of both halves), never 0.
    const std::uint64_t mixed = (key.hi ^ key.lo) * 0x9E3779B97F4A7C15ull;
    const auto fp = static_cast<std::uint8_t>(mixed >> 57);
    return fp != 0 ? fp : 1;
  }
  // The control bytes of the window from `first`, byte i for slot first + i (the array repeats its
  // first kProbeWindow - 1 bytes after its end, so a window that wraps is one load too).
  std::uint64_t window(std::size_t first) const;
  void set_control(std::size_t slot, std::uint8_t value) {
    control_[slot] = value;
    if (slot < kProbeWindow - 1) control_[slot + entries_.size()] = value;
  }
  // The slot of the window from `first` holding `key` (the first in window order), or kNotFound.
  std::size_t find_in(std::size_t first, const TransactionKey& key, std::uint8_t fp) const;
  std::size_t find_live(const TransactionKey& key, std::int64_t now) const;
  void prefetch_entry(std::size_t slot) const;  // the entry's line(s) and its last-seen time

  bool occupied(std::size_t slot) const { return (control_[slot] & kFingerprintBits) != 0; }
  bool live(std::size_t slot, std::int64_t now) const {
    return occupied(slot) && now - last_ns_[slot] <= config_.lifetime_ns;
  }
  std::size_t find_or_insert(const TransactionKey& key, std::int64_t now);
  // The best slot of the window from `first` to take: the first empty one, else the first expired
  // one least recently used, else the least recently used (ties: the first in window order).
  std::size_t victim_in(std::size_t first, std::int64_t now) const;
  // Makes `slot` a new, empty entry for the key (its overflow bit kept).
  void take(std::size_t slot, const TransactionKey& key, std::uint8_t fp);
  // Doubles the table, keeping the live entries (expired ones are dropped: they are over anyway).
  // Allocates: rare (at most log2(bound / initial) times in a process), never per message after.
  void grow(std::int64_t now);
  void allocate(std::size_t capacity);
  // Puts the old arrays' live entries into the (empty) table; returns how many found no room.
  std::size_t place_all(const Controls& control, const Times& last_ns, const Entries& entries, std::int64_t now);
  TransactionEvent repeat(std::int64_t& last_copy_ns, std::int64_t now) const;

  TransactionTableConfig config_;
  Controls control_;  // capacity + kProbeWindow - 1 bytes
  Times last_ns_;     // last message of any kind, for expiry and for choosing what to replace
  Entries entries_;
  std::size_t mask_ = 0;
  std::size_t max_capacity_ = 0;
  std::int64_t now_ns_ = 0;  // latest packet time seen: time never runs backwards here
  TransactionTableStats stats_;
};

}  // namespace sipmon
