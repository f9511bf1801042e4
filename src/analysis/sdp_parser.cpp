#include "analysis/sdp_parser.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "analysis/sip_scan.h"  // find_first_of4 (and SSE2)
#include "analysis/text.h"

namespace sipmon {
namespace {

// Finds bytes inside the fields of one SDP body. The fields are a few bytes long, and the parser
// looked for a space, '/' or ':' in each one byte by byte or through std::string_view::find's call
// into memchr (callgrind: ~3 400 instructions per offer before, docs/performance.md). Here one
// 16-byte compare settles nearly every field: the load may run past the field's end, never past
// the body's (`end`), and hits beyond the field are ignored.
class BodyScan {
 public:
  explicit BodyScan(std::string_view body) : end_(body.data() + body.size()) {}

  // Index of the first `c` in `text` (a view into the body), or npos.
  std::size_t find(std::string_view text, char c) const {
    std::size_t pos = 0;
#if defined(__SSE2__)
    const __m128i needle = _mm_set1_epi8(c);
    while (pos < text.size() && end_ - (text.data() + pos) >= 16) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos));
      const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle)));
      if (mask != 0) {
        const std::size_t at = pos + static_cast<std::size_t>(__builtin_ctz(mask));
        return at < text.size() ? at : std::string_view::npos;
      }
      pos += 16;
    }
#endif
    for (; pos < text.size(); ++pos) {
      if (text[pos] == c) return pos;
    }
    return std::string_view::npos;
  }

  // Splits off the first space-separated word of `rest`.
  std::string_view next_word(std::string_view& rest) const {
    std::size_t begin = 0;
    while (begin < rest.size() && rest[begin] == ' ') ++begin;
    const std::size_t space = find(rest.substr(begin), ' ');
    const std::size_t end = space == std::string_view::npos ? rest.size() : begin + space;
    const std::string_view word = rest.substr(begin, end - begin);
    rest.remove_prefix(end);
    return word;
  }

 private:
  const char* end_;
};

// The dotted quad inet_pton(AF_INET) accepts (glibc's inet_pton4: four decimal octets of at most
// 255, no leading zero, nothing else), read in place: nearly every c= line holds one, and
// inet_pton needs the text copied and terminated first. Only an acceptance is taken from here;
// anything this rejects still goes to inet_pton, so the result is inet_pton's in every case.
bool parse_ipv4(std::string_view text, IpAddress& address) {
  std::array<std::uint8_t, 4> octets{};
  std::size_t octet = 0;
  std::size_t digits = 0;
  unsigned value = 0;
  for (const char c : text) {
    if (is_digit(c)) {
      if (digits == 1 && value == 0) return false;  // a leading zero
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 255) return false;
      ++digits;
    } else if (c == '.' && digits != 0 && octet < 3) {
      octets[octet++] = static_cast<std::uint8_t>(value);
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (octet != 3 || digits == 0) return false;
  octets[3] = static_cast<std::uint8_t>(value);
  IpAddress parsed;
  parsed.family = 4;
  std::copy(octets.begin(), octets.end(), parsed.bytes.begin());
  address = parsed;
  return true;
}

// c=IN IP4 192.0.2.1[/ttl[/count]] or c=IN IP6 2001:db8::1[/count] (RFC 4566 §5.7).
bool parse_connection(const BodyScan& scan, std::string_view value, IpAddress& address) {
  std::string_view rest = value;
  if (scan.next_word(rest) != "IN") return false;
  const std::string_view type = scan.next_word(rest);
  std::string_view text = scan.next_word(rest);
  if (const std::size_t slash = scan.find(text, '/'); slash != std::string_view::npos) text = text.substr(0, slash);
  if (!parse_ip_address(text, address)) return false;
  return (type == "IP4" && address.family == 4) || (type == "IP6" && address.family == 6);
}

void parse_rtpmap(const BodyScan& scan, std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  const auto pt = parse_u32(scan.next_word(rest));
  if (!pt || *pt > 127) return;
  const std::string_view spec = scan.next_word(rest);
  const std::size_t slash = scan.find(spec, '/');
  if (slash == std::string_view::npos) return;
  std::string_view rate = spec.substr(slash + 1);
  if (const std::size_t channels = scan.find(rate, '/'); channels != std::string_view::npos) {
    rate = rate.substr(0, channels);
  }
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
void parse_rtcp(const BodyScan& scan, std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  const auto port = parse_port(scan.next_word(rest));
  if (!port) return;
  media.rtcp_port = *port;
  media.has_rtcp_address = parse_connection(scan, trim(rest), media.rtcp_address);
}

bool parse_media_line(const BodyScan& scan, std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  media.media = scan.next_word(rest);
  std::string_view port = scan.next_word(rest);
  // <port>/<number of ports>: only the first is used for RTP.
  if (const std::size_t slash = scan.find(port, '/'); slash != std::string_view::npos) port = port.substr(0, slash);
  const auto parsed = parse_port(port);
  media.protocol = scan.next_word(rest);
  if (!parsed || media.protocol.empty()) return false;
  media.port = *parsed;
  for (std::string_view format = scan.next_word(rest); !format.empty(); format = scan.next_word(rest)) {
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
  if (parse_ipv4(text, address)) return true;
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

  const BodyScan scan(body);
  std::size_t pos = 0;
  while (pos < body.size()) {
    // 16 bytes a step (SSE2) rather than a memchr call per line: SDP lines are short.
    const std::size_t end = find_first_of4(body, pos, '\n', '\n', '\n', '\n');
    std::string_view line = body.substr(pos, end - pos);
    pos = end == body.size() ? end : end + 1;
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
        if (!parse_connection(scan, value, address)) {
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
        if (!parse_media_line(scan, value, *current)) {
          session.status = SdpStatus::bad_media;
          --session.media_count;
          *current = SdpMedia{};
          current = nullptr;
        }
        break;
      }
      case 'a': {
        const std::size_t colon = scan.find(value, ':');
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
          parse_rtpmap(scan, attribute_value, *current);
        else if (name == "rtcp")
          parse_rtcp(scan, attribute_value, *current);
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
