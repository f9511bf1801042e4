#include "analysis/stream_framer.h"

#include "analysis/serial_number.h"
#include "analysis/tls_detection.h"
#include "analysis/websocket_decoder.h"

namespace sipmon {
namespace {

// An emptied stream buffer keeps up to this much of its allocation, enough for a typical message
// split over two segments; beyond it (and all of an emptied out-of-order or WebSocket buffer) is
// given back, so that thousands of idle flow slots do not pin memory the limit no longer sees.
constexpr std::size_t kKeepCapacity = 2048;

}  // namespace

// The one way a flow loses its place: bytes were lost or could not be kept, or the WebSocket
// framing broke. SIP can be found again at a start line; WebSocket frame boundaries cannot, so a
// WebSocket flow falls back to looking for SIP. A TLS flow stays TLS.
void StreamFramer::lose_sync(StreamBudget& budget) {
  sip_.lose_sync();
  if (mode_ == Mode::websocket) mode_ = Mode::sip;
  websocket_.drop_pieces(budget);
}

void StreamFramer::on_gap(StreamBudget& budget) {
  budget.replace(buffer_, {});
  lose_sync(budget);
}

void StreamFramer::reset(StreamBudget& budget) {
  budget.release(buffer_, kKeepCapacity);
  websocket_.reset(budget);
  sip_.reset();
  mode_ = Mode::sip;
}

std::uint32_t StreamFramer::first_kept_seq(std::uint32_t next_seq) const {
  std::uint32_t keep_from = next_seq - static_cast<std::uint32_t>(buffer_.size());
  if (websocket_.has_pieces() && serial_before(websocket_.pieces_seq(), keep_from)) keep_from = websocket_.pieces_seq();
  return keep_from;
}

void StreamFramer::on_bytes(Bytes data, std::uint32_t end_seq, FramingContext& context, FramedStreamSink& sink) {
  StreamBudget& budget = context.budget;
  const std::size_t max = budget.max_flow_bytes();
  if (buffer_.size() + data.size() > max || (!buffer_.empty() && !budget.make_room(buffer_, data.size()))) {
    // The unfinished message cannot be kept: drop it and find the next one.
    sink.on_event(buffer_.size() + data.size() > max ? DecoderEvent::tcp_message_too_large
                                                     : DecoderEvent::tcp_memory_full);
    budget.replace(buffer_, {});
    lose_sync(budget);
  }
  if (buffer_.empty()) {
    // Common case: the segment starts at a message boundary; read straight from the packet.
    const std::size_t used = consume(data, end_seq, context, sink);
    const Bytes rest = data.subspan(used);
    if (rest.empty()) return;
    if (rest.size() > max || !budget.replace(buffer_, rest)) {
      sink.on_event(rest.size() > max ? DecoderEvent::tcp_message_too_large : DecoderEvent::tcp_memory_full);
      lose_sync(budget);
    }
    return;
  }
  budget.append(buffer_, data);
  budget.erase_front(buffer_, consume(Bytes(buffer_.data(), buffer_.size()), end_seq, context, sink));
  if (buffer_.empty()) budget.release(buffer_, kKeepCapacity);
}

// Hands on every whole message at the front of `stream`; returns how many bytes were used up.
// What is left is an unfinished message (or line) to keep for the next segment.
std::size_t StreamFramer::consume(Bytes stream, std::uint32_t end_seq, FramingContext& context,
                                  FramedStreamSink& sink) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const Bytes rest = stream.subspan(pos);
    switch (mode_) {
      case Mode::tls:
        sink.on_outcome(FrameOutcome::encrypted_tls);
        return stream.size();
      case Mode::websocket: {
        const WebSocketStreamFramer::Result read = websocket_.frame(rest, end_seq, context, sink);
        pos += read.used;
        if (!read.broken) return pos;
        lose_sync(context.budget);  // and look for a SIP start line where the frames stopped
        continue;
      }
      case Mode::sip:
        break;
    }
    if (sip_.synced()) {
      pos += sip_.frame(rest, end_seq, sink);
      if (sip_.synced()) return pos;
      continue;
    }
    // Out of sync: what the stream carries is decided at the next boundary found.
    if (looks_like_tls_record(rest)) {
      mode_ = Mode::tls;
      continue;
    }
    const WebSocketHandshakeResult handshake = parse_websocket_handshake(as_text(rest));
    if (handshake.status == WebSocketHandshake::upgrade) {
      sink.on_websocket_upgrade(seq_at(end_seq, stream, pos), seq_at(end_seq, stream, pos + handshake.length));
      pos += handshake.length;
      mode_ = Mode::websocket;
      sink.on_outcome(FrameOutcome::websocket_handshake);
      continue;
    }
    if (handshake.status == WebSocketHandshake::need_more && rest.size() < context.budget.max_flow_bytes()) return pos;
    pos += sip_.resync(rest, seen_message(), sink);
    if (!sip_.synced()) return pos;
  }
  return pos;
}

}  // namespace sipmon
