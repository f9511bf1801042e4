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
  // The bound: the most entries the table may grow to, rounded up to a power of two. 56 bytes an
  // entry: 2^22 entries take 224 MiB. Sized from the rate the defaults are documented for
  // (docs/transactions.md, "Sizing"): 5 000 calls/s with registrations keep ~0.6 M transactions
  // live (each lives 32 s after its last message), which the bounded probe window holds without
  // evicting at 2^21 entries; the default leaves twice that.
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
  // Starts loading the window observe() will scan first for `key` (a hint: changes nothing): every
  // line its 8 entries cover. 56-byte entries straddle lines, so the start of every other entry (as
  // this did until 2026-12-01) left two of the window's 7-8 lines to miss in scan().
  void prefetch(const TransactionKey& key) const {
    const char* first = reinterpret_cast<const char*>(window(static_cast<std::size_t>(key.lo)));
    const char* last = first + kProbeWindow * sizeof(Entry) - 1;
    for (const char* line = first; line < last; line += 64) __builtin_prefetch(line);
    __builtin_prefetch(last);
  }

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
  std::size_t capacity() const { return windows_ * kProbeWindow; }  // entries now (grows up to the bound)
  std::size_t max_capacity() const { return max_capacity_; }

 private:
  // The slots a key may live in: the window its hash names, 8 slots side by side (the table is
  // cut into windows). Bounded so a lookup is a few cache lines whatever the load. A window whose
  // slots all hold live transactions overflows into a second window, named by the other half of
  // the key (a bit in the home window's first slot says some key did); with both full the table
  // grows, and at its bound evicts the least recently used of the two. One window alone overflows
  // too often for "no live transaction evicted" at millions of inserts: at load a, a random window
  // of 8 is full about a^8 of the time; two must both be.
  static constexpr std::size_t kProbeWindow = 8;

  struct Entry {
    std::uint64_t key_hi = 0;
    std::uint64_t key_lo = 0;  // hi == lo == 0: empty
    std::int64_t last_ns = 0;  // last message of any kind, for expiry and eviction
    std::int64_t request_ns = 0;
    std::int64_t ack_ns = 0;
    std::int64_t final_ns = 0;
    std::uint32_t final_to_tag = 0;
    std::uint16_t final_code = 0;
    std::uint8_t flags = 0;
  };
  static_assert(sizeof(Entry) <= 56, "keep entries small: the table is sized once for the worst case");

 public:
  static constexpr std::size_t kEntryBytes = sizeof(Entry);  // one slot (bench/flood_memory.cpp)

 private:
  // The slots: reserved for the bound at once and zero-filled (all zero is an empty Entry{}), huge
  // pages advised before they are first written (zeroed_array.h). Only the first capacity() are
  // in use: the kernel backs pages as they are first written, so memory follows the table's
  // size, and a doubling takes the pages right after the ones in use (grow()).
  using Entries = ZeroedArray<Entry>;
  static constexpr std::uint8_t kRequestSeen = 1;
  static constexpr std::uint8_t kAckSeen = 2;
  static constexpr std::uint8_t kCancelled = 4;
  static constexpr std::uint8_t kOverflowed = 8;  // of the slot: a key whose home this is lives in its second window
  Entry* find_live(const TransactionKey& key, std::int64_t now);
  const Entry* find_live(const TransactionKey& key, std::int64_t now) const;

  bool live(const Entry& entry, std::int64_t now) const {
    return (entry.key_hi | entry.key_lo) != 0 && now - entry.last_ns <= config_.lifetime_ns;
  }
  // 0: empty, 1: expired, 2: live.
  int rank(const Entry& entry, std::int64_t now) const {
    if ((entry.key_hi | entry.key_lo) == 0) return 0;
    return live(entry, now) ? 2 : 1;
  }
  Entry& find_or_insert(const TransactionKey& key, std::int64_t now);
  // The first slot of the window a hash names (its low bits, as many as the table has windows).
  Entry* window(std::size_t hash) const { return &entries_[(hash & (windows_ - 1)) * kProbeWindow]; }
  // The window `first`: the entry holding `key`, or null; `victim` becomes the best slot to take
  // among those scanned (empty, then expired, then least recently used).
  Entry* scan(Entry* first, const TransactionKey& key, std::int64_t now, Entry*& victim);
  // Makes `slot` a new, empty entry for the key (its slot bit kept).
  static void take(Entry& slot, std::uint64_t key_hi, std::uint64_t key_lo);
  // Doubles the table in place, keeping the live entries (expired ones are dropped: they are over
  // anyway): window w splits into w and w + the old count of windows. Allocates nothing; rare (at
  // most log2(bound / initial) times in a process).
  void grow(std::int64_t now);
  TransactionEvent repeat(std::int64_t& last_copy_ns, std::int64_t now) const;

  TransactionTableConfig config_;
  Entries entries_;
  std::size_t windows_ = 0;  // in use: a power of two
  std::size_t max_capacity_ = 0;
  std::int64_t now_ns_ = 0;  // latest packet time seen: time never runs backwards here
  TransactionTableStats stats_;
};

}  // namespace sipmon
