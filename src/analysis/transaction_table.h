#pragma once
// Live transactions: a fixed-capacity open-addressing table allocated once, bounded probing, entries
// that expire by packet time. It decides, per message, whether the message starts or continues a
// transaction and whether it repeats a message already seen in it (a retransmission).
#include <array>
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
  // Starts loading the window observe() will scan first for `key` (a hint: changes nothing): all
  // its 7 lines. The slot's state line is known only once the keys are compared; loading the keys
  // and times alone measured ~1 % slower (docs/performance.md, "Transaction windows by field, once more").
  void prefetch(const TransactionKey& key) const {
    const char* first = reinterpret_cast<const char*>(window(static_cast<std::size_t>(key.lo)));
    for (std::size_t line = 0; line < sizeof(Window); line += 64) __builtin_prefetch(first + line);
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
  std::size_t capacity() const { return windows_in_use_ * kProbeWindow; }  // entries now (grows up to the bound)
  std::size_t max_capacity() const { return max_capacity_; }

 private:
  // The slots a key may live in: the window its hash names, 8 slots side by side (the table is
  // cut into windows). Bounded so a lookup is a few cache lines whatever the load. A window whose
  // slots all hold live transactions overflows into a second window, named by the other half of
  // the key (a bit per window says some key did); with both full the table grows, and at its bound
  // evicts the least recently used of the two. One window alone overflows too often for "no live
  // transaction evicted" at millions of inserts: at load a, a random window of 8 is full about a^8
  // of the time; two must both be.
  static constexpr std::size_t kProbeWindow = 8;

  struct Key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;  // hi == lo == 0: empty
  };
  // What the table knows of one transaction besides its key and last message.
  struct SlotState {
    std::int64_t request_ns = 0;
    std::int64_t ack_ns = 0;
    std::int64_t final_ns = 0;
    std::uint32_t final_to_tag = 0;
    std::uint16_t final_code = 0;
    std::uint8_t flags = 0;
  };
  // A window's slots by field, not by slot: a lookup compares keys (lines 0-1) and stops at its key
  // or the first empty slot; an insert into a full window also reads the last-message times
  // (line 2) to choose its victim; only the slot found or taken has its state read or written (one
  // line of lines 3-6). Slot by slot (56-byte entries, until 2026-12-03), an insert into a full
  // window, the usual case once a table has run for a lifetime, read all 7 lines.
  struct alignas(64) Window {
    std::array<Key, kProbeWindow> keys;
    std::array<std::int64_t, kProbeWindow> last_ns;  // last message of any kind, for expiry and eviction
    std::array<SlotState, kProbeWindow> states;
  };
  static_assert(sizeof(Window) == kProbeWindow * 56, "keep slots small: the table is sized once for the worst case");
  struct Slot {
    Window* window;
    std::size_t i;
    SlotState& state() const { return window->states[i]; }
    std::int64_t& last_ns() const { return window->last_ns[i]; }
  };

 public:
  static constexpr std::size_t kEntryBytes = sizeof(Window) / kProbeWindow;  // one slot (bench/flood_memory.cpp)

 private:
  // The windows: reserved for the bound at once and zero-filled (all zero is an empty window),
  // huge pages advised before they are first written (zeroed_array.h). Only the first windows_in_use_
  // are: the kernel backs pages as they are first written, so memory follows the table's
  // size, and a doubling takes the pages right after the ones in use (grow()).
  static constexpr std::uint8_t kRequestSeen = 1;
  static constexpr std::uint8_t kAckSeen = 2;
  static constexpr std::uint8_t kCancelled = 4;
  std::optional<Slot> find_live(const TransactionKey& key, std::int64_t now) const;

  bool live(const Window& window, std::size_t i, std::int64_t now) const {
    const Key& key = window.keys[i];
    return (key.hi | key.lo) != 0 && now - window.last_ns[i] <= config_.lifetime_ns;
  }
  bool live(const Slot& slot, std::int64_t now) const { return live(*slot.window, slot.i, now); }
  Slot find_or_insert(const TransactionKey& key, std::int64_t now);
  // The window a hash names (its low bits, as many as the table has windows), and its number.
  std::size_t window_number(std::size_t hash) const { return hash & (windows_in_use_ - 1); }
  Window* window(std::size_t hash) const { return &windows_[window_number(hash)]; }
  // find_key: the slot of window `w` holding `key` (kNotFound: none), from its keys alone;
  // when it is not there, `first_empty` becomes the first empty slot (kNotFound: none), where it stopped.
  // victim: the slot to take in a window without `key`: that empty slot, else one whose transaction
  // is over, else the least recently used.
  static constexpr std::size_t kNotFound = kProbeWindow;
  std::size_t find_key(const Window& w, const TransactionKey& key, std::size_t& first_empty) const;
  std::size_t victim(const Window& w, std::size_t first_empty, std::int64_t now) const;
  // Writes slot `i` of `w` whole: a new transaction (empty state), an entry moved by grow(), or an
  // empty slot (a zero key).
  static void put(Window& w, std::size_t i, const Key& key, std::int64_t last_ns, const SlotState& state);
  // Whether some key whose home is window `w` lives in its second window.
  bool overflowed(std::size_t w) const { return (overflowed_[w / 64] >> (w % 64) & 1) != 0; }
  void set_overflowed(std::size_t w) { overflowed_[w / 64] |= std::uint64_t{1} << (w % 64); }
  // Doubles the table in place, keeping the live entries (expired ones are dropped: they are over
  // anyway): window w splits into w and w + the old count of windows. Allocates nothing; rare (at
  // most log2(bound / initial) times in a process).
  void grow(std::int64_t now);
  TransactionEvent repeat(std::int64_t& last_copy_ns, std::int64_t now) const;

  TransactionTableConfig config_;
  ZeroedArray<Window> windows_;
  // A bit per window (see kProbeWindow): 64 KiB at the default bound, one bit for 448 bytes of
  // table, so its lines stay in the caches.
  ZeroedArray<std::uint64_t> overflowed_;
  std::size_t windows_in_use_ = 0;  // in use: a power of two
  std::size_t max_capacity_ = 0;
  std::int64_t now_ns_ = 0;  // latest packet time seen: time never runs backwards here
  TransactionTableStats stats_;
};

}  // namespace sipmon
