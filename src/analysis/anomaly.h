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
#define SIPMON_ANOMALIES(X)                                  \
  /* link layer */                                           \
  X(truncated_link_header, malformed)                        \
  X(too_many_vlan_tags, malformed)                           \
  X(unsupported_link_type, unsupported)                      \
  X(non_ip_ethertype, non_sip)                               \
  X(non_ip_address_family, non_sip)                          \
  /* network layer */                                        \
  X(truncated_ipv4_header, malformed)                        \
  X(bad_ipv4_header, malformed)                              \
  X(truncated_ipv6_header, malformed)                        \
  X(bad_ipv6_extension_header, malformed)                    \
  X(ip_version_mismatch, malformed)                          \
  X(ip_fragment, non_sip)                                    \
  X(encrypted_ipsec, non_sip)                                \
  X(icmp, non_sip)                                           \
  X(tunnel_not_decoded, non_sip)                             \
  X(tcp_not_decoded, non_sip)                                \
  X(sctp_not_decoded, non_sip)                               \
  X(other_ip_protocol, non_sip)                              \
  /* transport layer */                                      \
  X(truncated_udp_header, malformed)                         \
  X(bad_udp_length, malformed)                               \
  X(port_filtered, non_sip)                                  \
  X(empty_payload, non_sip)                                  \
  X(payload_not_sip, non_sip)                                \
  /* SIP message (the message is still counted by method or code) */ \
  X(sip_bad_start_line, malformed)                           \
  X(sip_header_cut_short, malformed)                         \
  X(sip_truncated_by_snaplen, malformed)                     \
  X(sip_headers_unterminated, malformed)                     \
  X(sip_header_without_colon, malformed)                     \
  X(sip_missing_call_id, malformed)                          \
  X(sip_missing_cseq, malformed)                             \
  X(sip_missing_from, malformed)                             \
  X(sip_missing_to, malformed)                               \
  X(sip_missing_via, malformed)                              \
  X(sip_bad_cseq, malformed)                                 \
  X(sip_cseq_method_mismatch, malformed)                     \
  X(sip_bad_content_length, malformed)                       \
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
