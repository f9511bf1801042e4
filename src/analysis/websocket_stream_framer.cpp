#include "analysis/websocket_stream_framer.h"

namespace sipmon {

void WebSocketStreamFramer::drop_pieces(StreamBudget& budget) {
  budget.release(pieces_, 0);
  in_pieces_ = false;
}

// Appends one frame of a split message, unmasked, within the flow and total limits.
void WebSocketStreamFramer::add_piece(const WebSocketFrame& frame, FramingContext& context, FramedStreamSink& sink) {
  const std::size_t n = frame.payload.size();
  const bool too_large = pieces_.size() + n > context.budget.max_flow_bytes();
  if (too_large || !context.budget.make_room(pieces_, n)) {
    sink.on_event(too_large ? DecoderEvent::tcp_message_too_large : DecoderEvent::tcp_memory_full);
    drop_pieces(context.budget);
    sink.on_outcome(FrameOutcome::websocket_fragmented_message);
    return;
  }
  context.budget.append(pieces_, unmask_websocket_payload(frame, context.unmask));
  sink.on_outcome(FrameOutcome::tcp_segment_buffered);
}

WebSocketStreamFramer::Result WebSocketStreamFramer::frame(Bytes stream, std::uint32_t end_seq, FramingContext& context,
                                                           FramedStreamSink& sink) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const WebSocketFrame frame = parse_websocket_frame(stream.subspan(pos), context.unmask.size());
    if (frame.status == WebSocketFrameStatus::need_more) break;
    if (frame.status == WebSocketFrameStatus::bad) {
      sink.on_event(DecoderEvent::bad_websocket_frame);
      return {pos, true};
    }
    const std::uint32_t frame_seq = seq_at(end_seq, stream, pos);
    pos += frame.length;
    const std::uint32_t frame_end = seq_at(end_seq, stream, pos);
    switch (frame.opcode) {
      case websocket_opcode::kText:
      case websocket_opcode::kBinary:
        // RFC 7118 §5: one SIP message per WebSocket message, usually one frame.
        drop_pieces(context.budget);
        if (frame.fin) {
          sink.on_message(unmask_websocket_payload(frame, context.unmask), Transport::websocket, frame_seq, frame_end);
          seen_message_ = true;
        } else {
          in_pieces_ = true;
          pieces_seq_ = frame_seq;
          add_piece(frame, context, sink);
        }
        break;
      case websocket_opcode::kContinuation:
        if (!in_pieces_) {
          sink.on_outcome(FrameOutcome::websocket_fragmented_message);  // its first frame was not seen
          break;
        }
        add_piece(frame, context, sink);
        if (frame.fin && in_pieces_) {
          sink.on_message(Bytes(pieces_.data(), pieces_.size()), Transport::websocket, pieces_seq_, frame_end);
          seen_message_ = true;
          drop_pieces(context.budget);
        }
        break;
      default:
        // Control frames may come between the frames of a split message (RFC 6455 §5.4).
        sink.on_outcome(FrameOutcome::websocket_control);
        break;
    }
  }
  return {pos, false};
}

}  // namespace sipmon
