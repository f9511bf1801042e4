#pragma once
// The engine's table caps and call timers as command-line options, registered the same way on
// `replay`, `check` and `live` so that a capture replayed with the caps of a live deployment
// counts what that deployment would count:
//   --max-dialogs N  --max-session-attempts N  --max-registrations N  --max-transactions N
//   --max-media-endpoints N  --max-media-streams N  --max-media-calls N  --no-media
//   --session-expires-default SECONDS  --timer-b SECONDS  --invite-timeout SECONDS  --timer-f SECONDS
//   --hosts CIDR,...
// Defaults are those of CallTrackerConfig, TransactionTableConfig and MediaConfig; out-of-range values are
// usage errors (CLI11 validators, so exit code 2 before anything runs).
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/engine.h"

namespace sipmon {

// Caps above this reserve gigabytes (docs/metrics.md, "Bounded tables and memory": ~100 bytes an
// entry); a platform that needs more live calls than this should shard its capture.
inline constexpr std::size_t kMaxTableCap = std::size_t{1} << 24;
// A week: longer than any session timer or dialog lifetime a SIP platform is configured with.
inline constexpr std::int64_t kMaxSessionExpiresDefaultS = 7 * 24 * 3600;
// RFC 3261 timers: from a millisecond (T1 tuned far down in a lab) to an hour (no SIP transaction
// waits longer).
inline constexpr double kMinTimerS = 0.001;
inline constexpr double kMaxTimerS = 3600;

struct EngineTableOptions {
  std::size_t max_dialogs = CallTrackerConfig{}.max_dialogs;
  std::size_t max_session_attempts = CallTrackerConfig{}.max_session_attempts;
  std::size_t max_registrations = CallTrackerConfig{}.max_registration_attempts;
  std::size_t max_transactions = TransactionTableConfig{}.capacity;
  std::int64_t session_expires_default_s = CallTrackerConfig{}.default_session_expires_ns / 1'000'000'000;
  // Media (docs/media.md).
  std::size_t max_media_endpoints = MediaConfig{}.max_endpoints;
  std::size_t max_media_streams = MediaConfig{}.max_streams;
  std::size_t max_media_calls = MediaConfig{}.max_calls;
  bool rtp_heuristic = MediaConfig{}.rtp_heuristic;
  bool no_media = !EngineConfig{}.measure_media;
  double media_timeout_s = static_cast<double>(MediaConfig{}.media_timeout_ns) / 1e9;
  double timer_b_s = static_cast<double>(CallTrackerConfig{}.timer_b_ns) * 1e-9;
  double invite_timeout_s = static_cast<double>(CallTrackerConfig{}.timer_c_ns) * 1e-9;
  double timer_f_s = static_cast<double>(CallTrackerConfig{}.timer_f_ns) * 1e-9;
  // Decoding: the UDP port followed into VXLAN (live passes it to the kernel filter too).
  std::uint16_t vxlan_port = DecoderLimits{}.vxlan_port;
  // --hosts: only SIP to or from these networks (host_filter.h); empty: every address.
  std::string hosts;

  // Whether every option is at its default (`check --report` refuses the others: nothing is replayed).
  bool operator==(const EngineTableOptions&) const = default;
  bool defaults() const { return *this == EngineTableOptions{}; }
};

// Adds the options above to `command`, in an option group of their own in --help.
void add_engine_table_options(CLI::App& command, EngineTableOptions& options);

// Sets the caps, the default session expiry and the timers in `config`; everything else is left
// as it was.
void apply_engine_table_options(const EngineTableOptions& options, EngineConfig& config);

}  // namespace sipmon
