#pragma once
// What one direction of a TCP flow carries, decided on its ordered bytes, and the framer that
// reads it: SIP (sip_stream_framer.h) until a TLS record header (tls_detection.h) or an HTTP
// Upgrade to WebSocket (websocket_stream_framer.h) says otherwise. Bytes of an unfinished message
// are kept here between segments; the common case, a segment that starts at a message boundary,
// is framed straight from the packet.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/bytes.h"
#include "analysis/framed_stream_sink.h"
#include "analysis/sip_stream_framer.h"
#include "analysis/stream_budget.h"
#include "analysis/websocket_stream_framer.h"

namespace sipmon {

class StreamFramer {
 public:
  // The next bytes of the stream, in order (from TcpStream); `end_seq` is the sequence number just
  // after them.
  void on_bytes(Bytes data, std::uint32_t end_seq, FramingContext& context, FramedStreamSink& sink);
  // Bytes before the next ones are lost: the unfinished message is dropped, the next one looked for.
  void on_gap(StreamBudget& budget);
  // A new connection (or none): everything forgotten.
  void reset(StreamBudget& budget);

  bool has_unfinished() const { return !buffer_.empty(); }
  // Out of sync on a SIP flow: the bytes read are not (yet) part of any message.
  bool searching() const { return mode_ == Mode::sip && !sip_.synced(); }
  bool websocket() const { return mode_ == Mode::websocket; }
  // The first sequence number whose byte is still needed (the unfinished message, or the first
  // fragment of a split WebSocket message), given the stream's next sequence number.
  std::uint32_t first_kept_seq(std::uint32_t next_seq) const;

 private:
  enum class Mode : std::uint8_t { sip, websocket, tls };

  std::size_t consume(Bytes stream, std::uint32_t end_seq, FramingContext& context, FramedStreamSink& sink);
  void lose_sync(StreamBudget& budget);
  bool seen_message() const { return sip_.seen_message() || websocket_.seen_message(); }

  std::vector<std::uint8_t> buffer_;  // in-order bytes not yet framed
  WebSocketStreamFramer websocket_;
  SipStreamFramer sip_;
  Mode mode_ = Mode::sip;
};

}  // namespace sipmon
