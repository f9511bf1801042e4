#pragma once
// "What failed" (docs/calls.md): from every closed call record, the final codes >= 300 with their
// phrases, the Q.850 causes of Reason headers, the destinations (Request-URI host) and sources
// (the first INVITE's source address) with the most failed attempts (failed, ineffective,
// timeout), failures by (code, Q.850 cause) and attempts by User-Agent family. A CallRecordSink
// that passes each record on to the next sink (the --calls file), if any.
//
// Bounded: codes and causes are fixed arrays; hosts and sources are counted for the first
// kMaxNames distinct values each, later ones under "(other)"; (code, cause) pairs are at most
// 400 x 129.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/call_record.h"

namespace sipmon {

class FailureAnalysis final : public CallRecordSink {
 public:
  static constexpr std::size_t kMaxNames = 4096;
  static constexpr std::int32_t kNoCause = -1;
  static constexpr std::uint16_t kTimeoutCode = 0;  // "timeout" in sipmon_session_failures_total

  explicit FailureAnalysis(CallRecordSink* next = nullptr) : next_(next) {}
  void on_call_record(const CallRecord& record) override;

  struct Code {
    std::uint16_t code;
    std::uint64_t count;
    std::string phrase;  // the first phrase seen with it
  };
  struct Named {
    std::string name;
    std::uint64_t count;
  };
  // Sorted by count, then code or name.
  std::vector<Code> final_codes() const;
  std::vector<std::pair<int, std::uint64_t>> q850_causes() const;
  std::vector<Named> top_destinations(std::size_t n) const { return top(destinations_, n); }
  std::vector<Named> top_sources(std::size_t n) const { return top(sources_, n); }
  // Failed, ineffective and timed-out attempts by (final code or kTimeoutCode, Q.850 cause or kNoCause).
  const std::map<std::pair<std::uint16_t, std::int32_t>, std::uint64_t>& failures() const { return failures_; }
  // Closed attempts by the family of their caller's User-Agent (ua_family.h).
  const std::vector<std::uint64_t>& attempts_by_ua_family() const { return by_family_; }
  std::uint64_t failed_attempts() const { return failed_; }

 private:
  static std::vector<Named> top(const std::map<std::string, std::uint64_t, std::less<>>& counts, std::size_t n);
  static void count_name(std::map<std::string, std::uint64_t, std::less<>>& counts, std::string_view name);

  CallRecordSink* next_;
  std::array<std::uint64_t, 700> codes_{};
  std::array<std::string, 700> phrases_{};
  std::array<std::uint64_t, 128> q850_{};
  std::map<std::string, std::uint64_t, std::less<>> destinations_;
  std::map<std::string, std::uint64_t, std::less<>> sources_;
  std::map<std::pair<std::uint16_t, std::int32_t>, std::uint64_t> failures_;
  std::vector<std::uint64_t> by_family_;
  std::uint64_t failed_ = 0;
};

}  // namespace sipmon
