#include "analysis/sip_parser.h"

#include <cstring>

#include "analysis/text.h"

namespace sipmon {
namespace {

constexpr std::string_view kSipVersion = "sip/2.0";

// The line starting at `pos` without its CR/LF; `next` receives where the following line starts.
std::string_view line_at(std::string_view text, std::size_t pos, std::size_t& next) {
  const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
  std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
  next = nl ? end + 1 : text.size();
  if (end > pos && text[end - 1] == '\r') --end;
  return text.substr(pos, end - pos);
}

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
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) return StartLine::not_sip;
  if (!iequals(line.substr(last_space + 1), kSipVersion)) return StartLine::not_sip;
  const std::string_view method = line.substr(0, first_space);
  const std::string_view uri = trim(line.substr(first_space + 1, last_space - first_space - 1));
  if (method.empty() || uri.empty()) return StartLine::broken;
  for (char c : method) {
    if (!is_token_char(c)) return StartLine::broken;
  }
  out.is_request = true;
  out.method = method;
  out.method_id = method_from_token(method);
  out.request_uri = uri;
  return StartLine::request;
}

// RFC 3261's start-line grammar admits no control characters (a Reason-Phrase may hold UTF-8,
// a Request-URI only escaped octets). A NUL or other control byte means a damaged or crafted
// message, not SIP to be counted.
bool has_control_characters(std::string_view line) {
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return true;
  }
  return false;
}

StartLine parse_start_line(std::string_view line, SipMessage& out) {
  if (has_control_characters(line)) {
    // Still say "broken SIP" when the line otherwise has SIP's shape; otherwise it is not SIP.
    const bool sip_shaped = istarts_with(line, "sip/") || line.find(" SIP/2.0") != std::string_view::npos;
    return sip_shaped ? StartLine::broken : StartLine::not_sip;
  }
  if (istarts_with(line, "sip/")) {
    return istarts_with(line, kSipVersion) ? parse_status_line(line, out) : StartLine::broken;
  }
  return parse_request_line(line, out);
}

bool is_keepalive(std::string_view payload) {
  return !payload.empty() && skip_leading_crlf(payload) == payload.size();
}

// Values in a comma-separated header list (quoted strings and <URIs> may hold commas).
std::uint16_t count_values(std::string_view value) {
  std::uint16_t count = 1;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>') {
      if (angle > 0) --angle;
    } else if (c == ',' && angle == 0) {
      ++count;
    }
  }
  return count;
}

void note_defect(SipMessage& out, Anomaly anomaly) {
  if (out.defect == Anomaly::none) out.defect = anomaly;
}

// Reads the header block starting at `pos`; returns where the body begins.
std::size_t parse_headers(std::string_view text, std::size_t pos, SipMessage& out) {
  while (pos < text.size()) {
    std::size_t next = 0;
    const std::string_view line = line_at(text, pos, next);
    if (line.empty()) return next;  // the blank line that ends the headers
    // Continuation lines (RFC 3261 §7.3.1: LWS folding) belong to this header's value.
    std::size_t value_end = pos + line.size();
    while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) {
      std::size_t after = 0;
      const std::string_view continuation = line_at(text, next, after);
      value_end = next + continuation.size();
      next = after;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      note_defect(out, Anomaly::sip_header_without_colon);
    } else {
      const HeaderId id = header_id(trim(line.substr(0, colon)));
      if (id != HeaderId::other) {
        const std::string_view value = trim(text.substr(pos + colon + 1, value_end - pos - colon - 1));
        std::string_view& slot = out.headers[static_cast<std::size_t>(id)];
        if (id == HeaderId::via) out.via_count = static_cast<std::uint16_t>(out.via_count + count_values(value));
        if (slot.empty()) slot = value;
      }
    }
    pos = next;
  }
  note_defect(out, Anomaly::sip_headers_unterminated);
  return text.size();
}

void parse_cseq(SipMessage& out) {
  const std::string_view cseq = out.header(HeaderId::cseq);
  std::size_t i = 0;
  while (i < cseq.size() && is_digit(cseq[i])) ++i;
  const auto number = parse_u32(cseq.substr(0, i));
  const std::string_view method = trim(cseq.substr(i));
  if (!number || *number > 0x7fffffffu || method.empty() || i == cseq.size() || !is_lws(cseq[i])) {
    note_defect(out, Anomaly::sip_bad_cseq);
    return;
  }
  for (char c : method) {
    if (!is_token_char(c)) {
      note_defect(out, Anomaly::sip_bad_cseq);
      return;
    }
  }
  out.cseq_number = *number;
  out.cseq_method = method;
  out.cseq_method_id = method_from_token(method);
  // RFC 3261 §8.1.1.5: a request's CSeq method MUST match its request method (ACK and CANCEL
  // included); responses carry their request's.
  if (out.is_request && method != out.method) note_defect(out, Anomaly::sip_cseq_method_mismatch);
}

void check_mandatory_headers(SipMessage& out) {
  if (out.call_id.empty()) note_defect(out, Anomaly::sip_missing_call_id);
  if (out.header(HeaderId::cseq).empty()) {
    note_defect(out, Anomaly::sip_missing_cseq);
  } else {
    parse_cseq(out);
  }
  if (out.header(HeaderId::from).empty()) note_defect(out, Anomaly::sip_missing_from);
  if (out.header(HeaderId::to).empty()) note_defect(out, Anomaly::sip_missing_to);
  if (out.via_count == 0 || out.top_via.empty()) note_defect(out, Anomaly::sip_missing_via);
}

}  // namespace

std::string_view first_value(std::string_view value) {
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>') {
      if (angle > 0) --angle;
    } else if (c == ',' && angle == 0) {
      return trim(value.substr(0, i));
    }
  }
  return trim(value);
}

std::string_view header_param(std::string_view params, std::string_view lower_name) {
  std::size_t pos = params.find(';');
  while (pos != std::string_view::npos) {
    const std::size_t end = params.find(';', pos + 1);
    const std::string_view param = params.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
    const std::size_t eq = param.find('=');
    if (iequals(trim(param.substr(0, eq)), lower_name)) {
      return eq == std::string_view::npos ? std::string_view{} : trim(param.substr(eq + 1));
    }
    pos = end;
  }
  return {};
}

std::string_view name_addr_tag(std::string_view value) {
  // Header parameters follow the <URI> in name-addr form, or start at the first ';' in addr-spec
  // form (RFC 3261 §20.10: there the URI cannot carry parameters of its own).
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      const std::size_t close = value.find('>', i);
      if (close == std::string_view::npos) return {};
      return header_param(value.substr(close + 1), "tag");
    } else if (c == ';') {
      return header_param(value.substr(i), "tag");
    }
  }
  return {};
}

bool looks_like_sip_start(std::string_view payload) {
  const std::size_t start = skip_leading_crlf(payload);
  if (start == payload.size()) return false;
  std::size_t next = 0;
  SipMessage scratch;
  const StartLine kind = parse_start_line(line_at(payload, start, next), scratch);
  return kind == StartLine::request || kind == StartLine::response;
}

SipParseStatus parse_sip_message(std::string_view payload, SipMessage& out, bool truncated) {
  out = SipMessage{};
  if (is_keepalive(payload)) return SipParseStatus::keepalive;
  // RFC 3261 §7.5: CRLFs before a start line are to be ignored.
  const std::size_t start = skip_leading_crlf(payload);
  std::size_t pos = 0;
  const StartLine kind = parse_start_line(line_at(payload, start, pos), out);
  if (kind == StartLine::not_sip) return SipParseStatus::not_sip;
  if (kind == StartLine::broken) return SipParseStatus::bad_start_line;

  const std::size_t body_start = parse_headers(payload, pos, out);

  out.call_id = out.header(HeaderId::call_id);
  out.top_via = first_value(out.header(HeaderId::via));
  out.via_branch = header_param(out.top_via, "branch");
  out.from_tag = name_addr_tag(out.header(HeaderId::from));
  out.to_tag = name_addr_tag(out.header(HeaderId::to));
  check_mandatory_headers(out);

  const std::size_t available = payload.size() - body_start;
  std::size_t body_length = available;
  if (const std::string_view length = out.header(HeaderId::content_length); !length.empty()) {
    if (const auto value = parse_u32(length)) {
      out.content_length = *value;
      if (*value > available) {
        note_defect(out, truncated ? Anomaly::sip_truncated_by_snaplen : Anomaly::sip_body_shorter_than_content_length);
      } else {
        body_length = *value;
      }
    } else {
      note_defect(out, Anomaly::sip_bad_content_length);
    }
  } else if (truncated) {
    note_defect(out, Anomaly::sip_truncated_by_snaplen);
  }
  out.body = payload.substr(body_start, body_length);
  out.wire_length = body_start + body_length;
  return SipParseStatus::message;
}

}  // namespace sipmon
