#pragma once
// The count identities every call-tracking report must satisfy (docs/metrics.md), shared by the
// tracker tests (sessions, registrations, dialogs, the random soup of call_tracker_test.cpp).
// Each `broken_*` returns "" when its identities hold, else the first broken one with its figures,
// so that `CHECK(broken_...(report) == "")` says what broke; the `check_*` wrappers do just that.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "analysis/report.h"

namespace sipmon::test {

inline const SessionCounts& sessions(const Report& report) { return report.rfc6076->sessions; }
inline const RegistrationCounts& registrations(const Report& report) { return report.rfc6076->registrations; }
inline const DialogCounts& dialogs(const Report& report) { return *report.dialogs; }

// Entries evicted from one of the call tables (0 when the report does not list the table).
inline std::uint64_t evicted_from(const Report& report, EvictingTable table) { return report.table_evictions[table]; }

// Every session attempt ends in exactly one outcome, or is still pending, or was evicted.
inline std::string broken_session_partition(const Report& report) {
  const SessionCounts& s = sessions(report);
  const std::uint64_t evicted = evicted_from(report, EvictingTable::session_attempts);
  if (s.attempts == s.established + s.redirected + s.cancelled + s.ineffective + s.failed + s.pending + evicted)
    return "";
  return "session attempts " + std::to_string(s.attempts) + " != established " + std::to_string(s.established) +
         " + redirected " + std::to_string(s.redirected) + " + cancelled " + std::to_string(s.cancelled) +
         " + ineffective " + std::to_string(s.ineffective) + " + failed " + std::to_string(s.failed) + " + pending " +
         std::to_string(s.pending) + " + evicted " + std::to_string(evicted);
}

// Every registration attempt succeeded, was ineffective, is pending or was evicted.
inline std::string broken_registration_partition(const Report& report) {
  const RegistrationCounts& g = registrations(report);
  const std::uint64_t evicted = evicted_from(report, EvictingTable::registration_attempts);
  if (g.attempts == g.succeeded + g.ineffective + g.pending + evicted) return "";
  return "registration attempts " + std::to_string(g.attempts) + " != succeeded " + std::to_string(g.succeeded) +
         " + ineffective " + std::to_string(g.ineffective) + " + pending " + std::to_string(g.pending) + " + evicted " +
         std::to_string(evicted);
}

// Every established dialog was terminated (in one of four ways), expired, evicted, or is active.
inline std::string broken_dialog_identity(const Report& report) {
  const DialogCounts& d = dialogs(report);
  if (d.established != d.terminated + d.expired + d.evicted + d.active)
    return "dialogs established " + std::to_string(d.established) + " != terminated " + std::to_string(d.terminated) +
           " + expired " + std::to_string(d.expired) + " + evicted " + std::to_string(d.evicted) + " + active " +
           std::to_string(d.active);
  if (d.terminated !=
      d.terminated_bye_2xx + d.terminated_bye_error + d.terminated_bye_unanswered + d.terminated_error_response)
    return "dialogs terminated " + std::to_string(d.terminated) + " != the sum of its four ways";
  return "";
}

inline void check_session_partition(const Report& report) { CHECK(broken_session_partition(report) == ""); }
inline void check_registration_partition(const Report& report) { CHECK(broken_registration_partition(report) == ""); }
inline void check_dialog_identity(const Report& report) { CHECK(broken_dialog_identity(report) == ""); }

}  // namespace sipmon::test
