#pragma once
// RTP (RFC 3550 §5.1) and RTCP (§6.4 SR/RR, RFC 3611 XR VoIP metrics) headers as views and
// numbers. RTP and RTCP share a port under RFC 5761: the second byte tells them apart (§4).
#include <array>
#include <cstdint>
#include <optional>

#include "analysis/bytes.h"

namespace sipmon {

struct RtpHeader {
  std::uint8_t payload_type = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  Bytes payload;  // after CSRCs, the header extension and before padding
};

// Version 2 and a header that fits; nullopt otherwise (SIP text never starts with version 2:
// its first byte is ASCII, below 0x80).
std::optional<RtpHeader> parse_rtp(Bytes packet);

// RFC 5761 §4: payload types 64-95 collide with RTCP packet types 192-223 once the marker bit
// is folded in; a packet whose second byte is in that range is RTCP.
bool looks_like_rtcp(Bytes packet);

// One report block of an SR or RR (§6.4.1).
struct RtcpReportBlock {
  std::uint32_t source_ssrc = 0;     // the stream this block reports on
  std::uint8_t fraction_lost = 0;    // fixed point /256, since the previous report
  std::int32_t cumulative_lost = 0;  // 24-bit signed
  std::uint32_t highest_sequence = 0;
  std::uint32_t jitter = 0;               // timestamp units
  std::uint32_t last_sr = 0;              // middle 32 bits of the NTP timestamp of the last SR received
  std::uint32_t delay_since_last_sr = 0;  // units of 1/65536 s
};

// RFC 3611 §4.7: VoIP metrics the far end computed itself.
struct RtcpXrVoip {
  std::uint32_t source_ssrc = 0;
  std::uint8_t loss_rate = 0;     // fixed point /256
  std::uint8_t discard_rate = 0;  // fixed point /256
  std::uint16_t round_trip_ms = 0;
  std::uint16_t end_system_delay_ms = 0;
  std::uint8_t r_factor = 127;  // 127: unavailable
  std::uint8_t mos_lq = 127;    // MOS x 10; 127: unavailable
  std::uint8_t mos_cq = 127;
};

// The parts of a compound RTCP packet media measurement uses; the rest is skipped.
struct RtcpPacket {
  static constexpr std::size_t kMaxBlocks = 8;
  std::uint32_t sender_ssrc = 0;
  bool has_sender_report = false;
  std::uint32_t sr_ntp_middle = 0;  // what a later report block's last_sr will echo
  std::array<RtcpReportBlock, kMaxBlocks> blocks{};
  std::uint8_t block_count = 0;
  std::optional<RtcpXrVoip> voip;
};

// False when the first packet of the compound is not an RTCP header of version 2 (later broken
// packets end the walk and keep what came before).
bool parse_rtcp(Bytes packet, RtcpPacket& rtcp);

}  // namespace sipmon
