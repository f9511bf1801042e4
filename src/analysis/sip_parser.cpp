#include "analysis/sip_parser.h"

#include <algorithm>

#include "analysis/bytes.h"
#include "analysis/sip_lines.h"
#include "analysis/sip_scan.h"
#include "analysis/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipmon {
namespace {

constexpr std::string_view kSipVersion = "sip/2.0";

std::size_t skip_leading_crlf(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size() && (text[pos] == '\r' || text[pos] == '\n')) ++pos;
  return pos;
}

enum class StartLine { request, response, not_sip, broken };

// "SIP/2.0 200 OK"
StartLine parse_status_line(std::string_view line, SipMessage& out) {
  if (line.size() < kSipVersion.size() + 4 || line[kSipVersion.size()] != ' ') return StartLine::broken;
  const std::string_view code = line.substr(kSipVersion.size() + 1, 3);
  if (!is_digit(code[0]) || !is_digit(code[1]) || !is_digit(code[2]) || code[0] == '0') {
    return StartLine::broken;
  }
  const std::size_t after = kSipVersion.size() + 4;
  if (line.size() > after && line[after] != ' ') return StartLine::broken;  // a 4-digit code
  out.is_request = false;
  out.status_code = static_cast<std::uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  out.reason_phrase = line.size() > after ? trim(line.substr(after + 1)) : std::string_view{};
  return StartLine::response;
}

// "INVITE sip:bob@example.com SIP/2.0"
StartLine parse_request_line(std::string_view line, SipMessage& out) {
  // The vector scan rather than find()'s call into memchr: the method is a few bytes long.
  std::size_t first_space = find_first_of4(line, 0, ' ', ' ', ' ', ' ');
  if (first_space == line.size()) return StartLine::not_sip;
  // The usual end, " SIP/2.0": then the space 8 bytes from the end is the last one, found without
  // rfind()'s walk back (the 7 bytes after it, equal to "sip/2.0", hold none).
  std::size_t last_space = line.size() - 8;
  if (line.size() < 8 || line[last_space] != ' ' || !iequals(line.substr(last_space + 1), kSipVersion)) {
    last_space = line.rfind(' ');
    if (!iequals(line.substr(last_space + 1), kSipVersion)) return StartLine::not_sip;
  }
  if (first_space == last_space) return StartLine::not_sip;
  const std::string_view method = line.substr(0, first_space);
  const std::string_view uri = trim(line.substr(first_space + 1, last_space - first_space - 1));
  if (method.empty() || uri.empty()) return StartLine::broken;
  // A known method is upper-case letters, all token characters: only another one is checked.
  const Method method_id = method_from_token(method);
  if (method_id == Method::other) {
    for (char c : method) {
      if (!is_token_char(c)) return StartLine::broken;
    }
  }
  out.is_request = true;
  out.method = method;
  out.method_id = method_id;
  out.request_uri = uri;
  return StartLine::request;
}

StartLine parse_start_line_text(std::string_view line, SipMessage& out) {
  if (istarts_with(line, "sip/")) {
    return istarts_with(line, kSipVersion) ? parse_status_line(line, out) : StartLine::broken;
  }
  return parse_request_line(line, out);
}

// `has_nul`: the line holds a NUL byte.
StartLine parse_start_line(std::string_view line, bool has_nul, SipMessage& out) {
  const StartLine kind = parse_start_line_text(line, out);
  // A NUL cannot be in a start line (RFC 3261 §25.1 allows no control characters there); tshark
  // does not take such a line for SIP, so it is not counted as a message.
  if ((kind == StartLine::request || kind == StartLine::response) && has_nul) return StartLine::broken;
  return kind;
}

// The start line from `start` without its line end, where the next line starts, and whether it holds
// a NUL: the NUL is looked for by the same 16-byte compares as the line end, not by a second pass
// (a call into memchr for every message).
struct StartLineText {
  std::string_view line;
  std::size_t next = 0;
  bool has_nul = false;
};
StartLineText start_line_at(std::string_view payload, const LineReader& lines, std::size_t start) {
  StartLineText out;
  std::size_t end = find_first_of4(payload, start, '\r', '\n', '\0', '\0');
  if (end < payload.size() && payload[end] == '\0') {
    out.has_nul = true;
    end = lines.find_line_end(end);
  }
  out.line = payload.substr(start, end - start);
  out.next = lines.after_line_end(end);
  return out;
}

// Values in a comma-separated header list (quoted strings and <URIs> may hold commas), and where
// the first one ends: one pass serves both the Via count and the top Via.
struct ValueScan {
  std::uint16_t count = 1;
  std::size_t first_end = std::string_view::npos;
};
ValueScan scan_values(std::string_view value) {
  ValueScan scan;
  std::size_t comma = find_unnested(value, 0, ",", Nesting::quotes_and_angles);
  if (comma == std::string_view::npos) return scan;  // most Via lines hold one value
  scan.first_end = comma;
  while (comma != std::string_view::npos) {
    if (scan.count < 0xffff) ++scan.count;
    comma = find_unnested(value, comma + 1, ",", Nesting::quotes_and_angles);
  }
  return scan;
}

void note_defect(SipMessage& out, MessageDefect anomaly) {
  if (out.defect == MessageDefect::none) out.defect = anomaly;
}

constexpr std::size_t kHeaderCutShort = std::string_view::npos;
constexpr std::uint64_t kCrLf = '\r' | ('\n' << 8);  // "\r\n" as load_le_text reads it

// A header name without the SP/HT around it (RFC 3261 §7.3.1 allows white space before the colon;
// a name holds no CR or LF, being before its line's end): nearly every name has none, which two
// byte compares settle before trim()'s loops.
inline std::string_view header_name_at(std::string_view text, std::size_t pos, std::size_t length) {
  const std::string_view name = text.substr(pos, length);
  if (length != 0 && static_cast<unsigned char>(name.front()) > ' ' && static_cast<unsigned char>(name.back()) > ' ') {
    return name;
  }
  return trim(name);
}

// trim() of a header value [begin, end): "Name: value" is the usual shape, one SP after the colon
// and none at the end, which the first compares settle.
inline std::string_view header_value_at(std::string_view text, std::size_t begin, std::size_t end) {
  if (begin < end && text[begin] == ' ') ++begin;
  if (begin<end&& static_cast<unsigned char>(text[begin])> ' ' && static_cast<unsigned char>(text[end - 1]) > ' ') {
    return text.substr(begin, end - begin);
  }
  return trim(text.substr(begin, end - begin));
}

// Reads the header block starting at `pos`; returns where the body begins, or kHeaderCutShort.
// Each line's first 16 bytes are loaded once for its colon, its line end and (SSE2) its name; only
// a line longer than that is searched further.
std::size_t parse_headers(std::string_view text, const LineReader& lines, std::size_t pos, SipMessage& out) {
  const std::size_t block_start = pos;
  const std::size_t size = text.size();
  while (pos < size) {
    unsigned breaks = 0;  // bit i: byte pos + i is CR or LF (of the first 16, inside the text)
    unsigned colons = 0;  // bit i: byte pos + i is ':'
    bool named = false;   // `id` already known from the first 16 bytes
    HeaderId id = HeaderId::other;
#if defined(__SSE2__)
    if (pos + 16 <= size) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos));
      breaks = static_cast<unsigned>(_mm_movemask_epi8(
          _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\n')))));
      colons = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(':'))));
      // The colon before the line end, within these 16 bytes: the name is their first bytes.
      const unsigned name_colons = colons & ((breaks & (0u - breaks)) - 1u);
      if (name_colons != 0) {
        named = known_header_in_chunk(chunk, static_cast<std::size_t>(__builtin_ctz(name_colons)), id);
      }
    } else
#endif
    {
      const LineReader::LineMasks masks = lines.masks_at(pos);
      breaks = masks.breaks;
      colons = masks.colons;
    }
    if ((breaks & 1u) != 0) {
      // The blank line that ends the headers (header_at: a fold after it still belongs to it).
      out.header_block = text.substr(block_start, pos - block_start);
      return lines.header_at(pos).next;
    }
    const std::size_t end =
        breaks != 0 ? pos + static_cast<std::size_t>(__builtin_ctz(breaks)) : lines.find_line_end(pos + 16);
    // A header line that runs into the end of the payload without a line end: the message was
    // cut inside its headers. tshark does not count such a message (its dissector throws), so to
    // agree with it neither do we. (A cut inside a folded continuation line it does count.)
    if (end >= size) return kHeaderCutShort;
    // The first colon before the line end: among the first 16 bytes, or (a long name, or none)
    // searched further.
    const unsigned before_end = breaks != 0 ? (breaks & (0u - breaks)) - 1u : 0xffffu;
    std::size_t colon = std::string_view::npos;
    if ((colons & before_end) != 0) {
      colon = static_cast<std::size_t>(__builtin_ctz(colons & before_end));
    } else if (end - pos > 16) {
      colon = lines.find_colon(pos, end - pos);
    }
    // Continuation lines (RFC 3261 §7.3.1: a line starting with SP or HT) belong to this header.
    // The usual case, CRLF and a next line that starts above SP (no fold), in one 2-byte compare and
    // one byte compare.
    std::size_t value_end = end;
    std::size_t next = end + 2;
    if (end + 2 >= size || load_le_text(text.data() + end, 2) != kCrLf ||
        static_cast<unsigned char>(text[end + 2]) <= ' ') {
      next = lines.after_line_end(end);
      while (next < size && (text[next] == ' ' || text[next] == '\t')) {
        value_end = lines.find_line_end(next);
        next = lines.after_line_end(value_end);
      }
    }
    if (colon == std::string_view::npos) {
      note_defect(out, MessageDefect::sip_header_without_colon);
      pos = next;
      continue;
    }
    if (!named) {
      const std::string_view name = header_name_at(text, pos, colon);
      id = header_id(name, size - static_cast<std::size_t>(name.data() - text.data()));
    }
    if (id != HeaderId::other) {
      const std::string_view value = header_value_at(text, pos + colon + 1, value_end);
      const auto slot_index = static_cast<std::size_t>(id);
      const std::uint64_t bit = std::uint64_t{1} << slot_index;
      // The first value is kept; a slot holds one only while its bit is set (clear() resets the
      // bits alone), and an empty first value is still replaced by a later one.
      const bool vacant = (out.filled_headers & bit) == 0 || out.headers[slot_index].empty();
      if (id == HeaderId::via) {
        const ValueScan scan = scan_values(value);
        // Saturates: a 64 KB message of commas must not wrap the count around.
        const std::uint32_t total = std::uint32_t{out.via_count} + scan.count;
        out.via_count = static_cast<std::uint16_t>(std::min<std::uint32_t>(total, 0xffff));
        if (vacant) out.top_via = trim(value.substr(0, scan.first_end));
      }
      if (vacant) {
        out.headers[slot_index] = value;
        out.filled_headers |= bit;
      }
    }
    pos = next;
  }
  note_defect(out, MessageDefect::sip_headers_unterminated);
  out.header_block = text.substr(block_start);
  return text.size();
}

// "CSeq: 314159 INVITE". The number is read in the same walk that finds its end (at most 10
// digits, as parse_u32 allows), a known method skips the byte-wise token check and, on a request,
// the text compare with the request method (two known methods are equal when their ids are).
void parse_cseq(SipMessage& out) {
  const std::string_view cseq = out.header(HeaderId::cseq);
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < cseq.size() && is_digit(cseq[i])) {
    if (i < 10) number = number * 10 + static_cast<std::uint64_t>(cseq[i] - '0');
    ++i;
  }
  if (i == 0 || i > 10 || number > 0x7fffffffu || i == cseq.size() || !is_lws(cseq[i])) {
    note_defect(out, MessageDefect::sip_bad_cseq);
    return;
  }
  std::string_view method = cseq.substr(i + 1);
  if (method.empty() || static_cast<unsigned char>(method.front()) <= ' ' ||
      static_cast<unsigned char>(method.back()) <= ' ') {
    method = trim(method);
  }
  if (method.empty()) {
    note_defect(out, MessageDefect::sip_bad_cseq);
    return;
  }
  const Method method_id = method_from_token(method);
  if (method_id == Method::other) {
    for (char c : method) {
      if (!is_token_char(c)) {
        note_defect(out, MessageDefect::sip_bad_cseq);
        return;
      }
    }
  }
  out.cseq_number = static_cast<std::uint32_t>(number);
  out.cseq_method = method;
  out.cseq_method_id = method_id;
  // RFC 3261 §8.1.1.5: a request's CSeq method MUST match its request method (ACK and CANCEL
  // included); responses carry their request's.
  if (out.is_request && (method_id == Method::other || method_id != out.method_id) && method != out.method) {
    note_defect(out, MessageDefect::sip_cseq_method_mismatch);
  }
}

void check_mandatory_headers(SipMessage& out) {
  const MessageDefect earlier = out.defect;
  out.defect = MessageDefect::none;
  if (out.call_id.empty()) note_defect(out, MessageDefect::sip_missing_call_id);
  if (out.header(HeaderId::cseq).empty()) {
    note_defect(out, MessageDefect::sip_missing_cseq);
  } else {
    parse_cseq(out);
  }
  if (out.header(HeaderId::from).empty()) note_defect(out, MessageDefect::sip_missing_from);
  if (out.header(HeaderId::to).empty()) note_defect(out, MessageDefect::sip_missing_to);
  if (out.via_count == 0 || out.top_via.empty()) note_defect(out, MessageDefect::sip_missing_via);
  out.mandatory_headers_ok = out.defect == MessageDefect::none;
  if (earlier != MessageDefect::none) out.defect = earlier;  // the first defect is the one reported
}

}  // namespace

std::string_view first_value(std::string_view value) {
  return trim(value.substr(0, find_unnested(value, 0, ",", Nesting::quotes_and_angles)));
}

std::string_view via_sent_by(std::string_view via) {
  // "SIP/2.0/UDP host:port;params": sent-by is what follows the protocol, up to the parameters.
  std::size_t i = 0;
  int slashes = 0;
#if defined(__SSE2__)
  // Both slashes of "SIP/2.0/" in the first 16 bytes, from one compare, rather than a byte walk.
  if (via.size() >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(via.data()));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('/'))));
    const unsigned second = mask & (mask - 1);
    if (second != 0) {
      i = static_cast<std::size_t>(__builtin_ctz(second)) + 1;
      slashes = 2;
    }
  }
#endif
  while (i < via.size() && slashes < 2) {
    if (via[i] == '/') ++slashes;
    ++i;
  }
  while (i < via.size() && is_lws(via[i])) ++i;
  while (i < via.size() && !is_lws(via[i]) && via[i] != ';') ++i;  // the transport token
  const std::size_t start = i;
  i = find_first_of4(via, i, ';', ',', ';', ',');
  return slashes == 2 ? trim(via.substr(start, i - start)) : std::string_view{};
}

// Index of the next ';' at or after `from` that is not inside a quoted string (a Reason's
// text="a;b" must not split), or npos.
std::size_t next_param_separator(std::string_view text, std::size_t from) {
  return find_unnested(text, from, ";", Nesting::quotes);
}

namespace {

// The parameter `lower_name` in ";a=1;b" (the parameters of `text` from `from` on): whether it is
// there, and its value (empty when it has none). Compares the name in place (LWS allowed around it)
// instead of cutting, trimming and comparing every parameter: this runs for the branch and both
// tags of every message. Forced inline into its callers (callgrind: 4 939 -> 4 897 instructions
// per INVITE parse). `from` rather than a cut view: the scans may then read the 16 bytes before the
// end at once, where a short cut view (";tag=69fcd05fdd") would be searched byte by byte.
struct ParamLookup {
  bool found = false;
  std::string_view value;
};
__attribute__((always_inline)) inline ParamLookup find_param(std::string_view text, std::size_t from,
                                                             std::string_view lower_name) {
  // find_unnested itself (inlined), not the out-of-line next_param_separator: a call per parameter.
  std::size_t pos = find_unnested(text, from, ";", Nesting::quotes);
  while (pos != std::string_view::npos) {
    const std::size_t end = find_unnested(text, pos + 1, ";", Nesting::quotes);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    std::size_t at = pos + 1;
    while (at < stop && is_lws(text[at])) ++at;
    if (stop - at >= lower_name.size() && iequals(text.substr(at, lower_name.size()), lower_name)) {
      std::size_t after = at + lower_name.size();
      while (after < stop && is_lws(text[after])) ++after;
      if (after == stop) return {true, {}};
      if (text[after] == '=') return {true, trim(text.substr(after + 1, stop - after - 1))};
    }
    pos = end;
  }
  return {};
}

}  // namespace

std::string_view header_param(std::string_view params, std::string_view lower_name) {
  return find_param(params, 0, lower_name).value;
}

bool has_header_param(std::string_view params, std::string_view lower_name) {
  return find_param(params, 0, lower_name).found;
}

namespace {

// ";name=" as a little-endian word of its bytes (as load_prefix reads them) and the bits that
// lower-case its letters: for the parameters read in every message, branch and tag.
struct ParamPrefix {
  std::uint64_t word = 0;
  std::uint64_t lower = 0;  // 0x20 under each letter ('=' and ';' must match as they are: 0x1d | 0x20
                            // would also give '=')
};
template <std::size_t N>
constexpr ParamPrefix param_prefix(const char (&text)[N]) {
  static_assert(N - 1 <= 8, "a prefix is one 64-bit word");
  ParamPrefix prefix;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    prefix.word |= std::uint64_t{static_cast<std::uint8_t>(text[i])} << (8 * i);
    if (text[i] >= 'a' && text[i] <= 'z') prefix.lower |= std::uint64_t{0x20} << (8 * i);
  }
  return prefix;
}

// find_param(value, from, name).value, with the usual shape, ";name=" right at `from` (after the
// <URI> of a From or To, the first ';' of a Via), read as one word rather than by find_param's
// walk (white space, an 8-byte lower-casing compare of the name, white space, '='): the end of the
// value is then the next ';' outside quotes, as find_param would find it. Any other shape goes to
// find_param. `Size`: the bytes of ";name=".
template <std::size_t Size>
std::string_view param_value(std::string_view value, std::size_t from, const ParamPrefix& prefix,
                             std::string_view lower_name) {
  if (from + Size <= value.size() && value[from] == ';') {
    if ((load_le_text(value.data() + from, Size) | prefix.lower) == prefix.word) {
      const std::size_t end = find_unnested(value, from + Size, ";", Nesting::quotes);
      const std::size_t stop = end == std::string_view::npos ? value.size() : end;
      return trim(value.substr(from + Size, stop - from - Size));
    }
  }
  return find_param(value, from, lower_name).value;
}

constexpr ParamPrefix kTagPrefix = param_prefix(";tag=");
constexpr ParamPrefix kBranchPrefix = param_prefix(";branch=");

std::string_view tag_param(std::string_view value, std::size_t from) {
  return param_value<5>(value, from, kTagPrefix, "tag");
}

}  // namespace

std::string_view name_addr_tag(std::string_view value) {
  // Header parameters follow the <URI> in name-addr form, or start at the first ';' in addr-spec
  // form (RFC 3261 §20.10: there the URI cannot carry parameters of its own).
  const std::size_t i = find_unnested(value, 0, "<;", Nesting::quotes);
  if (i == std::string_view::npos) return {};
  if (value[i] == ';') return tag_param(value, i);
  // The vector scan, not std::string_view::find's call into memchr, for this one byte.
  const std::size_t close = find_first_of4(value, i, '>', '>', '>', '>');
  if (close == value.size()) return {};
  return tag_param(value, close + 1);
}

bool looks_like_sip_start(std::string_view payload) {
  const std::size_t start = skip_leading_crlf(payload);
  if (start == payload.size()) return false;
  std::size_t next = 0;
  SipMessage scratch;
  LineReader lines(payload);
  const std::string_view line = lines.line_at(start, next);
  const StartLine kind = parse_start_line(line, line.find('\0') != std::string_view::npos, scratch);
  return kind == StartLine::request || kind == StartLine::response;
}

SipParseStatus parse_sip_message(std::string_view payload, SipMessage& out, bool truncated) {
  out.clear();
  // RFC 3261 §7.5: CRLFs before a start line are to be ignored; nothing else is a keep-alive.
  const std::size_t start = skip_leading_crlf(payload);
  if (!payload.empty() && start == payload.size()) return SipParseStatus::keepalive;
  LineReader lines(payload);
  const StartLineText start_line = start_line_at(payload, lines, start);
  const std::size_t pos = start_line.next;
  const StartLine kind = parse_start_line(start_line.line, start_line.has_nul, out);
  if (kind == StartLine::not_sip) return SipParseStatus::not_sip;
  if (kind == StartLine::broken) return SipParseStatus::bad_start_line;

  const std::size_t body_start = parse_headers(payload, lines, pos, out);
  if (body_start == kHeaderCutShort) return SipParseStatus::header_cut_short;

  out.call_id = out.header(HeaderId::call_id);
  // The first ';' outside quotes, where find_param would start, then ";branch=" read at once there.
  const std::size_t via_params = find_unnested(out.top_via, 0, ";", Nesting::quotes);
  out.via_branch = via_params == std::string_view::npos
                       ? std::string_view{}
                       : param_value<8>(out.top_via, via_params, kBranchPrefix, "branch");
  out.via_sent_by = via_sent_by(out.top_via);
  out.from_tag = name_addr_tag(out.header(HeaderId::from));
  out.to_tag = name_addr_tag(out.header(HeaderId::to));
  check_mandatory_headers(out);
  // A start line alone does not make SIP: every SIP message carries the five headers of RFC 3261
  // §8.1.1 (a broken one may lack some, and is still SIP with a defect), while any text can begin
  // with "SIP/2.0 200 ok". The caller decides what a payload with none of them is.
  const bool start_line_only = out.call_id.empty() && out.via_count == 0 && out.header(HeaderId::cseq).empty() &&
                               out.header(HeaderId::from).empty() && out.header(HeaderId::to).empty();

  const std::size_t available = payload.size() - body_start;
  std::size_t body_length = available;
  if (const std::string_view length = out.header(HeaderId::content_length); !length.empty()) {
    if (const auto value = parse_u32(length)) {
      out.content_length = *value;
      if (*value > available) {
        note_defect(out, truncated ? MessageDefect::sip_truncated_by_snaplen
                                   : MessageDefect::sip_body_shorter_than_content_length);
      } else {
        body_length = *value;
      }
    } else {
      note_defect(out, MessageDefect::sip_bad_content_length);
    }
  } else if (truncated) {
    note_defect(out, MessageDefect::sip_truncated_by_snaplen);
  }
  out.body = payload.substr(body_start, body_length);
  out.wire_length = body_start + body_length;
  return start_line_only ? SipParseStatus::start_line_only : SipParseStatus::message;
}

}  // namespace sipmon
