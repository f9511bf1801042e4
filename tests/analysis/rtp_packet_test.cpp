#include <catch2/catch.hpp>

#include <vector>

#include "analysis/rtp_packet.h"

using namespace sipmon;

TEST_CASE("parse_rtp: fixed header, CSRCs, extension and padding") {
  // V=2 P=1 X=1 CC=1, M=1 PT=8, seq 0x1234, ts 0x01020304, SSRC 0xdeadbeef, one CSRC, a
  // one-word extension, 3 payload bytes, 2 bytes of padding.
  const std::vector<std::uint8_t> packet = {0xb1, 0x88, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
                                            0xde, 0xad, 0xbe, 0xef, 0,    0,    0,    9,  // CSRC
                                            0xbe, 0xde, 0,    1,    1,    2,    3,    4,  // extension: profile, 1 word
                                            0xaa, 0xbb, 0xcc, 0,    2};                   // payload, padding (count 2)
  const auto rtp = parse_rtp(packet);
  REQUIRE(rtp);
  CHECK(rtp->marker);
  CHECK(rtp->payload_type == 8);
  CHECK(rtp->sequence == 0x1234);
  CHECK(rtp->timestamp == 0x01020304u);
  CHECK(rtp->ssrc == 0xdeadbeefu);
  REQUIRE(rtp->payload.size() == 3);
  CHECK(rtp->payload[0] == 0xaa);
}

TEST_CASE("parse_rtp: refuses SIP text, version 1 and headers cut short") {
  const std::string_view sip = "INVITE sip:a@b SIP/2.0\r\n";
  CHECK_FALSE(parse_rtp(Bytes(reinterpret_cast<const std::uint8_t*>(sip.data()), sip.size())));
  const std::vector<std::uint8_t> v1 = {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK_FALSE(parse_rtp(v1));
  const std::vector<std::uint8_t> csrc_missing = {0x83, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK_FALSE(parse_rtp(csrc_missing));
}

TEST_CASE("RFC 5761: RTCP packet types are told from RTP payload types") {
  const std::vector<std::uint8_t> rr = {0x80, 201, 0, 1, 0, 0, 0, 1};
  const std::vector<std::uint8_t> rtp = {0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  const std::vector<std::uint8_t> rtp_marker_pt8 = {0x80, 0x88, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  CHECK(looks_like_rtcp(rr));
  CHECK_FALSE(looks_like_rtcp(rtp));
  CHECK_FALSE(looks_like_rtcp(rtp_marker_pt8));
}

TEST_CASE("parse_rtcp: SR with a report block, then an XR VoIP metrics block") {
  std::vector<std::uint8_t> p = {
      0x81, 200,  0,    12,                            // SR, RC=1, length 12 words (52 bytes)
      0,    0,    0,    0x11,                          // sender SSRC
      0x12, 0x34, 0x56, 0x78,                          // NTP seconds
      0x9a, 0xbc, 0xde, 0xf0,                          // NTP fraction
      0,    0,    0,    1,    0, 0, 0, 2, 0, 0, 0, 3,  // RTP ts, packets, octets
      0,    0,    0,    0x22,                          // block: source SSRC
      64,   0xff, 0xff, 0xfe,                          // fraction 64/256, cumulative -2
      0,    1,    0,    5,                             // extended highest sequence
      0,    0,    0,    80,                            // jitter
      0x11, 0x22, 0x33, 0x44,                          // LSR
      0,    1,    0,    0,                             // DLSR: 1 s
      0x80, 207,  0,    10,                            // XR, length 10 words (44 bytes)
      0,    0,    0,    0x11,                          // XR sender SSRC
      7,    0,    0,    8,                             // block type 7, length 8 words
      0,    0,    0,    0x22,                          // source SSRC
      26,   3,    0,    0,                             // loss rate, discard rate, burst/gap density
      0,    0,    0,    0,                             // burst/gap duration
      0,    150,  0,    40,                            // round trip 150 ms, end system delay 40 ms
      0,    0,    0,    0,                             // signal, noise, RERL, Gmin
      88,   127,  41,   39,                            // R, ext R, MOS-LQ 4.1, MOS-CQ 3.9
      0,    0,    0,    0,                             // RX config, reserved, JB nominal
      0,    0,    0,    0,                             // JB max, JB abs max
  };
  RtcpPacket rtcp;
  REQUIRE(parse_rtcp(p, rtcp));
  CHECK(rtcp.sender_ssrc == 0x11);
  CHECK(rtcp.has_sender_report);
  CHECK(rtcp.sr_ntp_middle == 0x56789abcu);
  REQUIRE(rtcp.block_count == 1);
  CHECK(rtcp.blocks[0].source_ssrc == 0x22);
  CHECK(rtcp.blocks[0].fraction_lost == 64);
  CHECK(rtcp.blocks[0].cumulative_lost == -2);
  CHECK(rtcp.blocks[0].highest_sequence == 0x10005u);
  CHECK(rtcp.blocks[0].jitter == 80);
  CHECK(rtcp.blocks[0].last_sr == 0x11223344u);
  CHECK(rtcp.blocks[0].delay_since_last_sr == 65536);
  REQUIRE(rtcp.voip);
  CHECK(rtcp.voip->source_ssrc == 0x22);
  CHECK(rtcp.voip->loss_rate == 26);
  CHECK(rtcp.voip->round_trip_ms == 150);
  CHECK(rtcp.voip->r_factor == 88);
  CHECK(rtcp.voip->mos_lq == 41);
  CHECK(rtcp.voip->mos_cq == 39);
}

TEST_CASE("parse_rtcp: a length past the packet ends the walk") {
  const std::vector<std::uint8_t> cut = {0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0};
  RtcpPacket rtcp;
  CHECK_FALSE(parse_rtcp(cut, rtcp));
  const std::vector<std::uint8_t> not_rtcp = {0x80, 0, 0, 1, 0, 0, 0, 1};
  CHECK_FALSE(parse_rtcp(not_rtcp, rtcp));
}
