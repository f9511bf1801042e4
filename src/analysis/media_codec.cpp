#include "analysis/media_codec.h"

#include <cstring>

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

namespace {

// A 4-byte name as its little-endian word, as the lower-cased load below reads it.
constexpr std::uint32_t name_word(std::string_view name) {
  return static_cast<std::uint32_t>(text_detail::little_endian_word(name, 0, 4));
}

Codec codec_of_4_byte_name(std::string_view encoding) {
  std::uint32_t raw;
  std::memcpy(&raw, encoding.data(), 4);
  switch (static_cast<std::uint32_t>(text_detail::lower_ascii_word(raw))) {
    case name_word("pcmu"):
      return Codec::pcmu;
    case name_word("pcma"):
      return Codec::pcma;
    case name_word("g722"):
      return Codec::g722;
    case name_word("g729"):
      return Codec::g729;
    case name_word("g723"):
      return Codec::g723;
    case name_word("opus"):
      return Codec::opus;
    default:
      return Codec::unknown;
  }
}

}  // namespace

// Runs for every rtpmap of every SDP (several a call): the name's length picks the one or few
// candidates, and a 4-byte name is one lower-cased word switched on, not a chain of compares.
CodecInfo codec_from_rtpmap(std::string_view encoding, std::uint32_t clock_rate) {
  Codec codec = Codec::unknown;
  switch (encoding.size()) {
    case 2:
      if (iequals(encoding, "cn")) codec = Codec::comfort_noise;
      break;
    case 3:
      if (iequals(encoding, "gsm")) codec = Codec::gsm;
      break;
    case 4:
      codec = codec_of_4_byte_name(encoding);
      break;
    case 15:
      if (iequals(encoding, "telephone-event")) codec = Codec::telephone_event;
      break;
    default:
      break;
  }
  if (codec == Codec::unknown && clock_rate == 90000) codec = Codec::video;
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
