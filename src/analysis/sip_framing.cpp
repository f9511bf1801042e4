#include "analysis/sip_framing.h"

#include "analysis/sip_parser.h"
#include "analysis/text.h"

namespace sipmon {
namespace {

// The end of the header block: just past the empty line, or npos.
std::size_t header_block_end(std::string_view stream) {
  for (std::size_t pos = stream.find('\n'); pos != std::string_view::npos; pos = stream.find('\n', pos + 1)) {
    if (pos + 1 < stream.size() && stream[pos + 1] == '\n') return pos + 2;
    if (pos + 2 < stream.size() && stream[pos + 1] == '\r' && stream[pos + 2] == '\n') return pos + 3;
  }
  return std::string_view::npos;
}

// Content-Length (or its compact form "l") in a header block; 0 when absent or unreadable.
std::size_t content_length(std::string_view headers) {
  std::size_t pos = headers.find('\n');  // skip the start line
  while (pos != std::string_view::npos && pos + 1 < headers.size()) {
    const std::size_t begin = pos + 1;
    pos = headers.find('\n', begin);
    const std::string_view line =
        headers.substr(begin, pos == std::string_view::npos ? std::string_view::npos : pos - begin);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    if (iequals(name, "content-length") || iequals(name, "l")) {
      if (const auto value = parse_u32(trim(line.substr(colon + 1)))) return *value;
      return 0;
    }
  }
  return 0;
}

}  // namespace

std::size_t leading_crlf(std::string_view stream) {
  std::size_t n = 0;
  while (n < stream.size() && (stream[n] == '\r' || stream[n] == '\n')) ++n;
  return n;
}

SipFrame frame_sip_message(std::string_view stream) {
  const std::size_t first_line_end = stream.find('\n');
  if (first_line_end == std::string_view::npos) return {SipFrameStatus::need_more, 0};
  if (!looks_like_sip_start(stream.substr(0, first_line_end + 1))) return {SipFrameStatus::not_sip, 0};
  const std::size_t body_start = header_block_end(stream);
  if (body_start == std::string_view::npos) return {SipFrameStatus::need_more, 0};
  const std::size_t length = body_start + content_length(stream.substr(0, body_start));
  if (length > stream.size()) return {SipFrameStatus::need_more, length};
  return {SipFrameStatus::complete, length};
}

// Resynchronising means guessing where a message starts in bytes that may be the tail of a body,
// so the guess is stricter than the parser: a status line, or a method of capital letters as every
// method registered with IANA is. "xxxACK sip:..." (a body without a final CRLF running into the
// next request) is not taken for a request with the method "xxxACK".
bool plausible_start_line(std::string_view line) {
  if (line.starts_with("SIP/2.0 ")) return looks_like_sip_start(line);
  std::size_t i = 0;
  while (i < line.size() && line[i] >= 'A' && line[i] <= 'Z') ++i;
  return i > 0 && i <= 32 && i < line.size() && line[i] == ' ' && looks_like_sip_start(line);
}

std::size_t find_sip_start(std::string_view stream, std::size_t& keep_from) {
  std::size_t line = 0;
  while (line < stream.size()) {
    const std::size_t nl = stream.find('\n', line);
    if (nl == std::string_view::npos) break;
    if (plausible_start_line(stream.substr(line, nl + 1 - line))) {
      keep_from = line;
      return line;
    }
    line = nl + 1;
  }
  keep_from = line;
  return std::string_view::npos;
}

}  // namespace sipmon
