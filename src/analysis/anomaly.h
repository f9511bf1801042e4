#pragma once
// Every way a packet or message can fail to become a clean SIP message has a name and a counter
// (zeek calls them "weirds"). Nothing is dropped without one of these being incremented.
//
// Three kinds, each its own enum so that one cannot be reported as another:
//  - FrameOutcome: why a frame, or one payload of it, yielded no SIP message. The decoders return
//    exactly one per frame; the engine adds one per payload it sets aside (port filter, media,
//    not SIP). Some are not anomalies at all: a segment held for reassembly, a WebSocket
//    handshake (OutcomeClass::transport).
//  - DecoderEvent: state given up (reassemblies timed out or evicted, stream data the capture
//    lost) and packet time that misbehaved, counted once per occurrence, not per frame.
//  - MessageDefect: what is wrong with a SIP message that is still counted by method or code.
// The names are stable and unique across the three: keys of the JSON report and the `reason`
// label of sipmon_decode_anomalies_total. Where each kind is listed in the report: docs/report.md.
#include <array>
#include <cstdint>
#include <string_view>

namespace sipmon {

// What a frame outcome says about the frame; the report lists each class under its own totals.
enum class OutcomeClass : std::uint8_t {
  malformed,    // could not be used: truncated or inconsistent headers, broken SIP
  non_sip,      // well-formed traffic that is not SIP (other protocols, media, filtered ports)
  transport,    // taken by the transport itself (a piece held for reassembly, a handshake, a
                // control segment or chunk): normal traffic, counted with non_sip in the report
  unsupported,  // link type the decoder does not know
};

// X(name, class). The name is the stable key used in the JSON report and metrics labels.
#define SIPMON_FRAME_OUTCOMES(X)                                                         \
  /* capture record: a time no int64 of nanoseconds holds */                             \
  X(timestamp_out_of_range, malformed)                                                   \
  /* link layer */                                                                       \
  X(truncated_link_header, malformed)                                                    \
  X(too_many_vlan_tags, malformed)                                                       \
  X(unsupported_link_type, unsupported)                                                  \
  X(non_ip_ethertype, non_sip)                                                           \
  X(non_ip_address_family, non_sip)                                                      \
  X(truncated_pppoe_header, malformed)                                                   \
  X(non_ip_ppp_protocol, non_sip)                                                        \
  X(too_many_mpls_labels, malformed)                                                     \
  /* network layer */                                                                    \
  X(truncated_ipv4_header, malformed)                                                    \
  X(bad_ipv4_header, malformed)                                                          \
  X(truncated_ipv6_header, malformed)                                                    \
  X(bad_ipv6_extension_header, malformed)                                                \
  X(ip_version_mismatch, malformed)                                                      \
  /* IP fragments: a frame that only fed the reassembler ends as ip_fragment_buffered */ \
  X(ip_fragment_buffered, transport)                                                     \
  X(ip_fragment_truncated, malformed)                                                    \
  X(ip_fragment_too_large, malformed)                                                    \
  X(ip_fragment_inconsistent, malformed)                                                 \
  X(ip_fragment_too_many_pieces, malformed)                                              \
  X(ip_fragment_memory_full, malformed)                                                  \
  X(encrypted_ipsec, non_sip)                                                            \
  X(icmp, non_sip)                                                                       \
  X(icmp_quoted_sip, non_sip)                                                            \
  /* tunnels */                                                                          \
  X(truncated_tunnel_header, malformed)                                                  \
  X(unsupported_tunnel_payload, non_sip)                                                 \
  X(tunnel_too_deep, malformed)                                                          \
  X(other_ip_protocol, non_sip)                                                          \
  /* transport layer */                                                                  \
  X(truncated_udp_header, malformed)                                                     \
  X(bad_udp_length, malformed)                                                           \
  X(port_filtered, non_sip)                                                              \
  X(host_filtered, non_sip)                                                              \
  X(empty_payload, non_sip)                                                              \
  X(payload_not_sip, non_sip)                                                            \
  /* media (docs/media.md): RTP and RTCP of a call, measured, not SIP */                 \
  X(rtp, non_sip)                                                                        \
  X(rtcp, non_sip)                                                                       \
  X(sip_start_line_only, non_sip)                                                        \
  X(encrypted_tls, non_sip)                                                              \
  /* TCP streams */                                                                      \
  X(truncated_tcp_header, malformed)                                                     \
  X(tcp_control, transport)                                                              \
  X(tcp_segment_buffered, transport)                                                     \
  X(tcp_retransmission, transport)                                                       \
  X(tcp_truncated_segment, malformed)                                                    \
  /* SCTP */                                                                             \
  X(truncated_sctp_header, malformed)                                                    \
  X(bad_sctp_chunk, malformed)                                                           \
  X(sctp_control, transport)                                                             \
  X(sctp_fragment_buffered, transport)                                                   \
  X(sctp_fragment_orphaned, malformed)                                                   \
  /* WebSocket (RFC 6455 / RFC 7118) */                                                  \
  X(websocket_handshake, transport)                                                      \
  X(websocket_control, transport)                                                        \
  X(websocket_fragmented_message, transport)                                             \
  /* a payload that begins like SIP but cannot be parsed: the message is not counted */  \
  X(sip_bad_start_line, malformed)                                                       \
  X(sip_header_cut_short, malformed)

// X(name). Counted where the state lives (the decoders' reassemblers, the engine's packet clock).
#define SIPMON_DECODER_EVENTS(X)                                                            \
  /* reassembly state given up, stream data lost */                                         \
  X(ip_fragment_timeout)                                                                    \
  X(ip_fragment_evicted)                                                                    \
  X(tcp_flow_expired)                                                                       \
  X(tcp_flow_evicted)                                                                       \
  X(tcp_resync_skipped)                                                                     \
  X(bad_websocket_frame)                                                                    \
  X(tcp_message_too_large)                                                                  \
  X(tcp_memory_full)                                                                        \
  X(tcp_gap)                                                                                \
  X(sctp_reassembly_timeout)                                                                \
  X(sctp_reassembly_incomplete)                                                             \
  X(sctp_reassembly_evicted)                                                                \
  X(sctp_message_too_large)                                                                 \
  /* Packet time (replay): a step beyond EngineConfig::max_time_step_ns. A jump the next */ \
  /* packet confirms moves the clock; one it contradicts is an outlier, taken at the    */  \
  /* clock's time; a packet far behind the clock went backwards (docs/metrics.md).      */  \
  X(packet_time_jump)                                                                       \
  X(packet_time_outlier)                                                                    \
  X(packet_time_backwards)

// X(name). The first defect found in a message; the message is still counted by method or code,
// and goes on to the call trackers only when its mandatory headers are all there.
#define SIPMON_MESSAGE_DEFECTS(X) \
  X(sip_truncated_by_snaplen)     \
  X(sip_headers_unterminated)     \
  X(sip_header_without_colon)     \
  X(sip_missing_call_id)          \
  X(sip_missing_cseq)             \
  X(sip_missing_from)             \
  X(sip_missing_to)               \
  X(sip_missing_via)              \
  X(sip_bad_cseq)                 \
  X(sip_cseq_method_mismatch)     \
  X(sip_bad_content_length)       \
  X(sip_body_shorter_than_content_length)

enum class FrameOutcome : std::uint8_t {
#define SIPMON_FRAME_OUTCOME_ENUM(name, cls) name,
  SIPMON_FRAME_OUTCOMES(SIPMON_FRAME_OUTCOME_ENUM)
#undef SIPMON_FRAME_OUTCOME_ENUM
      count_,
  none = 0xff,  // the frame delivered at least one payload: their outcomes say the rest
};

enum class DecoderEvent : std::uint8_t {
#define SIPMON_DECODER_EVENT_ENUM(name) name,
  SIPMON_DECODER_EVENTS(SIPMON_DECODER_EVENT_ENUM)
#undef SIPMON_DECODER_EVENT_ENUM
      count_,
};

enum class MessageDefect : std::uint8_t {
#define SIPMON_MESSAGE_DEFECT_ENUM(name) name,
  SIPMON_MESSAGE_DEFECTS(SIPMON_MESSAGE_DEFECT_ENUM)
#undef SIPMON_MESSAGE_DEFECT_ENUM
      count_,
  none = 0xff,  // a clean message
};

inline constexpr std::size_t kFrameOutcomeCount = static_cast<std::size_t>(FrameOutcome::count_);
inline constexpr std::size_t kDecoderEventCount = static_cast<std::size_t>(DecoderEvent::count_);
inline constexpr std::size_t kMessageDefectCount = static_cast<std::size_t>(MessageDefect::count_);

// The stable names ("none" for the none values, which are never counted).
std::string_view frame_outcome_name(FrameOutcome outcome);
std::string_view decoder_event_name(DecoderEvent event);
std::string_view message_defect_name(MessageDefect defect);
OutcomeClass outcome_class(FrameOutcome outcome);

// A fixed array of counters indexed by one of the enums above: no allocation, no lookup on the
// hot path. Plain data, so that the report carries it as it is.
template <typename Kind, std::size_t N>
struct KindCounts {
  std::array<std::uint64_t, N> counts{};

  void add(Kind kind, std::uint64_t n = 1) { counts[static_cast<std::size_t>(kind)] += n; }
  std::uint64_t operator[](Kind kind) const { return counts[static_cast<std::size_t>(kind)]; }
  std::uint64_t& operator[](Kind kind) { return counts[static_cast<std::size_t>(kind)]; }
  KindCounts& operator+=(const KindCounts& other) {
    for (std::size_t i = 0; i < N; ++i) counts[i] += other.counts[i];
    return *this;
  }
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t n : counts) sum += n;
    return sum;
  }
};

using FrameOutcomeCounts = KindCounts<FrameOutcome, kFrameOutcomeCount>;
using DecoderEventCounts = KindCounts<DecoderEvent, kDecoderEventCount>;
using MessageDefectCounts = KindCounts<MessageDefect, kMessageDefectCount>;

// Frame outcomes of one class.
std::uint64_t total_of_class(const FrameOutcomeCounts& outcomes, OutcomeClass cls);

}  // namespace sipmon
