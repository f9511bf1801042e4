#pragma once
// What the framers of a TCP flow (SIP by Content-Length, WebSocket, TLS detection) find in the
// ordered byte stream, told as events: whole messages with where they lay in the stream,
// keep-alives, the WebSocket Upgrade, what bytes that were no message were, and stream events
// for the counters. The TCP reassembler turns them into payloads and a frame's outcome.
#include <cstdint>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"
#include "analysis/payload.h"

namespace sipmon {

class FramedStreamSink {
 public:
  // One whole SIP message; its bytes lay at [seq_begin, seq_end) of the stream (for a WebSocket
  // message split over frames: from its first frame to the end of its last).
  virtual void on_message(Bytes message, Transport transport, std::uint32_t seq_begin, std::uint32_t seq_end) = 0;
  // CR and LF bytes between messages: an RFC 5626 §3.5.1 keep-alive (CRLFCRLF ping, CRLF pong).
  virtual void on_keepalive() = 0;
  // The bytes [seq_begin, seq_end) were the HTTP Upgrade to WebSocket (RFC 6455 §4).
  virtual void on_websocket_upgrade(std::uint32_t seq_begin, std::uint32_t seq_end) = 0;
  // What the bytes just read were, when they made no message (encrypted_tls, websocket_control,
  // tcp_segment_buffered, ...): the latest one stands.
  virtual void on_outcome(FrameOutcome outcome) = 0;
  // Something that happened to the stream: a resynchronisation, a broken frame, a limit reached.
  virtual void on_event(DecoderEvent event) = 0;

 protected:
  ~FramedStreamSink() = default;
};

// The sequence number of byte `pos` of `stream`, a stream whose last byte comes just before
// `end_seq`.
inline std::uint32_t seq_at(std::uint32_t end_seq, Bytes stream, std::size_t pos) {
  return end_seq - static_cast<std::uint32_t>(stream.size() - pos);
}

}  // namespace sipmon
