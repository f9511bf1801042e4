#include "analysis/media_codec.h"

#include "analysis/text.h"

namespace sipmon {

CodecInfo static_payload_type(std::uint8_t payload_type) {
  switch (payload_type) {
    case 0:
      return {Codec::pcmu, 8000};
    case 3:
      return {Codec::gsm, 8000};
    case 4:
      return {Codec::g723, 8000};
    case 8:
      return {Codec::pcma, 8000};
    // RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock runs at 8 kHz.
    case 9:
      return {Codec::g722, 8000};
    case 13:
      return {Codec::comfort_noise, 8000};
    case 18:
      return {Codec::g729, 8000};
    case 26:
    case 31:
    case 32:
    case 33:
    case 34:
      return {Codec::video, 90000};
    default:
      return {};
  }
}

CodecInfo codec_from_rtpmap(std::string_view encoding, std::uint32_t clock_rate) {
  Codec codec = Codec::unknown;
  if (iequals(encoding, "pcmu"))
    codec = Codec::pcmu;
  else if (iequals(encoding, "pcma"))
    codec = Codec::pcma;
  else if (iequals(encoding, "g722"))
    codec = Codec::g722;
  else if (iequals(encoding, "g729"))
    codec = Codec::g729;
  else if (iequals(encoding, "g723"))
    codec = Codec::g723;
  else if (iequals(encoding, "gsm"))
    codec = Codec::gsm;
  else if (iequals(encoding, "opus"))
    codec = Codec::opus;
  else if (iequals(encoding, "telephone-event"))
    codec = Codec::telephone_event;
  else if (iequals(encoding, "cn"))
    codec = Codec::comfort_noise;
  else if (clock_rate == 90000)
    codec = Codec::video;
  return {codec, clock_rate};
}

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::unknown:
      return "unknown";
    case Codec::pcmu:
      return "PCMU";
    case Codec::pcma:
      return "PCMA";
    case Codec::g722:
      return "G722";
    case Codec::g729:
      return "G729";
    case Codec::g723:
      return "G723";
    case Codec::gsm:
      return "GSM";
    case Codec::opus:
      return "opus";
    case Codec::telephone_event:
      return "telephone-event";
    case Codec::comfort_noise:
      return "CN";
    case Codec::video:
      return "video";
  }
  return "unknown";
}

}  // namespace sipmon
