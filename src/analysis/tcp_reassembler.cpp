#include "analysis/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

#include "analysis/serial_number.h"
#include "analysis/sip_framing.h"
#include "analysis/websocket_decoder.h"

namespace sipmon {
namespace {

constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kWays = 4;
constexpr std::uint16_t kSipsPort = 5061;
// A start line longer than this is not a start line: an unsynchronised flow keeps at most this
// much of an unfinished line while it looks for the next message.
constexpr std::size_t kMaxStartLine = 8192;
// An emptied stream buffer keeps up to this much of its allocation, enough for a typical message
// split over two segments; beyond it (and all of an emptied out-of-order or WebSocket buffer) is
// given back, so that thousands of idle flow slots do not pin memory the limit no longer sees.
constexpr std::size_t kKeepCapacity = 2048;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

std::uint64_t flow_hash(const TcpSegment& s) {
  std::uint64_t h = mix(s.src_port, s.dst_port);
  for (std::size_t i = 0; i < 16; i += 8) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, s.src.bytes.data() + i, 8);
    std::memcpy(&b, s.dst.bytes.data() + i, 8);
    h = mix(mix(h, a), b);
  }
  return h;
}

// TLS record header: handshake/alert/change-cipher-spec/application data, version 3.x.
bool looks_like_tls(Bytes stream) {
  return stream.size() >= 3 && stream[0] >= 20 && stream[0] <= 23 && stream[1] == 3 && stream[2] <= 4;
}

bool only_crlf(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t c) { return c == '\r' || c == '\n'; });
}

}  // namespace

FrameOutcome decode_tcp_header(Bytes ip_payload, TcpSegment& out) {
  if (ip_payload.size() < kTcpMinHeader) return FrameOutcome::truncated_tcp_header;
  const std::uint8_t* h = ip_payload.data();
  const std::size_t header = static_cast<std::size_t>(h[12] >> 4) * 4;
  if (header < kTcpMinHeader || ip_payload.size() < header) return FrameOutcome::truncated_tcp_header;
  out.src_port = load_be16(h);
  out.dst_port = load_be16(h + 2);
  out.seq = load_be32(h + 4);
  const std::uint8_t flags = h[13];
  out.fin = (flags & 0x01) != 0;
  out.syn = (flags & 0x02) != 0;
  out.rst = (flags & 0x04) != 0;
  out.payload = ip_payload.subspan(header);
  return FrameOutcome::none;
}

// Hands messages to the sink with the segment's endpoints and remembers what the frame came to.
struct TcpReassembler::Emitter {
  TcpReassembler& self;
  const TcpSegment& segment;
  PayloadSink& sink;
  std::size_t emitted = 0;
  FrameOutcome outcome = FrameOutcome::tcp_segment_buffered;
  bool keepalive = false;  // CRLFs seen between messages

  // `seq_begin`..`seq_end`: where the message lay in the flow's sequence space.
  void message(const Flow& flow, Bytes bytes, Transport transport, std::uint32_t seq_begin, std::uint32_t seq_end) {
    send(bytes, transport, self.message_frames(flow, seq_begin, seq_end));
  }
  void send(Bytes bytes, Transport transport, FrameRefs origin) {
    Payload payload{.ts_ns = segment.ts_ns,
                    .transport = transport,
                    .src = segment.src,
                    .dst = segment.dst,
                    .src_port = segment.src_port,
                    .dst_port = segment.dst_port,
                    .truncated = false,
                    .bytes = bytes,
                    .origin = origin};
    sink.on_payload(payload);
    ++emitted;
  }
};

namespace {

// The sequence number of byte `pos` of `stream`: every stream the framing reads ends at next_seq.
std::uint32_t seq_at(std::uint32_t next_seq, Bytes stream, std::size_t pos) {
  return next_seq - static_cast<std::uint32_t>(stream.size() - pos);
}

}  // namespace

// Forgets the frames whose bytes were all handed on or dropped: everything before the oldest
// byte still kept (the unfinished message, or the first frame of a split WebSocket message).
void TcpReassembler::prune_records(Flow& flow) {
  std::uint32_t keep_from = flow.next_seq - static_cast<std::uint32_t>(flow.buffer.size());
  if (flow.in_pieces && serial_before(flow.pieces_seq, keep_from)) keep_from = flow.pieces_seq;
  flow.frames.prune(keep_from);
}

FrameRefs TcpReassembler::message_frames(const Flow& flow, std::uint32_t seq_begin, std::uint32_t seq_end) {
  if (limits_.max_frame_records == 0) return FrameRefs{};
  message_frames_.clear();
  const bool incomplete = flow.frames.overlapping(seq_begin, seq_end, message_frames_);
  if (flow.mode == Mode::websocket) flow.frames.append_handshake(message_frames_);
  return FrameRefs{message_frames_, incomplete};
}

void TcpReassembler::collect_frames(std::vector<FrameNumber>& out) const {
  for (const Flow& flow : table_) {
    if (flow.used) flow.frames.collect(out);
  }
}

// Wireshark reads SIP over WebSocket only after it has seen both halves of the HTTP Upgrade, so
// the frames of the request and of the 101 response go with every message of the connection.
void TcpReassembler::note_handshake(Flow& flow, std::uint32_t seq_begin, std::uint32_t seq_end) {
  if (limits_.max_frame_records == 0) return;
  flow.frames.note_handshake(seq_begin, seq_end);
  TcpSegment reverse;
  reverse.src = flow.dst;
  reverse.dst = flow.src;
  reverse.src_port = flow.dst_port;
  reverse.dst_port = flow.src_port;
  Flow* ways = &table_[(flow_hash(reverse) % sets_) * kWays];
  for (std::size_t w = 0; w < kWays; ++w) {
    Flow& f = ways[w];
    if (f.used && f.mode == Mode::websocket && f.src_port == reverse.src_port && f.dst_port == reverse.dst_port &&
        f.src == reverse.src && f.dst == reverse.dst) {
      flow.frames.share_handshake(f.frames);
    }
  }
}

TcpReassembler::TcpReassembler(TcpReassemblyLimits limits)
    : limits_(limits),
      sets_(std::max<std::size_t>(1, limits.max_flows / kWays)),
      table_(sets_ * kWays),
      unmask_(limits.max_flow_bytes) {
  message_frames_.reserve(limits_.max_frame_records + TcpFrameRecords::kMaxHandshakeFrames);
}

std::size_t TcpReassembler::flows_in_use() const {
  return static_cast<std::size_t>(std::count_if(table_.begin(), table_.end(), [](const Flow& f) { return f.used; }));
}

// Memory is accounted as allocated (vector capacity), not as stored: growth rounds up, emptied
// vectors keep their allocation, and the limit has to bound what the process actually holds.
bool TcpReassembler::make_room(std::vector<std::uint8_t>& bytes, std::size_t extra) {
  const std::size_t needed = bytes.size() + extra;
  if (needed <= bytes.capacity()) return true;
  // Geometric growth keeps appends amortised; it stops at the per-flow limit.
  const std::size_t grown = std::max(needed, std::min(bytes.capacity() * 2, limits_.max_flow_bytes));
  if (memory_ - bytes.capacity() + grown > limits_.max_total_bytes) return false;
  memory_ -= bytes.capacity();
  bytes.reserve(grown);
  memory_ += bytes.capacity();
  return true;
}

void TcpReassembler::release(std::vector<std::uint8_t>& bytes, std::size_t keep) {
  total_bytes_ -= bytes.size();
  bytes.clear();
  if (bytes.capacity() > keep) {
    memory_ -= bytes.capacity();
    std::vector<std::uint8_t>().swap(bytes);
  }
}

void TcpReassembler::reset(Flow& flow) {
  release(flow.buffer, kKeepCapacity);
  release(flow.held, 0);
  release(flow.pieces, 0);
  flow.in_pieces = false;
  flow.queue.clear();
  flow.used = false;
  flow.synced = false;
  flow.seen_sip = false;
  flow.mode = Mode::sip;
  flow.frames.clear();
}

TcpReassembler::Flow* TcpReassembler::find(const TcpSegment& s, bool create, DecoderEventCounts& events) {
  Flow* ways = &table_[(flow_hash(s) % sets_) * kWays];
  Flow* victim = nullptr;
  for (std::size_t w = 0; w < kWays; ++w) {
    Flow& f = ways[w];
    if (f.used && s.ts_ns - f.last_ts_ns > limits_.idle_timeout_ns) {
      if (!f.buffer.empty() || !f.queue.empty()) events.add(DecoderEvent::tcp_flow_expired);
      reset(f);
    }
    if (f.used && f.src_port == s.src_port && f.dst_port == s.dst_port && f.src == s.src && f.dst == s.dst) return &f;
    if (!victim || (victim->used && (!f.used || f.last_ts_ns < victim->last_ts_ns))) victim = &f;
  }
  if (!create) return nullptr;
  if (victim->used) {
    if (!victim->buffer.empty() || !victim->queue.empty()) events.add(DecoderEvent::tcp_flow_evicted);
    reset(*victim);
  }
  Flow& f = *victim;
  f.used = true;
  f.src = s.src;
  f.dst = s.dst;
  f.src_port = s.src_port;
  f.dst_port = s.dst_port;
  f.next_seq = s.seq;
  f.last_ts_ns = s.ts_ns;
  if (f.queue.capacity() < limits_.max_out_of_order) f.queue.reserve(limits_.max_out_of_order);
  f.frames.reserve(limits_.max_frame_records);
  return &f;
}

void TcpReassembler::drop_pieces(Flow& flow) {
  release(flow.pieces, 0);
  flow.in_pieces = false;
}

// Appends one frame of a split WebSocket message, unmasked, within the flow and total limits.
void TcpReassembler::add_piece(Flow& flow, const WebSocketFrame& frame, Emitter& emit, DecoderEventCounts& events) {
  const std::size_t n = frame.payload.size();
  if (flow.pieces.size() + n > limits_.max_flow_bytes || !make_room(flow.pieces, n)) {
    events.add(flow.pieces.size() + n > limits_.max_flow_bytes ? DecoderEvent::tcp_message_too_large
                                                               : DecoderEvent::tcp_memory_full);
    drop_pieces(flow);
    emit.outcome = FrameOutcome::websocket_fragmented_message;
    return;
  }
  const Bytes plain = unmask_websocket_payload(frame, unmask_);
  flow.pieces.insert(flow.pieces.end(), plain.begin(), plain.end());
  total_bytes_ += n;
  emit.outcome = FrameOutcome::tcp_segment_buffered;
}

std::size_t TcpReassembler::consume_websocket(Flow& flow, Bytes stream, Emitter& emit, DecoderEventCounts& events) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const WebSocketFrame frame = parse_websocket_frame(stream.subspan(pos), unmask_.size());
    if (frame.status == WebSocketFrameStatus::need_more) break;
    if (frame.status == WebSocketFrameStatus::bad) {
      // Lost track of the framing: fall back to looking for a SIP start line.
      events.add(DecoderEvent::bad_websocket_frame);
      flow.mode = Mode::sip;
      drop_pieces(flow);
      flow.synced = false;
      break;
    }
    const std::uint32_t frame_seq = seq_at(flow.next_seq, stream, pos);
    pos += frame.length;
    const std::uint32_t frame_end = seq_at(flow.next_seq, stream, pos);
    switch (frame.opcode) {
      case websocket_opcode::kText:
      case websocket_opcode::kBinary:
        // RFC 7118 §5: one SIP message per WebSocket message, usually one frame.
        drop_pieces(flow);
        if (frame.fin) {
          emit.message(flow, unmask_websocket_payload(frame, unmask_), Transport::websocket, frame_seq, frame_end);
          flow.seen_sip = true;
        } else {
          flow.in_pieces = true;
          flow.pieces_seq = frame_seq;
          add_piece(flow, frame, emit, events);
        }
        break;
      case websocket_opcode::kContinuation:
        if (!flow.in_pieces) {
          emit.outcome = FrameOutcome::websocket_fragmented_message;  // its first frame was not seen
          break;
        }
        add_piece(flow, frame, emit, events);
        if (frame.fin && flow.in_pieces) {
          emit.message(flow, Bytes(flow.pieces.data(), flow.pieces.size()), Transport::websocket, flow.pieces_seq,
                       frame_end);
          flow.seen_sip = true;
          drop_pieces(flow);
        }
        break;
      default:
        // Control frames may come between the frames of a split message (RFC 6455 §5.4).
        emit.outcome = FrameOutcome::websocket_control;
        break;
    }
  }
  return pos;
}

// Hands on every whole message at the front of `stream`; returns how many bytes were used up.
// What is left is an unfinished message (or line) to keep for the next segment.
std::size_t TcpReassembler::consume(Flow& flow, Bytes stream, Emitter& emit, DecoderEventCounts& events) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const Bytes rest = stream.subspan(pos);
    const std::string_view text = as_text(rest);
    if (flow.mode == Mode::tls) {
      emit.outcome = FrameOutcome::encrypted_tls;
      return stream.size();
    }
    if (flow.mode == Mode::websocket) {
      pos += consume_websocket(flow, rest, emit, events);
      if (flow.mode == Mode::websocket) return pos;
      continue;
    }
    if (!flow.synced) {
      if (looks_like_tls(rest)) {
        flow.mode = Mode::tls;
        continue;
      }
      const WebSocketHandshakeResult handshake = parse_websocket_handshake(text);
      if (handshake.status == WebSocketHandshake::upgrade) {
        note_handshake(flow, seq_at(flow.next_seq, stream, pos), seq_at(flow.next_seq, stream, pos + handshake.length));
        pos += handshake.length;
        flow.mode = Mode::websocket;
        emit.outcome = FrameOutcome::websocket_handshake;
        continue;
      }
      if (handshake.status == WebSocketHandshake::need_more && rest.size() < limits_.max_flow_bytes) return pos;
      std::size_t keep = 0;
      const std::size_t start = find_sip_start(text, keep);
      const std::size_t skip = start == std::string_view::npos ? keep : start;
      if (skip > 0 && only_crlf(rest.first(skip))) emit.keepalive = true;
      if (skip > 0 && !only_crlf(rest.first(skip))) {
        if (flow.seen_sip) {
          events.add(DecoderEvent::tcp_resync_skipped);
        } else {
          emit.outcome = FrameOutcome::payload_not_sip;
        }
      }
      pos += skip;
      if (start == std::string_view::npos) {
        // Keep an unfinished last line only while it could still become a start line.
        if (stream.size() - pos > kMaxStartLine) pos = stream.size();
        return pos;
      }
      flow.synced = true;
      continue;
    }
    if (const std::size_t crlf = leading_crlf(text); crlf > 0) {
      // RFC 5626 keep-alive (CRLFCRLF ping, CRLF pong) or stray line ends between messages.
      emit.keepalive = true;
      pos += crlf;
      continue;
    }
    const SipFrame frame = frame_sip_message(text);
    if (frame.status == SipFrameStatus::need_more) return pos;
    if (frame.status == SipFrameStatus::not_sip) {
      flow.synced = false;
      continue;
    }
    const std::uint32_t begin = seq_at(flow.next_seq, stream, pos);
    emit.message(flow, rest.first(frame.length), Transport::tcp, begin,
                 begin + static_cast<std::uint32_t>(frame.length));
    flow.seen_sip = true;
    pos += frame.length;
  }
  return pos;
}

// Keeps `rest` (an unfinished message) in the flow's buffer; false when the memory limit does not
// allow it (the buffer is then empty).
bool TcpReassembler::set_buffer(Flow& flow, Bytes rest) {
  total_bytes_ -= flow.buffer.size();
  flow.buffer.clear();
  if (!make_room(flow.buffer, rest.size())) return false;
  flow.buffer.assign(rest.begin(), rest.end());
  total_bytes_ += flow.buffer.size();
  return true;
}

void TcpReassembler::append(Flow& flow, Bytes data, Emitter& emit, DecoderEventCounts& events) {
  flow.next_seq += static_cast<std::uint32_t>(data.size());
  if (flow.buffer.size() + data.size() > limits_.max_flow_bytes ||
      (!flow.buffer.empty() && !make_room(flow.buffer, data.size()))) {
    // The unfinished message cannot be kept: drop it and find the next one.
    events.add(flow.buffer.size() + data.size() > limits_.max_flow_bytes ? DecoderEvent::tcp_message_too_large
                                                                         : DecoderEvent::tcp_memory_full);
    set_buffer(flow, {});
    flow.synced = false;
    if (flow.mode == Mode::websocket) flow.mode = Mode::sip;
    drop_pieces(flow);
  }
  if (flow.buffer.empty()) {
    // Common case: the segment starts at a message boundary; read straight from the packet.
    const std::size_t used = consume(flow, data, emit, events);
    const Bytes rest = data.subspan(used);
    if (rest.empty()) return;
    if (rest.size() > limits_.max_flow_bytes || !set_buffer(flow, rest)) {
      events.add(rest.size() > limits_.max_flow_bytes ? DecoderEvent::tcp_message_too_large
                                                      : DecoderEvent::tcp_memory_full);
      flow.synced = false;
    }
    return;
  }
  flow.buffer.insert(flow.buffer.end(), data.begin(), data.end());
  total_bytes_ += data.size();
  const std::size_t used = consume(flow, Bytes(flow.buffer.data(), flow.buffer.size()), emit, events);
  flow.buffer.erase(flow.buffer.begin(), flow.buffer.begin() + static_cast<std::ptrdiff_t>(used));
  total_bytes_ -= used;
  if (flow.buffer.empty()) release(flow.buffer, kKeepCapacity);
}

bool TcpReassembler::hold(Flow& flow, std::uint32_t seq, Bytes data) {
  for (const OutOfOrder& q : flow.queue) {
    if (q.seq == seq && q.length == data.size()) return true;  // the same segment again
  }
  if (flow.queue.size() >= limits_.max_out_of_order || flow.held.size() + data.size() > limits_.max_flow_bytes ||
      !make_room(flow.held, data.size())) {
    return false;
  }
  flow.queue.push_back(
      OutOfOrder{seq, static_cast<std::uint32_t>(flow.held.size()), static_cast<std::uint32_t>(data.size())});
  flow.held.insert(flow.held.end(), data.begin(), data.end());
  total_bytes_ += data.size();
  return true;
}

// Moves queued segments that now follow the stream's end into it, in order.
void TcpReassembler::drain_queue(Flow& flow, Emitter& emit, DecoderEventCounts& events) {
  bool progress = true;
  while (progress && !flow.queue.empty()) {
    progress = false;
    for (std::size_t i = 0; i < flow.queue.size(); ++i) {
      const OutOfOrder q = flow.queue[i];
      const SerialDistance position = serial_compare(q.seq, flow.next_seq);
      if (position.order == SerialOrder::after) continue;
      flow.queue.erase(flow.queue.begin() + static_cast<std::ptrdiff_t>(i));
      // Its first `behind` bytes are already in the stream. A segment 2^31 away (incomparable,
      // left from before a resynchronisation) has nothing to give.
      const std::uint32_t behind = position.amount;
      if (position.order != SerialOrder::incomparable && behind < q.length) {
        append(flow, Bytes(flow.held.data() + q.offset + behind, q.length - behind), emit, events);
        if (!flow.used) return;
      }
      progress = true;
      break;
    }
  }
  if (flow.queue.empty()) release(flow.held, 0);
}

// The hole before the queued segments will not be filled (the capture lost it): give up on the
// message it cut, and carry on from the first segment we do have.
void TcpReassembler::skip_gap(Flow& flow, Emitter& emit, DecoderEventCounts& events) {
  if (flow.queue.empty()) return;
  events.add(DecoderEvent::tcp_gap);
  set_buffer(flow, {});
  flow.synced = false;
  if (flow.mode == Mode::websocket) flow.mode = Mode::sip;
  drop_pieces(flow);
  std::uint32_t first = flow.queue.front().seq;
  for (const OutOfOrder& q : flow.queue) {
    if (serial_before(q.seq, first)) first = q.seq;
  }
  flow.next_seq = first;
  drain_queue(flow, emit, events);
}

FrameOutcome TcpReassembler::add(const TcpSegment& segment, PayloadSink& sink, DecoderEventCounts& events) {
  segment_retained_ = false;
  const bool has_data = !segment.payload.empty();
  Flow* flow = find(segment, (has_data || segment.syn) && !segment.rst, events);
  if (!flow) return has_data ? FrameOutcome::payload_not_sip : FrameOutcome::tcp_control;
  flow->last_ts_ns = segment.ts_ns;
  if (segment.rst) {
    reset(*flow);
    return FrameOutcome::tcp_control;
  }
  if (segment.syn) {
    // A new connection on these ports: whatever was left of an old one is gone.
    reset(*flow);
    flow = find(segment, true, events);
    flow->next_seq = segment.seq + 1;
    return FrameOutcome::tcp_control;
  }
  if (segment.truncated) {
    // The capture lost the end of this segment: the stream cannot continue from here.
    reset(*flow);
    return FrameOutcome::tcp_truncated_segment;
  }

  Emitter emit{*this, segment, sink};
  Bytes data = segment.payload;
  std::uint32_t data_seq = segment.seq;
  // RFC 1982 comparison: a crafted sequence number exactly 2^31 from the expected one is neither
  // behind nor ahead, and is treated as a hole that will never be filled.
  SerialDistance position = serial_compare(segment.seq, flow->next_seq);
  if (position.order == SerialOrder::before) {
    const std::uint32_t behind = position.amount;
    if (behind >= data.size()) {
      if (segment.fin) reset(*flow);
      return has_data ? FrameOutcome::tcp_retransmission : FrameOutcome::tcp_control;
    }
    data = data.subspan(behind);  // a retransmission that also carries new bytes
    data_seq += behind;
    position = {SerialOrder::same, 0};
  }
  flow->frames.add(segment.frames, data_seq, data.size(), limits_.max_frame_records);
  bool queued = false;
  if (position.order != SerialOrder::same && !data.empty()) {
    if (position.order == SerialOrder::after && position.amount <= limits_.max_flow_bytes &&
        hold(*flow, segment.seq, data)) {
      queued = true;
      if (segment.fin) skip_gap(*flow, emit, events);
    } else {
      // Too far ahead, or too much already waiting: the hole will not be filled.
      events.add(DecoderEvent::tcp_gap);
      set_buffer(*flow, {});
      flow->synced = false;
      if (flow->mode == Mode::websocket) flow->mode = Mode::sip;
      drop_pieces(*flow);
      flow->next_seq = segment.seq;
      append(*flow, data, emit, events);
      drain_queue(*flow, emit, events);
    }
  } else if (!data.empty()) {
    append(*flow, data, emit, events);
    drain_queue(*flow, emit, events);
  }
  // Bytes that are neither part of a message nor waiting to complete one are simply not SIP.
  const bool searching = !queued && flow->used && flow->mode == Mode::sip && !flow->synced;
  if (segment.fin && flow->used) reset(*flow);
  if (limits_.max_frame_records > 0 && flow->used && !segment.frames.frames.empty()) {
    prune_records(*flow);
    // Frames are numbered in capture order: the frame being decoded has the highest number.
    const FrameNumber current = *std::max_element(segment.frames.frames.begin(), segment.frames.frames.end());
    segment_retained_ = flow->frames.holds(current);
  }
  if (!has_data) return FrameOutcome::tcp_control;
  if (searching && emit.outcome == FrameOutcome::tcp_segment_buffered) emit.outcome = FrameOutcome::payload_not_sip;
  // Mid-stream, TLS records need not start where a segment does; on the SIPS port (RFC 3261 §26.2)
  // bytes that are not SIP are taken to be TLS.
  if (emit.outcome == FrameOutcome::payload_not_sip &&
      (segment.src_port == kSipsPort || segment.dst_port == kSipsPort)) {
    emit.outcome = FrameOutcome::encrypted_tls;
  }
  if (emit.emitted == 0 && emit.keepalive) {
    // A keep-alive is reported only for a segment that carried nothing else, so that a frame
    // still counts once: a message followed by CRLF is a SIP frame, not also a keep-alive.
    static constexpr std::uint8_t kPing[] = {'\r', '\n', '\r', '\n'};
    emit.send(Bytes(kPing, sizeof kPing), Transport::tcp, segment.frames);
  }
  return emit.emitted > 0 ? FrameOutcome::none : emit.outcome;
}

}  // namespace sipmon
