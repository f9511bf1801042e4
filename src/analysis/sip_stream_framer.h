#pragma once
// SIP messages in one direction of a TCP stream (RFC 3261 §18.3): each message ends where its
// Content-Length says; CR and LF bytes between messages are RFC 5626 keep-alives. After a loss the
// framer is out of sync and looks for the next start line. It keeps no bytes: the caller keeps
// what it did not use and offers it again with more.
#include <cstddef>
#include <cstdint>

#include "analysis/bytes.h"
#include "analysis/framed_stream_sink.h"

namespace sipmon {

class SipStreamFramer {
 public:
  // Whether the stream is known to start at a message boundary.
  bool synced() const { return synced_; }
  // Whether a message was framed since the last reset (losing sync is worth counting then).
  bool seen_message() const { return seen_message_; }
  void lose_sync() { synced_ = false; }
  void reset() { *this = SipStreamFramer{}; }

  // In sync: hands every whole message (and keep-alive) at the front of `stream` to `sink` and
  // returns the bytes used. Stops at an unfinished message (still in sync) or at bytes that do not
  // begin a message (then out of sync). `end_seq` is the sequence number just after `stream`.
  std::size_t frame(Bytes stream, std::uint32_t end_seq, FramedStreamSink& sink);

  // Out of sync: skips to the next plausible start line and returns the bytes skipped; synced()
  // tells whether one was found. `seen_message`: whether the flow has carried any message before.
  std::size_t resync(Bytes stream, bool seen_message, FramedStreamSink& sink);

 private:
  bool synced_ = false;
  bool seen_message_ = false;
};

}  // namespace sipmon
