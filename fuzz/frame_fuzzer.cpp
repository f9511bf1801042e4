// libFuzzer target: the whole engine from raw frames (link -> IP -> UDP -> SIP -> transactions),
// then the report. Input format: frame_records.h.
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/engine.h"
#include "frame_records.h"
#include "small_decoder_limits.h"

using namespace sipmon;

namespace {
// Call records by outcome, for the invariant below.
struct CountRecords final : CallRecordSink {
  std::uint64_t total = 0;
  std::uint64_t by_outcome[8] = {};
  void on_call_record(const CallRecord& record) override {
    ++total;
    ++by_outcome[static_cast<std::size_t>(record.outcome)];
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A small table so that eviction paths are reached by a handful of frames; a largest clock
  // step below the 33 s gaps so that held frames, jumps and outliers are reached too.
  CountRecords records;
  Engine engine(EngineConfig{
      .ports = {},
      .calls = {.max_dialogs = 64, .max_session_attempts = 64, .max_registration_attempts = 64},
      .transactions = {.capacity = 16},
      .decoder = fuzz::small_decoder_limits(),
      .max_time_step_ns = 10'000'000'000,
      // Small media tables, and the heuristic so that any RTP-looking
      // datagram takes the media path too.
      .media = {.max_endpoints = 8, .max_streams = 4, .max_calls = 4, .rtp_heuristic = true, .max_samples = 16},
      // A small record table too, so that records are written early (evicted) as well.
      .call_records = &records,
      .recorder = {.max_records = 16, .messages = true}});
  fuzz::for_each_frame(std::span<const std::uint8_t>(data, size), [&](const Frame& frame) { engine.on_frame(frame); });
  engine.finish();
  const Report report = engine.report();
  // Repeats are a subset of the messages, and every SIP frame carried at least one message.
  const CaptureReport& c = report.capture;
  if (report.retransmissions->requests + report.retransmissions->responses + c.duplicate_messages > c.sip_messages ||
      c.sip_packets > c.sip_messages || c.sip_packets > c.packets) {
    __builtin_trap();
  }
  // One call record per session attempt, whatever happened (docs/calls.md); by outcome equal to the
  // report's when no record was written early.
  const SessionCounts& s = report.rfc6076->sessions;
  if (records.total != s.attempts) __builtin_trap();
  if (!report.table_evictions.listed(EvictingTable::call_records)) {
    const auto n = [&](CallOutcome o) { return records.by_outcome[static_cast<std::size_t>(o)]; };
    if (n(CallOutcome::established) != s.established || n(CallOutcome::failed) != s.failed ||
        n(CallOutcome::cancelled) != s.cancelled || n(CallOutcome::redirected) != s.redirected ||
        n(CallOutcome::timeout) != s.timeouts || n(CallOutcome::ineffective) + s.timeouts != s.ineffective ||
        n(CallOutcome::pending) != s.pending ||
        n(CallOutcome::evicted) != report.table_evictions[EvictingTable::session_attempts]) {
      __builtin_trap();
    }
  }
  return 0;
}
