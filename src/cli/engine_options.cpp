#include "cli/engine_options.h"

#include <cmath>
#include <string>

namespace sipmon {
namespace {

// `evicted`: which entry a full table gives up, as the table really does it.
CLI::Option* add_cap(CLI::App& command, const std::string& name, std::size_t& cap, const std::string& what,
                     const std::string& evicted) {
  return command
      .add_option(name, cap,
                  "Most " + what + " held at once (1 to " + std::to_string(kMaxTableCap) + "); when full, the " +
                      evicted + " is evicted and counted in table_evictions")
      ->check(CLI::Range(std::size_t{1}, kMaxTableCap))
      ->capture_default_str();
}

}  // namespace

void add_engine_table_options(CLI::App& command, EngineTableOptions& options) {
  // The group only changes --help: these options read as one block, apart from input and output.
  CLI::Option_group* tables = command.add_option_group(
      "Tables and timers", "Caps of the engine's state tables (docs/metrics.md, \"Bounded tables and memory\")");
  add_cap(*tables, "--max-dialogs", options.max_dialogs, "dialogs (early, confirmed or terminating)",
          "least recently active");
  add_cap(*tables, "--max-session-attempts", options.max_session_attempts, "undecided INVITEs (session attempts)",
          "oldest");
  add_cap(*tables, "--max-registrations", options.max_registrations, "undecided REGISTERs (registration attempts)",
          "oldest");
  tables
      ->add_option("--max-transactions", options.max_transactions,
                   "Transaction table bound, rounded up to a power of two (1 to " + std::to_string(kMaxTableCap) +
                       "); the table grows to it as needed, and only there evicts a live transaction, "
                       "counted in table_evictions.transactions")
      ->check(CLI::Range(std::size_t{1}, kMaxTableCap))
      ->capture_default_str();
  tables
      ->add_option("--session-expires-default", options.session_expires_default_s,
                   "Seconds a confirmed dialog without a session timer (no Session-Expires, RFC 4028) lasts "
                   "without a refresh before it is counted expired (1 to " +
                       std::to_string(kMaxSessionExpiresDefaultS) + ")")
      ->check(CLI::Range(std::int64_t{1}, kMaxSessionExpiresDefaultS))
      ->capture_default_str();
  // Media tables (docs/media.md, "Bounds"): live sizes the kernel filter's media maps to the same
  // (the endpoint map, which holds ports, to twice the entries).
  add_cap(*tables, "--max-media-endpoints", options.max_media_endpoints,
          "RTP/RTCP endpoints announced by SDP (an address and port; an RTP port with its RTCP port next to it "
          "is one)",
          "least recently announced");
  add_cap(*tables, "--max-media-streams", options.max_media_streams, "RTP streams (endpoint and SSRC)",
          "least recently active");
  add_cap(*tables, "--max-media-calls", options.max_media_calls, "calls with SDP (their media state)",
          "least recently signalled");
  CLI::Option* heuristic =
      tables->add_flag("--rtp-heuristic", options.rtp_heuristic,
                       "Also measure RTP streams whose SDP was not captured (RTP version 2, an audio or dynamic "
                       "payload type, progressing sequence numbers)");
  tables
      ->add_flag("--no-media", options.no_media,
                 "Signalling only: read no SDP and take no packet for RTP/RTCP; the report has no media section. "
                 "For captures and HEP feeds that carry no media, where every answered call would count as "
                 "no-media; about a third less CPU on such a capture (docs/media.md, \"Signalling only\")")
      ->excludes(heuristic);
  tables
      ->add_option("--media-timeout", options.media_timeout_s,
                   "Seconds an answered call may go without RTP in a direction before it counts as one-way "
                   "(both directions: no media)")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  const std::string range =
      " (" + CLI::detail::to_string(kMinTimerS) + " to " + CLI::detail::to_string(kMaxTimerS) + ")";
  tables
      ->add_option("--timer-b", options.timer_b_s,
                   "Seconds an INVITE with no response at all waits before it is a timeout: RFC 3261 §17.1.1.2 "
                   "Timer B (64*T1), which any provisional response, 100 included, stops" +
                       range)
      ->check(CLI::Range(kMinTimerS, kMaxTimerS))
      ->capture_default_str();
  tables
      ->add_option("--invite-timeout", options.invite_timeout_s,
                   "Seconds an INVITE with a provisional response but no final one waits before it is a timeout: "
                   "RFC 3261 §16.6 step 11 Timer C (more than 3 minutes), restarted by each 101-199 response "
                   "(§16.7 step 2), not by a 100; at least --timer-b" +
                       range)
      ->check(CLI::Range(kMinTimerS, kMaxTimerS))
      ->capture_default_str();
  tables
      ->add_option("--timer-f", options.timer_f_s,
                   "Seconds a REGISTER or BYE waits for its final response, whatever provisional came: RFC 3261 "
                   "§17.1.2.2 Timer F (64*T1)" +
                       range)
      ->check(CLI::Range(kMinTimerS, kMaxTimerS))
      ->capture_default_str();
  tables
      ->add_option("--vxlan-port", options.vxlan_port,
                   "UDP port whose payload is decoded as VXLAN (RFC 7348); live's kernel filter follows the same "
                   "port (docs/live.md, \"Probe deployments\")")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  command
      .add_option("--hosts", options.hosts,
                  "Only SIP to or from these networks, comma-separated IPv4/IPv6 addresses or prefixes "
                  "(192.0.2.0/24,2001:db8::/32); the rest is counted as host_filtered (docs/report.md)")
      ->check(CLI::Validator(
          [](std::string& list) {
            auto filter = HostFilter::parse(list);
            return filter ? std::string() : filter.error().message;
          },
          "CIDR,...", "hosts"));
  // Timer C is the longer one (RFC 3261: > 3 min against 32 s): an INVITE that got a provisional
  // response must be able to outlive one that got nothing.
  command.parse_complete_callback([&options] {
    if (options.invite_timeout_s < options.timer_b_s)
      throw CLI::ValidationError("--invite-timeout", "must be at least --timer-b (RFC 3261 Timer C > Timer B)");
  });
}

void apply_engine_table_options(const EngineTableOptions& options, EngineConfig& config) {
  config.calls.max_dialogs = options.max_dialogs;
  config.calls.max_session_attempts = options.max_session_attempts;
  config.calls.max_registration_attempts = options.max_registrations;
  config.calls.default_session_expires_ns = options.session_expires_default_s * 1'000'000'000;
  config.transactions.capacity = options.max_transactions;
  config.media.max_endpoints = options.max_media_endpoints;
  config.media.max_streams = options.max_media_streams;
  config.media.max_calls = options.max_media_calls;
  config.media.rtp_heuristic = options.rtp_heuristic;
  config.measure_media = !options.no_media;
  config.media.media_timeout_ns = static_cast<std::int64_t>(options.media_timeout_s * 1e9);
  config.calls.timer_b_ns = std::llround(options.timer_b_s * 1e9);
  config.calls.timer_c_ns = std::llround(options.invite_timeout_s * 1e9);
  config.calls.timer_f_ns = std::llround(options.timer_f_s * 1e9);
  config.decoder.vxlan_port = options.vxlan_port;
  // Validated when parsed: the list is known good here.
  if (!options.hosts.empty()) config.hosts = HostFilter::parse(options.hosts).value();
}

}  // namespace sipmon
