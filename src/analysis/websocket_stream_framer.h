#pragma once
// SIP over WebSocket (RFC 7118) in one direction of a TCP stream, after the HTTP Upgrade: frames
// (RFC 6455 §5) are read one by one, unmasked, and each text or binary message, whole or put
// together from its fragments (§5.4), is one SIP message. Control frames are passed over. The
// fragments of an unfinished message are kept, unmasked, within the shared StreamBudget.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/bytes.h"
#include "analysis/framed_stream_sink.h"
#include "analysis/stream_budget.h"
#include "analysis/websocket_decoder.h"

namespace sipmon {

// What every flow's framers share, owned by the TCP reassembler and sized once.
struct FramingContext {
  StreamBudget& budget;
  std::span<std::uint8_t> unmask;  // room for one WebSocket payload (max_flow_bytes)
};

class WebSocketStreamFramer {
 public:
  struct Result {
    std::size_t used = 0;  // bytes of whole frames read
    bool broken = false;   // the bytes at `used` are no frame: the framing is lost
  };

  // Reads every whole frame at the front of `stream`; `end_seq` is the sequence number just after
  // `stream`. An unfinished frame is left for the caller to offer again with more bytes.
  Result frame(Bytes stream, std::uint32_t end_seq, FramingContext& context, FramedStreamSink& sink);

  // Forgets the fragments of an unfinished message.
  void drop_pieces(StreamBudget& budget);
  // Whether a message was framed since the last reset.
  bool seen_message() const { return seen_message_; }
  void reset(StreamBudget& budget) {
    drop_pieces(budget);
    seen_message_ = false;
  }
  // Where the first fragment of the unfinished message began, when there is one: its bytes are
  // still needed.
  bool has_pieces() const { return in_pieces_; }
  std::uint32_t pieces_seq() const { return pieces_seq_; }

 private:
  void add_piece(const WebSocketFrame& frame, FramingContext& context, FramedStreamSink& sink);

  std::vector<std::uint8_t> pieces_;  // a message split over frames, unmasked so far
  std::uint32_t pieces_seq_ = 0;      // where the first frame of `pieces_` began in the stream
  bool in_pieces_ = false;            // a first frame without FIN was seen
  bool seen_message_ = false;
};

}  // namespace sipmon
