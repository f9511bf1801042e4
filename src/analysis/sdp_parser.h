#pragma once
// SDP (RFC 4566) as an offer or answer (RFC 3264) announces it: where each media stream wants to
// receive RTP and RTCP, which payload types it may carry, and in which direction it flows. Only
// what media measurement needs is read; everything is a view into the body or a number, and the
// number of media sections and formats kept is fixed (the rest is counted, never stored).
#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/ip_decoder.h"

namespace sipmon {

// RFC 3264 §5.1 / §6.1: the direction attribute of a media section (session level as default).
enum class SdpDirection : std::uint8_t { sendrecv, sendonly, recvonly, inactive };

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
struct SdpRtpMap {
  std::uint8_t payload_type = 0;
  std::uint32_t clock_rate = 0;
  std::string_view encoding;  // "PCMU", "opus", "telephone-event" (case as sent)
};

struct SdpMedia {
  static constexpr std::size_t kMaxFormats = 16;
  static constexpr std::size_t kMaxRtpMaps = 8;

  std::string_view media;       // "audio", "video", ...
  std::string_view protocol;    // "RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", ...
  std::uint16_t port = 0;       // 0: the stream is rejected or disabled (RFC 3264 §6)
  bool has_address = false;     // an address from the media or the session c= line
  IpAddress address;            // where the stream's owner receives RTP
  std::uint16_t rtcp_port = 0;  // a=rtcp (RFC 3605); 0: port + 1 (or the RTP port when muxed)
  bool has_rtcp_address = false;
  IpAddress rtcp_address;  // a=rtcp with an address
  bool rtcp_mux = false;   // a=rtcp-mux (RFC 5761)
  SdpDirection direction = SdpDirection::sendrecv;

  // Only the first format_count formats and rtpmap_count rtpmaps are this section's: an m= line
  // resets the counts, not the arrays (entries past the counts keep what an earlier body left).
  std::array<std::uint8_t, kMaxFormats> formats{};  // payload types of the m= line, in order
  std::uint8_t format_count = 0;
  std::array<SdpRtpMap, kMaxRtpMaps> rtpmaps{};
  std::uint8_t rtpmap_count = 0;
  bool formats_truncated = false;  // more formats or rtpmaps than kept

  // Payload type -> its rtpmap; nullptr when the section has none (a static type, RFC 3551).
  const SdpRtpMap* rtpmap(std::uint8_t payload_type) const;
  // Where RTCP for this stream goes (RFC 3605, RFC 5761).
  std::uint16_t rtcp_destination_port() const { return rtcp_port != 0 ? rtcp_port : rtcp_mux ? port : port + 1; }
};

enum class SdpStatus : std::uint8_t {
  ok,
  not_sdp,         // no v=0 line first
  bad_line,        // a line without "<letter>=": the rest is ignored, what came before kept
  bad_connection,  // a c= address that is neither IPv4 nor IPv6 in the form RFC 4566 gives
  bad_media,       // an m= line without a port or protocol
};

struct SdpSession {
  static constexpr std::size_t kMaxMedia = 4;

  SdpStatus status = SdpStatus::not_sdp;
  std::array<SdpMedia, kMaxMedia> media{};  // the first media_count are this body's
  std::uint8_t media_count = 0;
  bool media_truncated = false;  // more m= sections than kept (counted by the caller)
};

// Parses an SDP body. Lines end in CRLF or LF (RFC 4566 §5 tolerates LF alone). The result's
// views point into `body`.
void parse_sdp(std::string_view body, SdpSession& session);

// IPv4 dotted quad or IPv6 text (RFC 4291 §2.2, with :: and an IPv4 tail). False when it is
// neither: an FQDN in c= is not resolved (a monitor must not make DNS queries per call).
bool parse_ip_address(std::string_view text, IpAddress& address);

}  // namespace sipmon
