#include "analysis/sip_stream_framer.h"

#include <algorithm>
#include <string_view>

#include "analysis/sip_framing.h"

namespace sipmon {
namespace {

// A start line longer than this is not a start line: an unsynchronised flow keeps at most this
// much of an unfinished line while it looks for the next message.
constexpr std::size_t kMaxStartLine = 8192;

bool only_crlf(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t c) { return c == '\r' || c == '\n'; });
}

}  // namespace

std::size_t SipStreamFramer::frame(Bytes stream, std::uint32_t end_seq, FramedStreamSink& sink) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const Bytes rest = stream.subspan(pos);
    const std::string_view text = as_text(rest);
    if (const std::size_t crlf = leading_crlf(text); crlf > 0) {
      // RFC 5626 keep-alive (CRLFCRLF ping, CRLF pong) or stray line ends between messages.
      sink.on_keepalive();
      pos += crlf;
      continue;
    }
    const SipFrame frame = frame_sip_message(text);
    if (frame.status == SipFrameStatus::need_more) return pos;
    if (frame.status == SipFrameStatus::not_sip) {
      synced_ = false;
      return pos;
    }
    const std::uint32_t begin = seq_at(end_seq, stream, pos);
    sink.on_message(rest.first(frame.length), Transport::tcp, begin, begin + static_cast<std::uint32_t>(frame.length));
    seen_message_ = true;
    pos += frame.length;
  }
  return pos;
}

std::size_t SipStreamFramer::resync(Bytes stream, bool seen_message, FramedStreamSink& sink) {
  std::size_t keep = 0;
  const std::size_t start = find_sip_start(as_text(stream), keep);
  const std::size_t skip = start == std::string_view::npos ? keep : start;
  if (skip > 0) {
    if (only_crlf(stream.first(skip))) {
      sink.on_keepalive();
    } else if (seen_message) {
      sink.on_event(DecoderEvent::tcp_resync_skipped);
    } else {
      sink.on_outcome(FrameOutcome::payload_not_sip);
    }
  }
  if (start == std::string_view::npos) {
    // Keep an unfinished last line only while it could still become a start line.
    return stream.size() - skip > kMaxStartLine ? stream.size() : skip;
  }
  synced_ = true;
  return skip;
}

}  // namespace sipmon
