#include "analysis/rtp_packet.h"

namespace sipmon {
namespace {

constexpr std::size_t kRtpFixedHeader = 12;
constexpr std::uint8_t kRtcpSenderReport = 200;
constexpr std::uint8_t kRtcpReceiverReport = 201;
constexpr std::uint8_t kRtcpExtendedReport = 207;
constexpr std::uint8_t kXrVoipMetrics = 7;
constexpr std::size_t kReportBlock = 24;
constexpr std::size_t kXrVoipBlock = 36;  // 4-byte block header + 32 bytes (RFC 3611 §4.7)

void read_blocks(Bytes blocks, std::size_t count, RtcpPacket& rtcp) {
  for (std::size_t i = 0; i < count && (i + 1) * kReportBlock <= blocks.size(); ++i) {
    if (rtcp.block_count == RtcpPacket::kMaxBlocks) return;
    const std::uint8_t* b = blocks.data() + i * kReportBlock;
    RtcpReportBlock& block = rtcp.blocks[rtcp.block_count++];
    block.source_ssrc = load_be32(b);
    block.fraction_lost = b[4];
    // 24-bit two's complement (RFC 3550 §6.4.1: may be negative with duplicates).
    const std::uint32_t raw = (std::uint32_t{b[5]} << 16) | (std::uint32_t{b[6]} << 8) | b[7];
    block.cumulative_lost =
        (raw & 0x800000u) ? static_cast<std::int32_t>(raw) - 0x1000000 : static_cast<std::int32_t>(raw);
    block.highest_sequence = load_be32(b + 8);
    block.jitter = load_be32(b + 12);
    block.last_sr = load_be32(b + 16);
    block.delay_since_last_sr = load_be32(b + 20);
  }
}

void read_xr(Bytes body, RtcpPacket& rtcp) {
  // body: after the XR header's SSRC; a sequence of report blocks (BT, type-specific, length).
  while (body.size() >= 4) {
    const std::uint8_t type = body[0];
    const std::size_t length = (std::size_t{load_be16(body.data() + 2)} + 1) * 4;
    if (length > body.size()) return;
    if (type == kXrVoipMetrics && length >= kXrVoipBlock && !rtcp.voip) {
      const std::uint8_t* b = body.data() + 4;
      RtcpXrVoip voip;
      voip.source_ssrc = load_be32(b);
      voip.loss_rate = b[4];
      voip.discard_rate = b[5];
      voip.round_trip_ms = load_be16(b + 12);
      voip.end_system_delay_ms = load_be16(b + 14);
      voip.r_factor = b[20];
      voip.mos_lq = b[22];
      voip.mos_cq = b[23];
      rtcp.voip = voip;
    }
    body = body.subspan(length);
  }
}

}  // namespace

std::optional<RtpHeader> parse_rtp(Bytes packet) {
  if (packet.size() < kRtpFixedHeader || (packet[0] >> 6) != 2) return std::nullopt;
  const std::uint8_t* p = packet.data();
  std::size_t offset = kRtpFixedHeader + 4 * std::size_t{p[0] & 0x0fu};
  if (offset > packet.size()) return std::nullopt;
  if (p[0] & 0x10u) {  // header extension: 16-bit profile, 16-bit length in words
    if (offset + 4 > packet.size()) return std::nullopt;
    offset += 4 + 4 * std::size_t{load_be16(p + offset + 2)};
    if (offset > packet.size()) return std::nullopt;
  }
  std::size_t end = packet.size();
  if ((p[0] & 0x20u) && end > offset) {  // padding: the last byte counts it
    const std::size_t padding = packet[end - 1];
    end = padding <= end - offset ? end - padding : offset;
  }
  RtpHeader header;
  header.marker = (p[1] & 0x80u) != 0;
  header.payload_type = p[1] & 0x7fu;
  header.sequence = load_be16(p + 2);
  header.timestamp = load_be32(p + 4);
  header.ssrc = load_be32(p + 8);
  header.payload = packet.subspan(offset, end - offset);
  return header;
}

bool looks_like_rtcp(Bytes packet) {
  return packet.size() >= 8 && (packet[0] >> 6) == 2 && packet[1] >= 192 && packet[1] <= 223;
}

bool parse_rtcp(Bytes packet, RtcpPacket& rtcp) {
  rtcp = RtcpPacket{};
  bool first = true;
  while (packet.size() >= 8) {
    const std::uint8_t* p = packet.data();
    if ((p[0] >> 6) != 2) return !first;
    const std::size_t length = (std::size_t{load_be16(p + 2)} + 1) * 4;
    if (length > packet.size()) return !first;
    const std::uint8_t count = p[0] & 0x1fu;
    const Bytes body = packet.subspan(8, length - 8);  // after the header and the sender's SSRC
    switch (p[1]) {
      case kRtcpSenderReport:
        if (body.size() < 20) break;
        rtcp.sender_ssrc = load_be32(p + 4);
        rtcp.has_sender_report = true;
        // NTP timestamp: seconds (32) and fraction (32); LSR echoes the middle 32 bits.
        rtcp.sr_ntp_middle = (load_be32(body.data()) << 16) | (load_be32(body.data() + 4) >> 16);
        read_blocks(body.subspan(20), count, rtcp);
        break;
      case kRtcpReceiverReport:
        rtcp.sender_ssrc = load_be32(p + 4);
        read_blocks(body, count, rtcp);
        break;
      case kRtcpExtendedReport:
        read_xr(body, rtcp);
        break;
      default:
        if (p[1] < 192 || p[1] > 223) return !first;
        break;
    }
    first = false;
    packet = packet.subspan(length);
  }
  return !first;
}

}  // namespace sipmon
