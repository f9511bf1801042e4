#pragma once
// What a payload type means for measurement: its clock rate (for jitter, RFC 3550 A.8), its name,
// and the E-model's equipment impairment factors for it (mos.h). Static payload types come from
// RFC 3551 §6; dynamic ones from the SDP's a=rtpmap.
#include <cstdint>
#include <string_view>

namespace sipmon {

enum class Codec : std::uint8_t {
  unknown,
  pcmu,
  pcma,
  g722,
  g729,
  g723,
  gsm,
  opus,
  telephone_event,
  comfort_noise,
  video
};

struct CodecInfo {
  Codec codec = Codec::unknown;
  std::uint32_t clock_rate = 0;  // 0: unknown, jitter is not computed
};

// RFC 3551 Table 4/5 (audio and video payload types with a fixed meaning).
CodecInfo static_payload_type(std::uint8_t payload_type);
// a=rtpmap encoding name (case-insensitive) and clock rate.
CodecInfo codec_from_rtpmap(std::string_view encoding, std::uint32_t clock_rate);
std::string_view codec_name(Codec codec);

}  // namespace sipmon
