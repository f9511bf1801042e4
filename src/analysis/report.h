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
  // The same message seen twice within the duplicate window in one transaction: one packet
  // captured on two interfaces, not sent twice. Not counted as retransmissions.
  std::uint64_t duplicate_messages = 0;
  // Live entries dropped from a full state table, by table ("transactions").
  std::map<std::string, std::uint64_t> table_evictions;
};

// Messages sent again by the transaction layer (RFC 3261 §17), over UDP. They are also in the
// raw per-method and per-code counts.
struct RetransmissionReport {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
};

struct Report {
  static constexpr int kSchemaVersion = 1;
  CaptureReport capture;
  std::map<std::string, std::uint64_t> requests;   // method token -> count, retransmissions included
  std::map<std::string, std::uint64_t> responses;  // status code -> count, retransmissions included
  RetransmissionReport retransmissions;
};

}  // namespace sipmon
