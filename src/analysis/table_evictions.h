#pragma once
// The engine's bounded tables, by kind: each is sized once (or grows to a bound) and counts the
// entries it turns away or drops when full. The report lists them in `table_evictions`; the
// names are the stable keys of the JSON report and the `table` label of
// sipmon_table_evictions_total.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipmon {

#define SIPMON_EVICTING_TABLES(X)                                                    \
  X(transactions)          /* --max-transactions (transaction_table.h) */            \
  X(session_attempts)      /* --max-session-attempts */                              \
  X(registration_attempts) /* --max-registration-attempts */                         \
  X(dialogs)               /* --max-dialogs: confirmed dialogs evicted while live */ \
  X(media_endpoints)       /* SDP endpoints awaited (media_tracker.h) */             \
  X(media_streams)                                                                   \
  X(media_calls)                                                                     \
  X(call_records)      /* --max-call-records: open records written early */          \
  X(call_record_media) /* finished streams no call record could list (call_recorder.h) */

enum class EvictingTable : std::uint8_t {
#define SIPMON_EVICTING_TABLE_ENUM(name) name,
  SIPMON_EVICTING_TABLES(SIPMON_EVICTING_TABLE_ENUM)
#undef SIPMON_EVICTING_TABLE_ENUM
      count_,
};

inline constexpr std::size_t kEvictingTableCount = static_cast<std::size_t>(EvictingTable::count_);

inline std::string_view evicting_table_name(EvictingTable table) {
  static constexpr std::array<std::string_view, kEvictingTableCount> kNames{
#define SIPMON_EVICTING_TABLE_NAME(name) #name,
      SIPMON_EVICTING_TABLES(SIPMON_EVICTING_TABLE_NAME)
#undef SIPMON_EVICTING_TABLE_NAME
  };
  return kNames[static_cast<std::size_t>(table)];
}

// Evictions by table. A table is listed only when the run has it: the call tables always, the
// media tables once media is looked for, the call records' when it evicted (so that a report
// without --calls is the same as before call records existed).
struct TableEvictions {
  std::array<std::optional<std::uint64_t>, kEvictingTableCount> counts{};

  void add(EvictingTable table, std::uint64_t n) {
    auto& count = counts[static_cast<std::size_t>(table)];
    count = count.value_or(0) + n;
  }
  bool listed(EvictingTable table) const { return counts[static_cast<std::size_t>(table)].has_value(); }
  // 0 for a table that is not listed.
  std::uint64_t operator[](EvictingTable table) const { return counts[static_cast<std::size_t>(table)].value_or(0); }
};

}  // namespace sipmon
