#pragma once
// From a received HEP packet to the engine: decode it (hep_decoder.h), check its key and that it
// carries SIP, choose the time the message counts at, and hand the payload to the engine as if
// it had been captured. Every refusal is counted by name; the socket side (src/sources) only
// delivers packets and their arrival time.
#include <array>
#include <cstdint>
#include <string>

#include "analysis/engine.h"
#include "analysis/hep_decoder.h"
#include "analysis/report.h"

namespace sipmon {

struct HepIngestConfig {
  // --hep-key: packets must carry exactly this key in chunk 0x000e; empty accepts any packet.
  std::string auth_key;
  // A sender's timestamp further than this from the arrival time is not trusted: the message
  // counts at its arrival time instead (docs/hep.md, "Time").
  std::int64_t max_skew_ns = 5'000'000'000;
};

class HepIngest {
 public:
  HepIngest(HepIngestConfig config, Engine& engine) : config_(std::move(config)), engine_(engine) {}

  // One HEP packet (a UDP datagram, or one framed from a TCP stream) received at `arrival_ns`.
  void on_packet(Bytes packet, std::int64_t arrival_ns);
  // Refusals the socket side decides (a stream that cannot be framed).
  void count_error(HepError error) { ++errors_[static_cast<std::size_t>(error)]; }
  void count_connection(bool accepted) { ++(accepted ? connections_ : connections_refused_); }

  HepInReport report() const;

 private:
  HepIngestConfig config_;
  Engine& engine_;
  std::uint64_t packets_ = 0;
  std::array<std::uint64_t, 4> by_version_{};  // index 1..3
  std::array<std::uint64_t, kHepErrorCount> errors_{};
  std::uint64_t sip_payloads_ = 0;
  std::uint64_t timestamps_replaced_ = 0;
  std::uint64_t connections_ = 0;
  std::uint64_t connections_refused_ = 0;
};

}  // namespace sipmon
