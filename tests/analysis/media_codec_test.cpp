// codec_from_rtpmap (media_codec.h): the codec an SDP rtpmap names, case-insensitively (RFC 4566
// §6: encoding names are case-insensitive), compared with a plain byte-by-byte reading of the same
// names over every spelling of their case and over near misses.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "analysis/media_codec.h"

using namespace sipmon;

namespace {

// The rtpmap names the media tracker knows, as RFC 3551 and RFC 4733 register them.
const std::vector<std::pair<std::string, Codec>> kRtpmapNames = {
    {"pcmu", Codec::pcmu},        {"pcma", Codec::pcma},
    {"g722", Codec::g722},        {"g729", Codec::g729},
    {"g723", Codec::g723},        {"gsm", Codec::gsm},
    {"opus", Codec::opus},        {"telephone-event", Codec::telephone_event},
    {"cn", Codec::comfort_noise},
};

// The reading the fast lookup must agree with: one byte at a time, 'A'-'Z' folded.
Codec codec_named_plainly(const std::string& encoding, std::uint32_t clock_rate) {
  for (const auto& [name, codec] : kRtpmapNames) {
    if (name.size() != encoding.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
      const char c = encoding[i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != name[i]) same = false;
    }
    if (same) return codec;
  }
  return clock_rate == 90000 ? Codec::video : Codec::unknown;
}

// Every upper/lower spelling of a name of up to 4 letters; for longer names, a handful.
std::vector<std::string> case_spellings(const std::string& name) {
  std::vector<std::string> out;
  if (name.size() <= 4) {
    for (unsigned mask = 0; mask < (1u << name.size()); ++mask) {
      std::string spelled = name;
      for (std::size_t i = 0; i < name.size(); ++i) {
        if ((mask >> i & 1u) != 0 && spelled[i] >= 'a' && spelled[i] <= 'z')
          spelled[i] = static_cast<char>(spelled[i] - 32);
      }
      out.push_back(spelled);
    }
    return out;
  }
  out.push_back(name);
  std::string upper = name;
  for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
  out.push_back(upper);
  std::string first_upper = name;
  first_upper[0] = static_cast<char>(first_upper[0] - 32);
  out.push_back(first_upper);
  return out;
}

}  // namespace

TEST_CASE("codec_from_rtpmap names every codec in any case, as a byte-wise reading does", "[media][codec]") {
  for (const auto& [name, codec] : kRtpmapNames) {
    for (const std::string& spelled : case_spellings(name)) {
      for (const std::uint32_t clock : {8000u, 16000u, 48000u, 90000u}) {
        INFO(spelled << "/" << clock);
        const CodecInfo info = codec_from_rtpmap(spelled, clock);
        CHECK(info.codec == codec);
        CHECK(info.codec == codec_named_plainly(spelled, clock));
        CHECK(info.clock_rate == clock);
      }
    }
  }
}

TEST_CASE("codec_from_rtpmap takes no near miss for a codec, and at 90 kHz an unknown name is video",
          "[media][codec]") {
  std::vector<std::string> near_misses = {"",      "c",     "cnx",  "gs",  "gsmm",           "pcm",
                                          "pcmuu", "h264",  "VP8",  "AMR", "telephone-even", "telephone-events",
                                          "iLBC",  "speex", "G7221"};
  // Every known name with one byte changed: to a neighbour letter or digit, to '@' and '[' (which
  // differ from 'A'-'Z' in the case bit alone), and to bytes above 0x7f.
  for (const auto& entry : kRtpmapNames) {
    const std::string& name = entry.first;
    for (std::size_t i = 0; i < name.size(); ++i) {
      for (const char replacement : {static_cast<char>(name[i] + 1), static_cast<char>(name[i] - 1), '@', '[', '`', '{',
                                     static_cast<char>(0xc1), static_cast<char>(name[i] | 0x80)}) {
        std::string changed = name;
        changed[i] = replacement;
        near_misses.push_back(changed);
      }
    }
  }
  for (const std::string& encoding : near_misses) {
    for (const std::uint32_t clock : {8000u, 90000u}) {
      INFO(encoding << "/" << clock);
      const Codec expected = codec_named_plainly(encoding, clock);
      CHECK(codec_from_rtpmap(encoding, clock).codec == expected);
      if (expected != Codec::unknown && expected != Codec::video) continue;  // a changed byte may spell another name
      CHECK(codec_from_rtpmap(encoding, clock).codec == (clock == 90000 ? Codec::video : Codec::unknown));
    }
  }
}
