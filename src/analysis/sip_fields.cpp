#include "analysis/sip_fields.h"

#include <algorithm>

#include "analysis/sip_lines.h"
#include "analysis/sip_parser.h"
#include "analysis/sip_scan.h"
#include "analysis/text.h"

namespace sipmon {
namespace {

// "host", "host:port", "[v6]", "[v6]:port"
void split_hostport(std::string_view hostport, std::string_view& host, std::uint16_t& port) {
  hostport = trim(hostport);
  port = 0;
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      host = hostport.substr(1);
      return;
    }
    host = hostport.substr(1, close - 1);
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') port = parse_port(trim(rest.substr(1))).value_or(0);
    return;
  }
  const std::size_t colon = hostport.find(':');
  host = trim(hostport.substr(0, colon));
  if (colon != std::string_view::npos) port = parse_port(trim(hostport.substr(colon + 1))).value_or(0);
}

// Calls fn(value) for each top-level comma-separated value of `list`; stops early when fn
// returns false.
template <typename Fn>
void for_each_value(std::string_view list, Fn&& fn) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = find_unnested(list, start, ",", Nesting::quotes_and_angles);
    if (comma == std::string_view::npos) break;
    if (!fn(trim(list.substr(start, comma - start)))) return;
    start = comma + 1;
  }
  fn(trim(list.substr(std::min(start, list.size()))));
}

}  // namespace

SipUri parse_uri(std::string_view uri) {
  SipUri out;
  uri = trim(uri);
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return out;
  out.scheme = uri.substr(0, colon);
  std::string_view rest = uri.substr(colon + 1);
  if (iequals(out.scheme, "tel")) {
    const std::size_t semi = rest.find(';');
    out.user = rest.substr(0, semi);
    if (semi != std::string_view::npos) out.params = rest.substr(semi);
    return out;
  }
  if (!iequals(out.scheme, "sip") && !iequals(out.scheme, "sips")) return out;
  // '@' cannot appear unescaped after the userinfo (RFC 3261 §25.1), so the first one ends it.
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    out.user = userinfo.substr(0, userinfo.find(':'));
    rest = rest.substr(at + 1);
  }
  std::size_t end = 0;
  if (!rest.empty() && rest.front() == '[') {
    end = rest.find(']');
    end = end == std::string_view::npos ? rest.size() : end + 1;
  }
  while (end < rest.size() && rest[end] != ';' && rest[end] != '?') ++end;
  split_hostport(rest.substr(0, end), out.host, out.port);
  if (end < rest.size() && rest[end] == ';') out.params = rest.substr(end, rest.find('?', end) - end);
  return out;
}

NameAddr parse_name_addr(std::string_view value) {
  NameAddr out;
  value = trim(value);
  if (const std::size_t i = find_unnested(value, 0, "<", Nesting::quotes); i != std::string_view::npos) {
    const std::size_t close = value.find('>', i);
    out.display_name = trim(value.substr(0, i));
    if (close == std::string_view::npos) {
      out.uri = value.substr(i + 1);
      return out;
    }
    out.uri = trim(value.substr(i + 1, close - i - 1));
    const std::string_view after = value.substr(close + 1);
    if (const std::size_t semi = after.find(';'); semi != std::string_view::npos) out.params = after.substr(semi);
    return out;
  }
  // addr-spec: header parameters start at the first ';' (the URI cannot have its own here).
  const std::size_t semi = value.find(';');
  out.uri = trim(value.substr(0, semi));
  if (semi != std::string_view::npos) out.params = value.substr(semi);
  return out;
}

ViaValue parse_via(std::string_view via) {
  ViaValue out;
  via = trim(via);
  std::size_t i = 0;
  int slashes = 0;
  while (i < via.size() && slashes < 2) {
    if (via[i] == '/') ++slashes;
    ++i;
  }
  if (slashes < 2) return out;
  while (i < via.size() && is_lws(via[i])) ++i;
  const std::size_t transport_start = i;
  while (i < via.size() && !is_lws(via[i]) && via[i] != ';') ++i;
  out.transport = via.substr(transport_start, i - transport_start);
  out.sent_by = via_sent_by(via);
  split_hostport(out.sent_by, out.host, out.port);
  const std::size_t semi = next_param_separator(via, i);
  if (semi == std::string_view::npos) return out;
  const std::string_view params = via.substr(semi);
  out.branch = header_param(params, "branch");
  out.received = header_param(params, "received");
  out.has_rport = has_header_param(params, "rport");
  out.rport = header_param(params, "rport");
  return out;
}

std::size_t header_values(const SipMessage& message, HeaderId id, std::span<std::string_view> out) {
  const std::string_view block = message.header_block;
  LineReader lines(block);
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < block.size()) {
    const LineReader::HeaderLine header = lines.header_at(pos);
    const std::string_view line = header.first;
    const std::size_t colon = lines.find_colon(pos, line.size());
    const std::string_view name = colon != std::string_view::npos ? trim(line.substr(0, colon)) : std::string_view{};
    if (colon != std::string_view::npos &&
        header_id(name, block.size() - static_cast<std::size_t>(name.data() - block.data())) == id) {
      for_each_value(block.substr(pos + colon + 1, header.value_end - pos - colon - 1), [&](std::string_view value) {
        if (value.empty()) return true;
        if (count < out.size()) out[count] = value;
        ++count;
        return true;
      });
    }
    pos = header.next;
  }
  return count;
}

std::optional<std::uint32_t> parse_leading_number(std::string_view value) {
  value = trim(value);
  std::size_t i = 0;
  while (i < value.size() && is_digit(value[i])) ++i;
  if (i == 0) return std::nullopt;
  if (i < value.size() && value[i] != ';' && !is_lws(value[i])) return std::nullopt;
  return parse_u32(value.substr(0, i));
}

SessionExpires parse_session_expires(std::string_view value) {
  SessionExpires out;
  out.seconds = parse_leading_number(value);
  out.refresher = header_param(value, "refresher");
  return out;
}

ReasonValue parse_reason(std::string_view value) {
  ReasonValue out;
  value = first_value(value);
  const std::size_t semi = next_param_separator(value, 0);
  out.protocol = trim(value.substr(0, semi));
  if (semi == std::string_view::npos) return out;
  const std::string_view params = value.substr(semi);
  out.cause = parse_leading_number(header_param(params, "cause"));
  std::string_view text = header_param(params, "text");
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  out.text = text;
  return out;
}

}  // namespace sipmon
