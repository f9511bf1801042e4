#pragma once
// The engine's results as plain data. Outputs (JSON, text, Prometheus) render this; the engine
// knows nothing about them. Maps are ordered so every rendering is deterministic.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sipmon {

struct ReadError {
  std::string file;
  std::uint64_t packet = 0;  // 1-based number of the record that could not be read
  std::string message;
};

// Live capture only: what the capture layer (kernel filter or libpcap) counted before the engine.
struct LiveCaptureReport {
  std::string source;                           // "ebpf" or "pcap"
  std::vector<std::string> interfaces;          // as given on the command line
  std::map<std::string, std::uint64_t> kernel;  // counter name -> packets (seen, matched, copied, ...)
  std::map<std::string, std::uint64_t> drops;   // reason -> packets lost or cut short before the engine
};

struct CaptureReport {
  std::vector<std::string> files;  // as given on the command line
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // original (wire) lengths
  std::optional<std::int64_t> first_ts_ns;
  std::optional<std::int64_t> last_ts_ns;
  std::uint64_t sip_messages = 0;
  std::uint64_t sip_packets = 0;  // frames that carried at least one SIP message
  std::uint64_t keepalives = 0;
  std::uint64_t non_sip = 0;  // packets
  std::map<std::string, std::uint64_t> non_sip_by_reason;
  std::uint64_t malformed = 0;  // packets and messages that could not be used
  std::map<std::string, std::uint64_t> malformed_by_reason;
  std::uint64_t unsupported_link = 0;  // packets
  std::map<std::string, std::uint64_t> unsupported_link_by_type;
  std::vector<ReadError> read_errors;  // damaged files: everything before the damage is counted
  std::optional<LiveCaptureReport> live;  // set by `sipmon live` only
};

struct Report {
  static constexpr int kSchemaVersion = 1;
  CaptureReport capture;
  std::map<std::string, std::uint64_t> requests;   // method token -> count, retransmissions included
  std::map<std::string, std::uint64_t> responses;  // status code -> count, retransmissions included
};

}  // namespace sipmon
