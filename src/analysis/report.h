#pragma once
// The engine's results as plain, typed data: counts indexed by enums (methods, anomaly kinds,
// closed outcomes) and status codes by number. Outputs (JSON, text, Prometheus) render this and
// give the names; the engine knows nothing about them. Maps are ordered so every rendering is
// deterministic.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/delay_histogram.h"
#include "analysis/sample_stats.h"
#include "analysis/sip_counts.h"
#include "analysis/table_evictions.h"

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

// `live --hep-listen`: HEP packets received from SIP servers and capture agents (docs/hep.md).
struct HepInReport {
  std::uint64_t packets = 0;                        // HEP packets received, good and bad
  std::map<std::string, std::uint64_t> by_version;  // "1", "2", "3" -> packets that decoded
  std::map<std::string, std::uint64_t> errors;      // HepError name -> packets (unknown_chunk: chunks)
  std::uint64_t sip_payloads = 0;                   // handed to the engine
  std::uint64_t timestamps_replaced = 0;            // skewed or missing: arrival time used instead
  std::uint64_t connections = 0;                    // TCP connections accepted
  std::uint64_t connections_refused = 0;            // closed for the limit: the idlest one gave way
  std::uint64_t socket_drops = 0;                   // UDP datagrams the kernel dropped (buffer full)
};

// `--hep-out`: SIP messages forwarded to a HEP collector.
struct HepOutReport {
  std::string transport;                         // "udp" or "tcp"
  std::uint64_t sent = 0;                        // packets handed to the socket
  std::map<std::string, std::uint64_t> dropped;  // reason -> packets never sent
  std::uint64_t connects = 0;                    // TCP connections made (reconnects included)
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
  std::uint64_t non_sip = 0;                                        // packets
  std::uint64_t malformed_packets = 0;                              // frames whose only outcome was malformed
  std::uint64_t unsupported_link = 0;                               // packets
  std::map<std::uint32_t, std::uint64_t> unsupported_link_by_type;  // link type (DLT) -> packets
  // The named counters (anomaly.h), by kind. The JSON lists outcomes of class malformed and the
  // defects under malformed_by_reason, the other outcomes and the events under non_sip_by_reason.
  FrameOutcomeCounts outcomes;  // frames and payloads that yielded no SIP message
  DecoderEventCounts events;    // state given up, packet time that misbehaved
  MessageDefectCounts defects;  // counted messages with a defect
  // Packets and messages that could not be used.
  std::uint64_t malformed() const { return total_of_class(outcomes, OutcomeClass::malformed) + defects.total(); }
  std::vector<ReadError> read_errors;  // damaged files: everything before the damage is counted
  // The same message seen twice within the duplicate window in one transaction: one packet
  // captured on two interfaces, not sent twice. Not counted as retransmissions.
  std::uint64_t duplicate_messages = 0;
  std::optional<LiveCaptureReport> live;  // set by `sipmon live` only
  std::optional<HepInReport> hep_in;      // set with --hep-listen only
  std::optional<HepOutReport> hep_out;    // set with --hep-out only
};

// Session attempts counted once, when they are closed: failed, cancelled, redirected, ineffective
// or timed out when decided; established when their dialog ends (BYE answered, expiry, eviction).
// Every ratio over closed attempts keeps its numerator inside its denominator in any window
// (docs/metrics.md, "Closed attempts"). The outcomes are disjoint; `attempts` is their sum.
enum class ClosedOutcome : std::uint8_t {
  completed,         // established, then ended by a BYE answered 2xx (SCR)
  established,       // established, ended any other way (expiry, BYE failed or unanswered, 481, eviction)
  redirected,        // 3xx
  cancelled,         // 487
  failed_effective,  // 480, 486, 600, 603: the user was reached (SEER)
  failed,            // any other final failure, a challenge never answered
  ineffective,       // 408, 500, 503, 504 (ISA)
  timed_out,         // Timer B or C (ISA)
  evicted,           // undecided, dropped from a full table
  kCount,
};
inline constexpr std::size_t kClosedOutcomes = static_cast<std::size_t>(ClosedOutcome::kCount);
const char* closed_outcome_name(ClosedOutcome outcome);

struct ClosedAttempts {
  std::array<std::uint64_t, kClosedOutcomes> by_outcome{};
  std::uint64_t& operator[](ClosedOutcome o) { return by_outcome[static_cast<std::size_t>(o)]; }
  std::uint64_t operator[](ClosedOutcome o) const { return by_outcome[static_cast<std::size_t>(o)]; }
  std::uint64_t attempts() const {
    std::uint64_t sum = 0;
    for (std::uint64_t n : by_outcome) sum += n;
    return sum;
  }
};

// Registration attempts are closed when decided (or evicted): their outcome never changes later.
enum class ClosedRegistration : std::uint8_t { succeeded, failed, timed_out, evicted, kCount };
inline constexpr std::size_t kClosedRegistrationOutcomes = static_cast<std::size_t>(ClosedRegistration::kCount);
const char* closed_registration_name(ClosedRegistration outcome);

// RFC 6076 counts. Ratios are not stored: they are derived from these numerators and
// denominators wherever they are shown (JSON, PromQL), so that they can be summed and windowed.
struct SessionCounts {
  std::uint64_t attempts = 0;     // initial INVITEs (no To-tag), one per Call-ID/From-tag/CSeq chain
  std::uint64_t established = 0;  // answered 2xx
  std::uint64_t redirected = 0;   // final 3xx
  std::uint64_t effective = 0;    // SEER numerator: 200, 480, 486, 600, 603
  std::uint64_t ineffective = 0;  // ISA numerator: 408, 500, 503, 504, or timed out
  std::uint64_t completed = 0;    // SCR numerator: established, then ended by a BYE answered 2xx
  std::uint64_t cancelled = 0;    // ended by CANCEL (487)
  std::uint64_t failed = 0;       // any other final failure (4xx-6xx not above)
  std::uint64_t timeouts = 0;     // given up by Timer B (no response) or C (provisional, no final); ineffective
  std::uint64_t pending = 0;      // no final response yet, still inside its timers at the end of input
  ClosedAttempts closed;
};

struct RegistrationCounts {
  std::uint64_t attempts = 0;     // initial REGISTERs; an authenticated retry is the same attempt
  std::uint64_t succeeded = 0;    // 2xx
  std::uint64_t ineffective = 0;  // IRA numerator: final failure, or no final response within Timer F
  std::uint64_t timeouts = 0;     // also in ineffective
  std::uint64_t pending = 0;
  std::array<std::uint64_t, kClosedRegistrationOutcomes> closed{};  // by ClosedRegistration
};

struct Rfc6076Report {
  SessionCounts sessions;
  RegistrationCounts registrations;
  DelayHistogram srd;              // first INVITE -> first non-100 provisional, or 2xx if none (successes)
  DelayHistogram srd_failed;       // first INVITE -> failure final response
  DelayHistogram sdd;              // BYE -> its final response
  std::uint64_t sdd_timeouts = 0;  // BYEs with no final response within Timer F
  DelayHistogram sdt;              // session duration: 2xx to INVITE -> BYE
  DelayHistogram rrd;              // first REGISTER -> 2xx (challenge round-trip included)
};

// Confirmed dialogs: established = terminated + expired + evicted + active.
struct DialogCounts {
  std::uint64_t established = 0;
  std::uint64_t terminated = 0;
  std::uint64_t active = 0;  // at the end of the input
  std::uint64_t expired = 0;
  std::uint64_t evicted = 0;
  std::uint64_t early = 0;  // early dialogs created (1xx with a To-tag); not in the identity above
  // How terminated dialogs ended (they sum to terminated):
  std::uint64_t terminated_bye_2xx = 0;
  std::uint64_t terminated_bye_error = 0;       // BYE answered >= 300
  std::uint64_t terminated_bye_unanswered = 0;  // no final response to the BYE within Timer F
  std::uint64_t terminated_error_response = 0;  // 481/408 to an in-dialog request
};

// Messages sent again by the transaction layer (RFC 3261 §17), over UDP. They are also in the
// raw per-method and per-code counts.
struct RetransmissionCounts {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
};

// One peer's figures (--peers). Wire counts, retransmissions included: requests by method
// (extension methods together under Method::other) and responses by status code, each message to
// the peer of its own addresses. The rfc6076 and dialogs sections are the top level's, over the
// attempts (and dialogs) of this peer only: an attempt's peer is decided by its first INVITE or
// REGISTER (docs/metrics.md, "Per peer"); summed over the peers they are the top level's counts.
struct PeerCounts {
  std::array<std::uint64_t, kKnownMethodCount + 1> requests{};  // by Method
  StatusCounts responses;
  std::optional<Rfc6076Report> rfc6076;
  std::optional<DialogCounts> dialogs;

  std::uint64_t request_count(Method method) const { return requests[static_cast<std::size_t>(method)]; }
};

// RTP/RTCP of the calls (docs/media.md). Sums are over every stream measured; the statistics
// objects are over streams (one value per stream).
struct MediaReport {
  static constexpr std::array<double, 11> kJitterBoundsSeconds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                                  0.03,   0.05,  0.1,   0.2,   0.5};
  static constexpr std::array<double, 11> kMosBounds = {1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.3, 4.4, 4.5};
  std::uint64_t streams = 0;
  std::uint64_t heuristic_streams = 0;  // of those, found by --rtp-heuristic without SDP
  std::uint64_t packets = 0;            // RTP packets in the streams
  std::uint64_t expected = 0;
  std::int64_t lost = 0;  // sum of the streams' RFC 3550 cumulative lost (negative with duplicates)
  std::uint64_t duplicates = 0;
  std::uint64_t late = 0;
  std::uint64_t rtcp_packets = 0;
  std::uint64_t dtmf_events = 0;  // RFC 4733 events
  std::uint64_t one_way_calls = 0;
  std::uint64_t no_media_calls = 0;
  std::optional<StatsSummary> jitter_ms;       // over streams: each stream's jitter_mean_ms
  std::optional<StatsSummary> mos;             // over audio streams: MOS-CQ (E-model)
  std::optional<StatsSummary> start_delay_ms;  // over calls: 2xx -> first RTP packet
  // Finished streams only (a live stream still changes): what Prometheus histograms observe.
  BucketCounts<kJitterBoundsSeconds.size()> jitter_seconds_buckets{kJitterBoundsSeconds};
  BucketCounts<kMosBounds.size()> mos_buckets{kMosBounds};
  // --peers: the same figures per peer (docs/media.md, "Per peer"): a stream counts for the peer
  // of its call, a call's one-way or no-media verdict too. Empty without --peers.
  struct Peer {
    std::uint64_t streams = 0;
    std::uint64_t packets = 0;
    std::uint64_t expected = 0;
    std::int64_t lost = 0;
    std::uint64_t one_way_calls = 0;
    std::uint64_t no_media_calls = 0;
    BucketCounts<kJitterBoundsSeconds.size()> jitter_seconds_buckets{kJitterBoundsSeconds};
    BucketCounts<kMosBounds.size()> mos_buckets{kMosBounds};
  };
  std::map<std::string, Peer> peers;
};

// The RFC 3261 timers the call trackers ran with (--timer-b, --invite-timeout, --timer-f).
struct TimerSettings {
  double timer_b_s = 0;
  double timer_c_s = 0;
  double timer_f_s = 0;
};

struct SeriesReport;  // series_report.h

struct Report {
  static constexpr int kSchemaVersion = 1;
  CaptureReport capture;
  RequestCounts requests;    // by method, retransmissions included
  ResponseCounts responses;  // by CSeq method and status code, retransmissions included
  // Filled by the layers that compute them; absent (and left out of the JSON) until then, so a
  // report never shows a zero that nothing measured.
  std::optional<RetransmissionCounts> retransmissions;
  std::optional<Rfc6076Report> rfc6076;
  std::optional<DialogCounts> dialogs;
  std::optional<TimerSettings> timers;
  // Entries turned away or dropped because a bounded table was full.
  TableEvictions table_evictions;
  // Peer name (and "other") -> counts; empty unless a peers file was given.
  std::map<std::string, PeerCounts> peers;
  // Present when RTP/RTCP was looked for (SDP seen or --rtp-heuristic).
  std::optional<MediaReport> media;
  // --interval: the figures cut into epoch-aligned intervals (series_report.h). Shared, not
  // copied, by the snapshots that copy a report.
  std::shared_ptr<const SeriesReport> series;
};

}  // namespace sipmon
