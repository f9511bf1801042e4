#pragma once
// What the session-attempt and dialog trackers tell a call recorder (call_recorder.h) about the
// life of an attempt, so that a call record's outcome is decided by the very code that counts the
// report's outcomes: record counts by outcome equal the report's by construction.
#include <cstdint>

#include "analysis/call_key.h"
#include "analysis/sip_message.h"

namespace sipmon {

// A weak reference to an open call record held by the dialog an attempt established; the check
// word (a per-record serial) detects that the record has since been written and its slot reused.
struct RecordRef {
  std::uint32_t index = 0xffffffffu;
  std::uint32_t check = 0;
};

class AttemptObserver {
 public:
  virtual ~AttemptObserver() = default;
  // A new attempt: its first INVITE (key = attempt_key(Call-ID, From-tag)).
  virtual void attempt_opened(const CallKey& key, const SipMessage& invite, std::int64_t ts_ns) = 0;
  // The final response (not a 401/407 challenge) that decides the attempt; `srd_ns` is the RFC
  // 6076 SRD it produced (successful or failed), -1 when none.
  virtual void attempt_decided(const CallKey& key, const SipMessage& response, std::int64_t ts_ns,
                               std::int64_t srd_ns) = 0;
  // Given up by Timer B or C (`challenged`: a 401/407 never followed by credentials: failed).
  virtual void attempt_timed_out(const CallKey& key, bool challenged) = 0;
  // Dropped undecided because the attempt table was full.
  virtual void attempt_evicted(const CallKey& key) = 0;
  // The 2xx that established attempt `key` confirmed a dialog, which keeps the returned reference
  // until it ends.
  virtual RecordRef attempt_confirmed(const CallKey& key) = 0;
  // That dialog ended (`completed`: by a BYE answered 2xx), or no dialog of its own will end
  // (an attempt answered inside an existing dialog: closed at once).
  virtual void attempt_dialog_ended(RecordRef record, bool completed) = 0;
};

}  // namespace sipmon
