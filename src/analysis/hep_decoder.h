#pragma once
// HEP (Homer's "Homer Encapsulation Protocol"): how SIP servers and capture agents (Kamailio's
// siptrace, OpenSIPS, FreeSWITCH, Asterisk, heplify) export the messages they send and receive,
// including those carried over TLS that no network capture can read. The decoder is pure: it
// takes the bytes of one HEP packet and returns views into them (no copy, no allocation), or the
// name of what is wrong with the packet. docs/hep.md describes the formats and every error.
#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/bytes.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

// X(name): every way a HEP packet is refused, and what is counted but not refused. The names are
// the stable keys of the JSON report and of the metrics' `error` label.
#define SIPMON_HEP_ERRORS(X)                                                                     \
  X(truncated)          /* shorter than its header, or than its own length field */              \
  X(bad_length)         /* a length field that contradicts the packet (total or chunk length) */ \
  X(unknown_version)    /* neither "HEP3" nor a HEPv1/v2 version byte */                         \
  X(bad_address_family) /* not IPv4 or IPv6, or addresses of the wrong size */                   \
  X(missing_addresses)  /* HEPv3 without both addresses or both ports */                         \
  X(missing_payload)    /* no payload chunk, or an empty one */                                  \
  X(compressed_payload) /* chunk 0x0010 (zlib): not decoded, see docs/hep.md */                  \
  X(not_sip)            /* protocol type other than 1 (SIP): RTCP reports, logs, QoS */          \
  X(missing_key)        /* --hep-key set, and the packet carries no key */                       \
  X(wrong_key)          /* --hep-key set, and the packet carries another one */                  \
  X(unknown_chunk)      /* counted, not refused: a vendor chunk or one this decoder skips */     \
  X(stream_unframed)    /* TCP: the stream does not go on with a HEPv3 header; connection closed */

enum class HepError : std::uint8_t {
#define SIPMON_HEP_ERROR_ENUM(name) name,
  SIPMON_HEP_ERRORS(SIPMON_HEP_ERROR_ENUM)
#undef SIPMON_HEP_ERROR_ENUM
      count_,
  none = 0xff,
};

inline constexpr std::size_t kHepErrorCount = static_cast<std::size_t>(HepError::count_);
std::string_view hep_error_name(HepError error);

// Protocol type of chunk 0x000b (HEPv3); HEPv1/v2 carry SIP only.
inline constexpr std::uint8_t kHepProtocolSip = 1;

// The largest HEPv3 packet: its total length is a 16-bit field.
inline constexpr std::size_t kHepMaxPacketBytes = 65535;

struct HepPacket {
  HepError error = HepError::none;  // none: the fields below are valid
  std::uint8_t version = 0;         // 1, 2 or 3
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t ip_protocol = 0;  // 17 UDP, 6 TCP (also for TLS), 132 SCTP; 0 if not given
  bool has_timestamp = false;    // HEPv1 has none; HEPv3 may leave it out
  std::int64_t ts_ns = 0;        // capture time at the sender, ns since the Unix epoch
  std::uint8_t protocol_type = kHepProtocolSip;
  std::uint32_t capture_id = 0;
  std::string_view auth_key;         // chunk 0x000e, empty when absent
  std::string_view correlation_id;   // chunk 0x0011, empty when absent
  std::uint32_t unknown_chunks = 0;  // chunks skipped (vendor-specific, or not used here)
  Bytes payload;                     // the captured message (chunk 0x000f)
};

// Decodes one HEP packet (HEPv3, or HEPv1/v2 by their first byte). On success `error` is none,
// or the packet is still usable but carries `unknown_chunks`. Checks only the packet itself:
// whether its key is right and its payload is SIP is decided by the caller (hep_ingest.h).
HepPacket decode_hep(Bytes packet);

// How many bytes the HEP packet at the start of `stream` takes, for framing a TCP stream: 0 when
// more bytes are needed to know, or -1 when the stream does not start with a HEPv3 header (only
// HEPv3 carries a total length, so only HEPv3 can be framed on a stream).
std::int64_t hep_stream_packet_length(Bytes stream);

}  // namespace sipmon
