#pragma once
// SIP message boundaries in a byte stream (RFC 3261 §18.3): on stream transports a message ends
// where its Content-Length says, and after a loss the next message starts at a start line.
// Used by the TCP reassembler; the parser itself only ever sees one whole message.
#include <cstddef>
#include <string_view>

namespace sipmon {

enum class SipFrameStatus {
  complete,   // `length` bytes from the start are one message
  need_more,  // the header block or the body is not all there yet
  not_sip,    // the stream does not start with a SIP start line
};

struct SipFrame {
  SipFrameStatus status = SipFrameStatus::need_more;
  std::size_t length = 0;
};

// `stream` must begin at the start line (leading CRLFs already removed). A message without a
// Content-Length is taken to have no body, as RFC 3261 §20.14 lets a stream receiver assume
// nothing else. Never reads past `stream`.
SipFrame frame_sip_message(std::string_view stream);

// Where the first line that is a plausible SIP start line begins (stricter than the parser: see
// the .cpp), or npos. `keep_from` receives where an
// unfinished last line starts (so a start line split across segments is not lost), or
// stream.size() when every line is complete.
std::size_t find_sip_start(std::string_view stream, std::size_t& keep_from);

// Length of the run of CR and LF bytes the stream begins with (keep-alives and separators).
std::size_t leading_crlf(std::string_view stream);

}  // namespace sipmon
