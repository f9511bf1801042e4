#pragma once
// Every way a packet or message can fail to become a clean SIP message has a name and a counter
// (zeek calls them "weirds"). Nothing is dropped without one of these being incremented.
#include <array>
#include <cstdint>
#include <string_view>

namespace sipmon {

// Where an anomaly is reported: a frame ends in exactly one outcome; message defects are extra.
enum class AnomalyClass : std::uint8_t {
  malformed,    // could not be used: truncated or inconsistent headers, broken SIP
  non_sip,      // well-formed traffic that is not (or not yet decodable as) SIP
  unsupported,  // link type the decoder does not know
};

// X(name, class). The name is the stable key used in the JSON report and metrics labels.
#define SIPMON_ANOMALIES(X)                                                                    \
  /* capture record: a time no int64 of nanoseconds holds */                                   \
  X(timestamp_out_of_range, malformed)                                                         \
  /* link layer */                                                                             \
  X(truncated_link_header, malformed)                                                          \
  X(too_many_vlan_tags, malformed)                                                             \
  X(unsupported_link_type, unsupported)                                                        \
  X(non_ip_ethertype, non_sip)                                                                 \
  X(non_ip_address_family, non_sip)                                                            \
  X(truncated_pppoe_header, malformed)                                                         \
  X(non_ip_ppp_protocol, non_sip)                                                              \
  X(too_many_mpls_labels, malformed)                                                           \
  /* network layer */                                                                          \
  X(truncated_ipv4_header, malformed)                                                          \
  X(bad_ipv4_header, malformed)                                                                \
  X(truncated_ipv6_header, malformed)                                                          \
  X(bad_ipv6_extension_header, malformed)                                                      \
  X(ip_version_mismatch, malformed)                                                            \
  /* IP fragments: a frame that only fed the reassembler ends as ip_fragment_buffered */       \
  X(ip_fragment_buffered, non_sip)                                                             \
  X(ip_fragment_truncated, malformed)                                                          \
  X(ip_fragment_too_large, malformed)                                                          \
  X(ip_fragment_inconsistent, malformed)                                                       \
  X(ip_fragment_too_many_pieces, malformed)                                                    \
  X(ip_fragment_memory_full, malformed)                                                        \
  X(encrypted_ipsec, non_sip)                                                                  \
  X(icmp, non_sip)                                                                             \
  X(icmp_quoted_sip, non_sip)                                                                  \
  /* tunnels */                                                                                \
  X(truncated_tunnel_header, malformed)                                                        \
  X(unsupported_tunnel_payload, non_sip)                                                       \
  X(tunnel_too_deep, malformed)                                                                \
  X(other_ip_protocol, non_sip)                                                                \
  /* transport layer */                                                                        \
  X(truncated_udp_header, malformed)                                                           \
  X(bad_udp_length, malformed)                                                                 \
  X(port_filtered, non_sip)                                                                    \
  X(empty_payload, non_sip)                                                                    \
  X(payload_not_sip, non_sip)                                                                  \
  /* media (docs/media.md): RTP and RTCP of a call, measured, not SIP */                       \
  X(rtp, non_sip)                                                                              \
  X(rtcp, non_sip)                                                                             \
  X(sip_start_line_only, non_sip)                                                              \
  X(encrypted_tls, non_sip)                                                                    \
  /* TCP streams */                                                                            \
  X(truncated_tcp_header, malformed)                                                           \
  X(tcp_control, non_sip)                                                                      \
  X(tcp_segment_buffered, non_sip)                                                             \
  X(tcp_retransmission, non_sip)                                                               \
  X(tcp_truncated_segment, malformed)                                                          \
  /* SCTP */                                                                                   \
  X(truncated_sctp_header, malformed)                                                          \
  X(bad_sctp_chunk, malformed)                                                                 \
  X(sctp_control, non_sip)                                                                     \
  X(sctp_fragment_buffered, non_sip)                                                           \
  X(sctp_fragment_orphaned, malformed)                                                         \
  /* WebSocket (RFC 6455 / RFC 7118) */                                                        \
  X(websocket_handshake, non_sip)                                                              \
  X(websocket_control, non_sip)                                                                \
  X(websocket_fragmented_message, non_sip)                                                     \
  /* Decoder events: counted once per occurrence, not per frame (state that was given up: */   \
  /* reassemblies that timed out or were evicted, stream data the capture lost). They are   */ \
  /* class non_sip so that malformed_by_reason keeps counting frames only.                  */ \
  X(ip_fragment_timeout, non_sip)                                                              \
  X(ip_fragment_evicted, non_sip)                                                              \
  X(tcp_flow_expired, non_sip)                                                                 \
  X(tcp_flow_evicted, non_sip)                                                                 \
  X(tcp_resync_skipped, non_sip)                                                               \
  X(bad_websocket_frame, non_sip)                                                              \
  X(tcp_message_too_large, non_sip)                                                            \
  X(tcp_memory_full, non_sip)                                                                  \
  X(tcp_gap, non_sip)                                                                          \
  X(sctp_reassembly_timeout, non_sip)                                                          \
  X(sctp_reassembly_incomplete, non_sip)                                                       \
  X(sctp_reassembly_evicted, non_sip)                                                          \
  X(sctp_message_too_large, non_sip)                                                           \
  /* Packet time (replay): a step beyond EngineConfig::max_time_step_ns. A jump the next */    \
  /* packet confirms moves the clock; one it contradicts is an outlier, taken at the    */     \
  /* clock's time; a packet far behind the clock went backwards (docs/metrics.md).      */     \
  X(packet_time_jump, non_sip)                                                                 \
  X(packet_time_outlier, non_sip)                                                              \
  X(packet_time_backwards, non_sip)                                                            \
  /* SIP message (the message is still counted by method or code) */                           \
  X(sip_bad_start_line, malformed)                                                             \
  X(sip_header_cut_short, malformed)                                                           \
  X(sip_truncated_by_snaplen, malformed)                                                       \
  X(sip_headers_unterminated, malformed)                                                       \
  X(sip_header_without_colon, malformed)                                                       \
  X(sip_missing_call_id, malformed)                                                            \
  X(sip_missing_cseq, malformed)                                                               \
  X(sip_missing_from, malformed)                                                               \
  X(sip_missing_to, malformed)                                                                 \
  X(sip_missing_via, malformed)                                                                \
  X(sip_bad_cseq, malformed)                                                                   \
  X(sip_cseq_method_mismatch, malformed)                                                       \
  X(sip_bad_content_length, malformed)                                                         \
  X(sip_body_shorter_than_content_length, malformed)

enum class Anomaly : std::uint8_t {
#define SIPMON_ANOMALY_ENUM(name, cls) name,
  SIPMON_ANOMALIES(SIPMON_ANOMALY_ENUM)
#undef SIPMON_ANOMALY_ENUM
      count_,
  none = 0xff,
};

inline constexpr std::size_t kAnomalyCount = static_cast<std::size_t>(Anomaly::count_);

std::string_view anomaly_name(Anomaly anomaly);
AnomalyClass anomaly_class(Anomaly anomaly);

// A fixed array of counters indexed by Anomaly: no allocation, no lookup on the hot path.
class AnomalyCounters {
 public:
  void add(Anomaly anomaly, std::uint64_t n = 1) { counts_[static_cast<std::size_t>(anomaly)] += n; }
  std::uint64_t operator[](Anomaly anomaly) const { return counts_[static_cast<std::size_t>(anomaly)]; }
  std::uint64_t total(AnomalyClass cls) const;

 private:
  std::array<std::uint64_t, kAnomalyCount> counts_{};
};

}  // namespace sipmon
