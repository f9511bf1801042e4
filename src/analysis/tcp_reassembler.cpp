#include "analysis/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

#include "analysis/serial_number.h"
#include "analysis/tls_detection.h"

namespace sipmon {
namespace {

constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kWays = 4;

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

// One segment's way through its flow: the stream's deliveries and gaps go to the framer, the
// framer's findings become payloads (with the segment's endpoints), events and the frame's outcome.
class TcpReassembler::Glue final : public StreamReceiver, public FramedStreamSink {
 public:
  Glue(TcpReassembler& self, Flow& flow, const TcpSegment& segment, PayloadSink& sink, DecoderEventCounts& events)
      : self_(self), flow_(flow), segment_(segment), sink_(sink), events_(events) {}

  void on_accepted(std::uint32_t seq, std::size_t length) override {
    flow_.frames.add(segment_.frames, seq, length, self_.limits_.max_frame_records);
  }
  void on_bytes(Bytes data, std::uint32_t end_seq) override {
    FramingContext context{self_.budget_, self_.unmask_};
    flow_.framer.on_bytes(data, end_seq, context, *this);
  }
  void on_gap() override {
    events_.add(DecoderEvent::tcp_gap);
    flow_.framer.on_gap(self_.budget_);
  }

  void on_message(Bytes message, Transport transport, std::uint32_t seq_begin, std::uint32_t seq_end) override {
    sink_.on_payload(payload(message, transport, self_.message_frames(flow_, seq_begin, seq_end)));
    ++messages_;
  }
  void on_keepalive() override { keepalive_ = true; }
  void on_websocket_upgrade(std::uint32_t seq_begin, std::uint32_t seq_end) override {
    self_.note_handshake(flow_, seq_begin, seq_end);
  }
  void on_outcome(FrameOutcome outcome) override { outcome_ = outcome; }
  void on_event(DecoderEvent event) override { events_.add(event); }

  // A keep-alive is reported only for a segment that carried nothing else, so that a frame still
  // counts once: a message followed by CRLF is a SIP frame, not also a keep-alive.
  bool report_keepalive() {
    if (messages_ > 0 || !keepalive_) return false;
    sink_.on_keepalive(payload({}, Transport::tcp, segment_.frames));
    return true;
  }

  std::size_t messages() const { return messages_; }
  FrameOutcome outcome() const { return outcome_; }

 private:
  Payload payload(Bytes bytes, Transport transport, FrameRefs origin) const {
    return Payload{.ts_ns = segment_.ts_ns,
                   .transport = transport,
                   .src = segment_.src,
                   .dst = segment_.dst,
                   .src_port = segment_.src_port,
                   .dst_port = segment_.dst_port,
                   .truncated = false,
                   .bytes = bytes,
                   .origin = origin};
  }

  TcpReassembler& self_;
  Flow& flow_;
  const TcpSegment& segment_;
  PayloadSink& sink_;
  DecoderEventCounts& events_;
  std::size_t messages_ = 0;
  FrameOutcome outcome_ = FrameOutcome::tcp_segment_buffered;
  bool keepalive_ = false;  // CRLFs seen between messages
};

// Forgets the frames whose bytes were all handed on or dropped: everything before the oldest
// byte still kept (the unfinished message, or the first frame of a split WebSocket message).
void TcpReassembler::prune_records(Flow& flow) {
  flow.frames.prune(flow.framer.first_kept_seq(flow.stream.next_seq()));
}

FrameRefs TcpReassembler::message_frames(const Flow& flow, std::uint32_t seq_begin, std::uint32_t seq_end) {
  if (limits_.max_frame_records == 0) return FrameRefs{};
  message_frames_.clear();
  const bool incomplete = flow.frames.overlapping(seq_begin, seq_end, message_frames_);
  if (flow.framer.websocket()) flow.frames.append_handshake(message_frames_);
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
    if (f.used && f.framer.websocket() && f.src_port == reverse.src_port && f.dst_port == reverse.dst_port &&
        f.src == reverse.src && f.dst == reverse.dst) {
      flow.frames.share_handshake(f.frames);
    }
  }
}

TcpReassembler::TcpReassembler(TcpReassemblyLimits limits)
    : limits_(limits),
      sets_(std::max<std::size_t>(1, limits.max_flows / kWays)),
      table_(sets_ * kWays),
      unmask_(limits.max_flow_bytes),
      budget_(limits.max_flow_bytes, limits.max_total_bytes, limits.max_out_of_order) {
  message_frames_.reserve(limits_.max_frame_records + TcpFrameRecords::kMaxHandshakeFrames);
}

std::size_t TcpReassembler::flows_in_use() const {
  return static_cast<std::size_t>(std::count_if(table_.begin(), table_.end(), [](const Flow& f) { return f.used; }));
}

void TcpReassembler::reset(Flow& flow) {
  flow.framer.reset(budget_);
  flow.stream.clear(budget_);
  flow.used = false;
  flow.frames.clear();
}

TcpReassembler::Flow* TcpReassembler::find(const TcpSegment& s, bool create, DecoderEventCounts& events) {
  Flow* ways = &table_[(flow_hash(s) % sets_) * kWays];
  Flow* victim = nullptr;
  for (std::size_t w = 0; w < kWays; ++w) {
    Flow& f = ways[w];
    if (f.used && s.ts_ns - f.last_ts_ns > limits_.idle_timeout_ns) {
      if (f.framer.has_unfinished() || f.stream.has_queued()) events.add(DecoderEvent::tcp_flow_expired);
      reset(f);
    }
    if (f.used && f.src_port == s.src_port && f.dst_port == s.dst_port && f.src == s.src && f.dst == s.dst) return &f;
    if (!victim || (victim->used && (!f.used || f.last_ts_ns < victim->last_ts_ns))) victim = &f;
  }
  if (!create) return nullptr;
  if (victim->used) {
    if (victim->framer.has_unfinished() || victim->stream.has_queued()) events.add(DecoderEvent::tcp_flow_evicted);
    reset(*victim);
  }
  Flow& f = *victim;
  f.used = true;
  f.src = s.src;
  f.dst = s.dst;
  f.src_port = s.src_port;
  f.dst_port = s.dst_port;
  f.stream.start(s.seq);
  f.last_ts_ns = s.ts_ns;
  f.stream.reserve(limits_.max_out_of_order);
  f.frames.reserve(limits_.max_frame_records);
  return &f;
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
    flow->stream.start(segment.seq + 1);
    return FrameOutcome::tcp_control;
  }
  if (segment.truncated) {
    // The capture lost the end of this segment: the stream cannot continue from here.
    reset(*flow);
    return FrameOutcome::tcp_truncated_segment;
  }

  Glue glue(*this, *flow, segment, sink, events);
  const TcpStream::Fate fate = flow->stream.add(segment.seq, segment.payload, segment.fin, budget_, glue);
  if (fate == TcpStream::Fate::retransmission) {
    if (segment.fin) reset(*flow);
    return has_data ? FrameOutcome::tcp_retransmission : FrameOutcome::tcp_control;
  }
  // Bytes that are neither part of a message nor waiting to complete one are simply not SIP.
  const bool searching = fate != TcpStream::Fate::queued && flow->used && flow->framer.searching();
  if (segment.fin && flow->used) reset(*flow);
  if (limits_.max_frame_records > 0 && flow->used && !segment.frames.frames.empty()) {
    prune_records(*flow);
    // Frames are numbered in capture order: the frame being decoded has the highest number.
    const FrameNumber current = *std::max_element(segment.frames.frames.begin(), segment.frames.frames.end());
    segment_retained_ = flow->frames.holds(current);
  }
  if (!has_data) return FrameOutcome::tcp_control;
  FrameOutcome outcome = glue.outcome();
  if (searching && outcome == FrameOutcome::tcp_segment_buffered) outcome = FrameOutcome::payload_not_sip;
  if (outcome == FrameOutcome::payload_not_sip && on_sips_port(segment.src_port, segment.dst_port)) {
    outcome = FrameOutcome::encrypted_tls;
  }
  if (glue.report_keepalive()) return FrameOutcome::none;
  return glue.messages() > 0 ? FrameOutcome::none : outcome;
}

}  // namespace sipmon
