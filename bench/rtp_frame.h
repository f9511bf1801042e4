#pragma once
// A call's SDP offer/answer and its RTP frames, for the media benchmark and the allocation check:
// 10.0.0.1:40000 (caller) <-> 10.0.0.2:50000 (callee), PCMU, 20 ms packets.
#include <cstdint>
#include <string>
#include <vector>

#include "udp_frame.h"

namespace sipmon::bench {

inline std::string sdp_message(bool answer) {
  const std::string address = answer ? "10.0.0.2" : "10.0.0.1";
  const std::string body = "v=0\r\no=- 1 1 IN IP4 " + address + "\r\ns=-\r\nc=IN IP4 " + address +
                           "\r\nt=0 0\r\nm=audio " + (answer ? "50000" : "40000") +
                           " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  const std::string start = answer ? "SIP/2.0 200 OK" : "INVITE sip:bob@10.0.0.2 SIP/2.0";
  return start +
         "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbench\r\nFrom: <sip:a@x>;tag=caller\r\nTo: <sip:b@x>" +
         (answer ? ";tag=callee" : "") +
         "\r\nCall-ID: bench-media\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// An RTP frame caller -> callee with sequence number `seq` (timestamp 160 per packet).
inline std::vector<std::uint8_t> rtp_frame(std::uint16_t seq) {
  std::string payload(12 + 160, '\xd5');
  const std::uint32_t ts = 160u * seq;
  payload[0] = '\x80';
  payload[1] = 0;
  payload[2] = static_cast<char>(seq >> 8);
  payload[3] = static_cast<char>(seq);
  for (int i = 0; i < 4; ++i) payload[4 + i] = static_cast<char>(ts >> (24 - 8 * i));
  payload[8] = '\x12';
  std::vector<std::uint8_t> frame = udp_frame(payload, 1, 2);
  std::uint8_t* udp = frame.data() + 14 + 20;
  udp[0] = 40000 >> 8, udp[1] = 40000 & 0xff;
  udp[2] = 50000 >> 8, udp[3] = 50000 & 0xff;
  return frame;
}

}  // namespace sipmon::bench
