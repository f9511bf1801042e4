#pragma once
// TCP for SIP (RFC 3261 §18.3) and SIP over WebSocket (RFC 7118): the table of flows (each
// direction of a connection is one) and the glue between the two layers of each flow. TcpStream
// puts the bytes back in order and reports gaps; StreamFramer finds the messages in them (SIP by
// Content-Length, WebSocket frames, TLS detection). Whole messages go to the PayloadSink one at a
// time, so the SIP layer sees the same thing it sees for a UDP datagram; keep-alives go to it as
// keep-alive events. Everything is bounded: a fixed flow table (set-associative, least recently
// used way evicted), a byte limit per flow and in total, a bounded out-of-order queue, and an
// idle timeout in packet time.
#include <array>
#include <cstdint>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"
#include "analysis/frame_refs.h"
#include "analysis/ip_decoder.h"
#include "analysis/payload.h"
#include "analysis/stream_budget.h"
#include "analysis/stream_framer.h"
#include "analysis/tcp_frame_records.h"
#include "analysis/tcp_stream.h"

namespace sipmon {

struct TcpReassemblyLimits {
  std::size_t max_flows = 4096;             // flow directions tracked at once
  std::size_t max_flow_bytes = 256u << 10;  // one direction's buffer: the largest message kept
  std::size_t max_total_bytes = 64u << 20;  // all buffers together, as allocated (docs/transports.md)
  std::size_t max_out_of_order = 16;        // segments held per flow waiting for a hole to fill
  std::int64_t idle_timeout_ns = 300'000'000'000;
  // Which frames carried each message (for `sipmon extract`): up to this many segment frames are
  // remembered per flow direction. 0, the default, tracks nothing and costs nothing.
  std::size_t max_frame_records = 0;
};

struct TcpSegment {
  std::int64_t ts_ns = 0;
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  bool syn = false;
  bool fin = false;
  bool rst = false;
  bool truncated = false;  // the capture holds less payload than the segment carried
  Bytes payload;
  FrameRefs frames;  // the frame(s) the segment came in (several when IP put it back together)
};

// Parses a TCP header; `ip_payload` starts at it. Returns truncated_tcp_header when too short.
FrameOutcome decode_tcp_header(Bytes ip_payload, TcpSegment& out);

class TcpReassembler {
 public:
  explicit TcpReassembler(TcpReassemblyLimits limits = {});

  // Feeds one segment. Returns FrameOutcome::none when at least one SIP message or keep-alive went to
  // `sink`, otherwise the frame's outcome (tcp_segment_buffered, tcp_retransmission, ...). Events
  // that are not the frame's outcome go to `events`.
  FrameOutcome add(const TcpSegment& segment, PayloadSink& sink, DecoderEventCounts& events);

  // With max_frame_records: whether the last segment added is still needed by an unfinished
  // message (its frame must be kept to be written with that message later).
  bool segment_retained() const { return segment_retained_; }
  // Appends the frames still needed by unfinished messages, in every flow.
  void collect_frames(std::vector<FrameNumber>& out) const;

  std::size_t flows_in_use() const;
  std::size_t bytes_buffered() const { return budget_.stored(); }  // stored
  std::size_t memory_held() const { return budget_.allocated(); }  // allocated: what max_total_bytes bounds

 private:
  struct Flow {
    bool used = false;
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::int64_t last_ts_ns = 0;
    TcpStream stream;        // sequence order and gaps
    StreamFramer framer;     // messages in the ordered bytes
    TcpFrameRecords frames;  // with max_frame_records: capacity reserved once per flow slot
  };

  class Glue;

  Flow* find(const TcpSegment& segment, bool create, DecoderEventCounts& events);
  void reset(Flow& flow);
  void prune_records(Flow& flow);
  void note_handshake(Flow& flow, std::uint32_t seq_begin, std::uint32_t seq_end);
  FrameRefs message_frames(const Flow& flow, std::uint32_t seq_begin, std::uint32_t seq_end);

  TcpReassemblyLimits limits_;
  std::size_t sets_ = 1;
  std::vector<Flow> table_;                  // sets_ * kWays, sized once
  std::vector<std::uint8_t> unmask_;         // one WebSocket payload, sized once
  StreamBudget budget_;                      // every flow's buffers
  std::vector<FrameNumber> message_frames_;  // one message's frames, sized once
  bool segment_retained_ = false;
};

}  // namespace sipmon
