#include "analysis/sdp_parser.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "analysis/sip_scan.h"  // SSE2
#include "analysis/text.h"

namespace sipmon {
namespace {

// Finds bytes inside the fields of one SDP body with one 16-byte compare per field: the load may
// run past the field's end, never past the body's (`end`), and hits beyond the field are ignored.
// What reads it word by word now is only the rare: a=rtcp, and c= lines other than "IN IP4
// <dotted quad>" (IPv6, extra spaces, host names); the common lines are read in one walk each
// below (docs/performance.md, "SDP parser instructions").
class BodyScan {
 public:
  explicit BodyScan(std::string_view body) : end_(body.data() + body.size()) {}

  const char* end() const { return end_; }

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

// Bit i set: p[i] is `a` or `b`, or p + i is the line's end; only the first 16 bytes from p are
// looked at, so 0 means neither stop nor the line's end among them. One 16-byte compare when the
// body holds 16 bytes from p (the bytes past the line's end are ignored), else byte by byte.
inline unsigned stops16(const char* p, const char* line_end, const char* body_end, char a, char b) {
  const std::size_t n = static_cast<std::size_t>(line_end - p);
  unsigned mask = 0;
#if defined(__SSE2__)
  if (body_end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(a)), _mm_cmpeq_epi8(chunk, _mm_set1_epi8(b)))));
  } else
#endif
  {
    for (std::size_t i = 0; i < n && i < 16; ++i) {
      if (p[i] == a || p[i] == b) mask |= 1u << i;
    }
  }
  if (n < 16) mask = (mask & ((1u << n) - 1)) | (1u << n);
  return mask;
}

// Decimal digits as parse_u32 takes them (1 to 10 digits, at most 2^32 - 1); -1 otherwise.
inline std::int64_t decimal(const char* p, const char* end) {
  const std::size_t size = static_cast<std::size_t>(end - p);
  if (size - 1 >= 10) return -1;  // empty or more than 10 digits
  std::uint64_t value = 0;
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value > 0xffffffffu ? -1 : static_cast<std::int64_t>(value);
}

// The end of the word at `p` (the next space, or the line's end).
inline const char* word_end(const char* p, const char* line_end, const char* body_end) {
  const unsigned stops = stops16(p, line_end, body_end, ' ', ' ');
  if (stops != 0) return p + __builtin_ctz(stops);
  p += 16;
  while (p != line_end && *p != ' ') ++p;
  return p;
}

inline const char* skip_spaces(const char* p, const char* end) {
  while (p != end && *p == ' ') ++p;
  return p;
}

// The number parse_u32 reads in the word at `p`, or -1; `p` moves to the word's end. Nearly every
// such word (payload types) is one to three digits followed by a space or the line's end: read in
// place.
inline std::int64_t number_word(const char*& p, const char* end, const char* body_end) {
  const char* const word = p;
  unsigned value = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
  if (value <= 9) {
    ++p;
    unsigned digit;
    if (p != end && (digit = static_cast<unsigned char>(*p) - static_cast<unsigned>('0')) <= 9) {
      value = value * 10 + digit;
      ++p;
      if (p != end && (digit = static_cast<unsigned char>(*p) - static_cast<unsigned>('0')) <= 9) {
        value = value * 10 + digit;
        ++p;
      }
    }
    if (p == end || *p == ' ') return value;
  }
  p = word_end(word, end, body_end);
  return decimal(word, p);
}

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>] (RFC 4566 §6), `value` from
// after the colon. The words are those next_word gives (runs of anything but a space), the
// numbers those parse_u32 takes; the encoding name and clock rate are delimited by one 16-byte
// compare (a name like "telephone-event" was 15 byte steps).
void parse_rtpmap(std::string_view value, const char* body_end, SdpMedia& media) {
  const char* p = value.data();
  const char* const end = p + value.size();
  p = skip_spaces(p, end);
  if (p == end) return;
  const std::int64_t pt = number_word(p, end, body_end);
  if (pt < 0 || pt > 127) return;
  p = skip_spaces(p, end);
  const char* const encoding = p;
  const char* slash;
  const char* rate_end;
  unsigned stops = stops16(p, end, body_end, '/', ' ');
  if (stops != 0) {
    slash = p + __builtin_ctz(stops);
    if (slash == end || *slash != '/') return;  // no '/' in the word: no clock rate
    stops &= ~((2u << (slash - p)) - 1);
    if (stops != 0) {
      rate_end = p + __builtin_ctz(stops);
    } else if (const unsigned more = stops16(slash + 1, end, body_end, '/', ' '); more != 0) {
      rate_end = slash + 1 + __builtin_ctz(more);
    } else {
      for (rate_end = slash + 17; rate_end != end && *rate_end != '/' && *rate_end != ' ';) ++rate_end;
    }
  } else {
    for (slash = p; slash != end && *slash != '/' && *slash != ' ';) ++slash;
    if (slash == end || *slash != '/') return;
    for (rate_end = slash + 1; rate_end != end && *rate_end != '/' && *rate_end != ' ';) ++rate_end;
  }
  const std::int64_t rate = decimal(slash + 1, rate_end);
  if (rate < 0) return;
  if (media.rtpmap_count == SdpMedia::kMaxRtpMaps) {
    media.formats_truncated = true;
    return;
  }
  media.rtpmaps[media.rtpmap_count++] =
      SdpRtpMap{.payload_type = static_cast<std::uint8_t>(pt),
                .clock_rate = static_cast<std::uint32_t>(rate),
                .encoding = std::string_view(encoding, static_cast<std::size_t>(slash - encoding))};
}

// a=rtcp:<port> [IN IP4 <address>] (RFC 3605).
void parse_rtcp(const BodyScan& scan, std::string_view value, SdpMedia& media) {
  std::string_view rest = value;
  const auto port = parse_port(scan.next_word(rest));
  if (!port) return;
  media.rtcp_port = *port;
  media.has_rtcp_address = parse_connection(scan, trim(rest), media.rtcp_address);
}

// The payload types that follow the protocol: each word that parse_u32 reads as at most 127 is
// kept, any other skipped (e.g. "webrtc-datachannel").
void parse_formats(const char* p, const char* end, const char* body_end, SdpMedia& media) {
  while (p != end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    const std::int64_t pt = number_word(p, end, body_end);
    if (pt < 0 || pt > 127) continue;
    if (media.format_count == SdpMedia::kMaxFormats) {
      media.formats_truncated = true;
      return;
    }
    media.formats[media.format_count++] = static_cast<std::uint8_t>(pt);
  }
}

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 4566 §5.14). The words are those
// next_word gives, each end found by one 16-byte compare.
bool parse_media_line(std::string_view value, const char* body_end, SdpMedia& media) {
  const char* const end = value.data() + value.size();
  const char* p = skip_spaces(value.data(), end);
  const char* word = p;
  p = word_end(p, end, body_end);
  media.media = std::string_view(word, static_cast<std::size_t>(p - word));
  word = p = skip_spaces(p, end);
  p = word_end(p, end, body_end);
  // <port>/<number of ports>: only the first is used for RTP.
  std::uint64_t port = 0;
  const char* port_end = word;
  bool digits = true;
  for (; port_end != p && *port_end != '/'; ++port_end) {
    const unsigned digit = static_cast<unsigned char>(*port_end) - static_cast<unsigned>('0');
    digits = digits && digit <= 9;
    port = port * 10 + digit;  // wraps on long words, which are then rejected by length
  }
  const bool port_ok = digits && port_end != word && port_end - word <= 10 && port <= 0xffff;
  word = p = skip_spaces(p, end);
  p = word_end(p, end, body_end);
  media.protocol = std::string_view(word, static_cast<std::size_t>(p - word));
  if (!port_ok || media.protocol.empty()) return false;
  media.port = static_cast<std::uint16_t>(port);
  parse_formats(p, end, body_end, media);
  return true;
}

// True when the attribute's name (what comes before its first ':', or all of it) is `name`.
inline bool attribute_is(std::string_view attribute, std::string_view name) {
  return attribute.size() >= name.size() && std::memcmp(attribute.data(), name.data(), name.size()) == 0 &&
         (attribute.size() == name.size() || attribute[name.size()] == ':');
}

inline bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::memcmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// a=sendrecv, a=sendonly, a=recvonly, a=inactive (RFC 3264 §5.1). Dispatched on the first byte:
// most attributes (fmtp, ptime, ...) start with none of these.
bool direction_attribute(std::string_view attribute, SdpDirection& direction) {
  if (attribute.empty()) return false;
  switch (attribute[0]) {
    case 's':
      if (attribute_is(attribute, "sendrecv")) {
        direction = SdpDirection::sendrecv;
        return true;
      }
      if (attribute_is(attribute, "sendonly")) {
        direction = SdpDirection::sendonly;
        return true;
      }
      return false;
    case 'r':
      if (attribute_is(attribute, "recvonly")) {
        direction = SdpDirection::recvonly;
        return true;
      }
      return false;
    case 'i':
      if (attribute_is(attribute, "inactive")) {
        direction = SdpDirection::inactive;
        return true;
      }
      return false;
    default:
      return false;
  }
}

// An a= line inside a media section: the direction, rtpmap, rtcp and rtcp-mux; every other
// attribute is left after one look at its first byte.
void media_attribute(const BodyScan& scan, std::string_view attribute, SdpMedia& media) {
  if (attribute.empty()) return;
  if (attribute[0] != 'r') {
    if (attribute[0] == 's' || attribute[0] == 'i') direction_attribute(attribute, media.direction);
    return;
  }
  if (starts_with(attribute, "rtpmap:"))
    parse_rtpmap(attribute.substr(7), scan.end(), media);
  else if (starts_with(attribute, "rtcp:"))
    parse_rtcp(scan, attribute.substr(5), media);
  else if (attribute_is(attribute, "rtcp-mux"))
    media.rtcp_mux = true;
  else
    direction_attribute(attribute, media.direction);
}

// An m= line claims a section: every field but the arrays past their counts starts over.
void reset_media(SdpMedia& media, SdpDirection direction) {
  media.media = {};
  media.protocol = {};
  media.port = 0;
  media.has_address = false;
  media.address = IpAddress{};
  media.rtcp_port = 0;
  media.has_rtcp_address = false;
  media.rtcp_address = IpAddress{};
  media.rtcp_mux = false;
  media.direction = direction;
  media.format_count = 0;
  media.rtpmap_count = 0;
  media.formats_truncated = false;
}

// c=IN IP4 <dotted quad>[/ttl[/count]], nearly every c= line, read in one walk. True only where
// parse_connection gives the same address (the same dotted quad as parse_ipv4: four octets of at
// most 255 without a leading zero, ending the word or followed by '/'); anything else, such as
// extra spaces or IPv6, is left to parse_connection.
bool parse_ipv4_connection(std::string_view value, IpAddress& address) {
  if (value.size() < 8 || std::memcmp(value.data(), "IN IP4 ", 7) != 0) return false;
  const char* p = value.data() + 7;
  const char* const end = value.data() + value.size();
  IpAddress parsed;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i != 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    if (p == end || !is_digit(*p)) return false;
    unsigned octet = static_cast<unsigned>(*p++ - '0');
    if (octet != 0 && p != end && is_digit(*p)) {  // after a 0 a digit would be a leading zero
      octet = octet * 10 + static_cast<unsigned>(*p++ - '0');
      if (p != end && is_digit(*p)) {
        octet = octet * 10 + static_cast<unsigned>(*p++ - '0');
        if (octet > 255) return false;
      }
    }
    parsed.bytes[i] = static_cast<std::uint8_t>(octet);
  }
  if (p != end && *p != '/' && *p != ' ') return false;
  parsed.family = 4;
  address = parsed;
  return true;
}

// Bit i set: body[base + i] is a '\n', for the 64 bytes from base (fewer at the body's end). The
// lines are found from these bits, a refill every 64 bytes, instead of a search from each line's
// start (SDP lines are 10 to 40 bytes). Past the body's end nothing is read: the last 16-byte
// step loads the body's last 16 bytes and drops what was already seen.
inline std::uint64_t newlines64(const char* data, std::size_t size, std::size_t base) {
  std::uint64_t mask = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const auto chunk = [&](std::size_t at) {
    return static_cast<std::uint64_t>(static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at)), newline))));
  };
  if (base + 64 <= size) return chunk(base) | chunk(base + 16) << 16 | chunk(base + 32) << 32 | chunk(base + 48) << 48;
  if (size >= 16) {
    std::size_t at = base;
    for (; at + 16 <= size; at += 16) mask |= chunk(at) << (at - base);
    if (at < size) mask |= chunk(size - 16) >> (at - (size - 16)) << (at - base);
    return mask;
  }
#endif
  for (std::size_t i = base; i < size && i < base + 64; ++i) {
    if (data[i] == '\n') mask |= std::uint64_t{1} << (i - base);
  }
  return mask;
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
  const char* const data = body.data();
  const std::size_t size = body.size();
  std::size_t base = 0;  // the 64 bytes `newlines` describes
  std::uint64_t newlines = newlines64(data, size, 0);
  std::size_t pos = 0;
  while (pos < size) {
    std::size_t end;
    for (;;) {
      if (newlines != 0) {
        end = base + static_cast<std::size_t>(__builtin_ctzll(newlines));
        newlines &= newlines - 1;
        break;
      }
      base += 64;
      if (base >= size) {
        end = size;
        break;
      }
      newlines = newlines64(data, size, base);
    }
    const char* const line = data + pos;
    std::size_t length = end - pos;
    pos = end + 1;
    if (length >= 3) {  // "x=" and at least one byte: a CR can go without leaving it shorter than 2
      length -= line[length - 1] == '\r';
    } else {
      if (length != 0 && line[length - 1] == '\r') --length;
      if (length == 0) continue;  // a trailing blank line is common and harmless
    }
    if (length < 2 || line[1] != '=') {
      if (first) return;  // not_sdp
      session.status = SdpStatus::bad_line;
      break;
    }
    const char type = line[0];
    const std::string_view value(line + 2, length - 2);
    if (first) {
      if (type != 'v') return;  // RFC 4566 §5: v= comes first
      first = false;
      session.status = SdpStatus::ok;
      continue;
    }
    switch (type) {
      case 'c': {
        IpAddress address;
        if (!parse_ipv4_connection(value, address) && !parse_connection(scan, value, address)) {
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
        reset_media(*current, session_direction);
        if (!parse_media_line(value, scan.end(), *current)) {
          session.status = SdpStatus::bad_media;
          --session.media_count;
          current = nullptr;
        }
        break;
      }
      case 'a':
        if (!in_media) {
          direction_attribute(value, session_direction);
        } else if (current) {
          media_attribute(scan, value, *current);
        }
        break;
      default:
        break;  // o=, s=, t=, b=, ...: nothing media measurement reads
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
