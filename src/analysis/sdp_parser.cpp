#include "analysis/sdp_parser.h"

#include <arpa/inet.h>

#include <cstring>

#include "analysis/text.h"

namespace sipmon {
namespace {

// Splits off the first space-separated word of `rest`.
std::string_view next_word(std::string_view& rest) {
  std::size_t begin = 0;
  while (begin < rest.size() && rest[begin] == ' ') ++begin;
  std::size_t end = begin;
  while (end < rest.size() && rest[end] != ' ') ++end;
  const std::string_view word = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return word;
}

// c=IN IP4 192.0.2.1[/ttl[/count]] or c=IN IP6 2001:db8::1[/count] (RFC 4566 §5.7).
bool parse_connection(std::string_view value, IpAddress& address) {
  std::string_view rest = value;
  if (next_word(rest) != "IN") return false;
  const std::string_view type = next_word(rest);
  std::string_view text = next_word(rest);
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) text = text.substr(0, slash);
  if (!parse_ip_address(text, address)) return false;
  return (type == "IP4" && address.family == 4) || (type == "IP6" && address.family == 6);
}

void parse_rtpmap(std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  const auto pt = parse_u32(next_word(rest));
  if (!pt || *pt > 127) return;
  const std::string_view spec = next_word(rest);
  const std::size_t slash = spec.find('/');
  if (slash == std::string_view::npos) return;
  std::string_view rate = spec.substr(slash + 1);
  if (const std::size_t channels = rate.find('/'); channels != std::string_view::npos) rate = rate.substr(0, channels);
  const auto clock_rate = parse_u32(rate);
  if (!clock_rate) return;
  if (media.rtpmap_count == SdpMedia::kMaxRtpMaps) {
    media.formats_truncated = true;
    return;
  }
  media.rtpmaps[media.rtpmap_count++] = SdpRtpMap{
      .payload_type = static_cast<std::uint8_t>(*pt), .clock_rate = *clock_rate, .encoding = spec.substr(0, slash)};
}

// a=rtcp:<port> [IN IP4 <address>] (RFC 3605).
void parse_rtcp(std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  const auto port = parse_port(next_word(rest));
  if (!port) return;
  media.rtcp_port = *port;
  media.has_rtcp_address = parse_connection(trim(rest), media.rtcp_address);
}

bool parse_media_line(std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  media.media = next_word(rest);
  std::string_view port = next_word(rest);
  // <port>/<number of ports>: only the first is used for RTP.
  if (const std::size_t slash = port.find('/'); slash != std::string_view::npos) port = port.substr(0, slash);
  const auto parsed = parse_port(port);
  media.protocol = next_word(rest);
  if (!parsed || media.protocol.empty()) return false;
  media.port = *parsed;
  for (std::string_view format = next_word(rest); !format.empty(); format = next_word(rest)) {
    const auto pt = parse_u32(format);
    if (!pt || *pt > 127) continue;  // not an RTP payload type (e.g. "webrtc-datachannel")
    if (media.format_count == SdpMedia::kMaxFormats) {
      media.formats_truncated = true;
      break;
    }
    media.formats[media.format_count++] = static_cast<std::uint8_t>(*pt);
  }
  return true;
}

bool direction_attribute(std::string_view attribute, SdpDirection& direction) {
  if (attribute == "sendrecv")
    direction = SdpDirection::sendrecv;
  else if (attribute == "sendonly")
    direction = SdpDirection::sendonly;
  else if (attribute == "recvonly")
    direction = SdpDirection::recvonly;
  else if (attribute == "inactive")
    direction = SdpDirection::inactive;
  else
    return false;
  return true;
}

}  // namespace

const SdpRtpMap* SdpMedia::rtpmap(std::uint8_t payload_type) const {
  for (std::size_t i = 0; i < rtpmap_count; ++i) {
    if (rtpmaps[i].payload_type == payload_type) return &rtpmaps[i];
  }
  return nullptr;
}

bool parse_ip_address(std::string_view text, IpAddress& address) {
  // inet_pton needs a terminated string: the longest IPv6 text is 45 characters.
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress parsed;
  if (inet_pton(AF_INET, buffer, parsed.bytes.data()) == 1) {
    parsed.family = 4;
  } else if (inet_pton(AF_INET6, buffer, parsed.bytes.data()) == 1) {
    parsed.family = 6;
  } else {
    return false;
  }
  address = parsed;
  return true;
}

void parse_sdp(std::string_view body, SdpSession& session) {
  // Only the header is reset: each media section is reset when an m= line claims it, so a body
  // with one section does not clear all four (about a kilobyte) on every offer and answer.
  session.status = SdpStatus::not_sdp;
  session.media_count = 0;
  session.media_truncated = false;
  bool have_session_address = false;
  IpAddress session_address;
  SdpDirection session_direction = SdpDirection::sendrecv;
  SdpMedia* current = nullptr;  // nullptr: session level (or a section beyond kMaxMedia)
  bool in_media = false;
  bool first = true;

  while (!body.empty()) {
    std::size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // a trailing blank line is common and harmless
    if (line.size() < 2 || line[1] != '=') {
      if (first) return;  // not_sdp
      session.status = SdpStatus::bad_line;
      break;
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (first) {
      if (type != 'v') return;  // RFC 4566 §5: v= comes first
      first = false;
      session.status = SdpStatus::ok;
      continue;
    }
    switch (type) {
      case 'c': {
        IpAddress address;
        if (!parse_connection(value, address)) {
          session.status = SdpStatus::bad_connection;
          break;
        }
        if (!in_media) {
          session_address = address;
          have_session_address = true;
        } else if (current) {
          current->address = address;
          current->has_address = true;
        }
        break;
      }
      case 'm': {
        in_media = true;
        if (session.media_count == SdpSession::kMaxMedia) {
          session.media_truncated = true;
          current = nullptr;
          break;
        }
        current = &session.media[session.media_count++];
        *current = SdpMedia{};
        current->direction = session_direction;
        if (!parse_media_line(value, *current)) {
          session.status = SdpStatus::bad_media;
          --session.media_count;
          *current = SdpMedia{};
          current = nullptr;
        }
        break;
      }
      case 'a': {
        const std::size_t colon = value.find(':');
        const std::string_view name = value.substr(0, colon);
        const std::string_view attribute_value =
            colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
        if (!in_media) {
          direction_attribute(name, session_direction);
          break;
        }
        if (!current) break;
        if (direction_attribute(name, current->direction)) break;
        if (name == "rtpmap")
          parse_rtpmap(attribute_value, *current);
        else if (name == "rtcp")
          parse_rtcp(attribute_value, *current);
        else if (name == "rtcp-mux")
          current->rtcp_mux = true;
        break;
      }
      default:
        break;
    }
  }
  // RFC 4566 §5.7: a media section without its own c= uses the session's.
  for (std::size_t i = 0; i < session.media_count; ++i) {
    SdpMedia& media = session.media[i];
    if (!media.has_address && have_session_address) {
      media.address = session_address;
      media.has_address = true;
    }
  }
}

}  // namespace sipmon
