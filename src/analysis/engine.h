#pragma once
// The analysis engine: the one place both live and replay feed frames into. It owns the decoder
// state and all counters; time comes only from the frames and, live, from the caller's tick(now)
// (clock.h): the engine reads no clock.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/call_record.h"
#include "analysis/call_recorder.h"
#include "analysis/call_tracker.h"
#include "analysis/clock.h"
#include "analysis/frame.h"
#include "analysis/host_filter.h"
#include "analysis/interval_series.h"
#include "analysis/media_tracker.h"
#include "analysis/message_counters.h"
#include "analysis/message_dispatch.h"
#include "analysis/packet_decoder.h"
#include "analysis/peer_counters.h"
#include "analysis/peer_table.h"
#include "analysis/report.h"
#include "analysis/sip_message.h"
#include "analysis/sip_message_observer.h"
#include "analysis/transaction_table.h"

namespace sipmon {

struct EngineConfig {
  // Only payloads to or from these ports are examined; empty means any port (SIP is then
  // recognized by content alone).
  std::vector<std::uint16_t> ports;
  // Session attempts, registrations and dialogs: table caps and timers.
  CallTrackerConfig calls = {};
  // Expiry (Timer B, session expiry) runs on packet time in replay; live (true) on the wall clock
  // that the caller passes to Engine::tick(now), packet timestamps aside (clock.h, CallerClock).
  bool wall_clock = false;
  // Size and time windows of the transaction table (allocated once, when the engine is built).
  TransactionTableConfig transactions{};
  // Reassembly tables and limits: IP fragments, TCP streams, SCTP, tunnel depth.
  DecoderLimits decoder{};
  // Replay: a packet more than this ahead of the packet clock is held until the next packet
  // confirms that time moved on (a silence, a clock step) or contradicts it (an outlier, then
  // taken at the clock's time): a single packet stamped a day late must not time out every call.
  // 5 min: beyond every transaction timer (Timer B/F 32 s, Timer C 3 min).
  std::int64_t max_time_step_ns = 300'000'000'000;
  // Optional (--peers): wire counts and every RFC 6076 figure per named network as well.
  std::shared_ptr<const PeerTable> peers = nullptr;
  // Optional (--hosts): only payloads to or from these networks are examined; the others are
  // counted as host_filtered (host_filter.h). Media of the calls kept is measured wherever it
  // flows (it is matched to their SDP before this filter, like the port filter).
  std::optional<HostFilter> hosts{};
  // Optional (--hep-out): told of every SIP message counted, in capture order. Not owned; must
  // outlive the engine.
  SipMessageObserver* observer = nullptr;
  // RTP/RTCP of the calls (docs/media.md): table caps, --rtp-heuristic, --media-timeout.
  MediaConfig media{};
  // false (--no-media): signalling only. No SDP is read and no packet is taken for RTP or RTCP: the
  // media tables stay empty and the report has no media section. For captures and feeds without
  // media (HEP from SIP servers, a signalling-only mirror port), where the media tracker would
  // learn endpoints no packet reaches and judge every answered call "no media": about a third of
  // a replay's CPU on such a capture (docs/performance.md, "Signalling only").
  bool measure_media = true;
  // Optional (--calls, docs/calls.md): receives one record per session attempt when it closes,
  // and the open ones at finish(). Not owned; must outlive the engine.
  CallRecordSink* call_records = nullptr;
  CallRecorderConfig recorder{};
  // --interval (replay): > 0 adds the report's series, cut at multiples of this on packet time.
  std::int64_t series_interval_ns = 0;
  std::size_t max_series_intervals = IntervalSeries::kDefaultMaxIntervals;
  // Optional (`replay --threads N`): this engine is the front stage. It decodes, decides every
  // frame's outcome and measures media, and hands each SIP message to `dispatch` instead of
  // counting it; shard engines count them (on_dispatched_message). Not owned.
  MessageDispatch* dispatch = nullptr;
};

class Engine final : public FrameSink, private PayloadSink {
 public:
  explicit Engine(EngineConfig config = {});

  void on_frame(const Frame& frame) override;
  // A whole SIP message that arrived without a frame around it (HEP: a SIP server exported it,
  // docs/hep.md). Counted as one packet of `wire_len` bytes with the payload's time. The port
  // filter does not apply: the sender already chose what to export.
  void on_message_payload(const Payload& payload, std::uint32_t wire_len);
  // End of input: a packet still held after a time jump that no later packet confirmed is taken
  // as an outlier and counted, and media streams still open are finished (so that every stream
  // is in the report's histograms); call records still open are written. Call before the final
  // report() of a replay.
  void finish();
  // Moves the clock to `now_ns` (never backwards) and runs the expiry of calls and media streams.
  // Live mode calls it with the wall clock before each batch of frames and periodically, so that a
  // silent network still times out attempts and expires dialogs; report() tells media ages at the
  // time of the last tick. In replay the packets move the clock; a tick with a packet time is the
  // same as one more packet's time.
  void tick(std::int64_t now_ns);

  // A shard engine of `replay --threads N` (message_dispatch.h): the front engine's clock moved to
  // `now_ns` before a frame: the series and the call timers follow, as before a frame here.
  void on_dispatched_time(std::int64_t now_ns);
  // A SIP message the front engine found and counted as one (its packet, its frame's outcome):
  // parsed again and counted here (methods, codes, peers, transactions, calls, series), media
  // aside (the front measures it).
  void on_dispatched_message(const Payload& payload);
  // The same, with the front's parse handed over (`message` views `payload.bytes`): not parsed
  // again.
  void on_dispatched_message(const Payload& payload, const SipMessage& message);

  // A snapshot of everything counted so far (allocates; not for the per-packet path).
  Report report() const;

  const TransactionTable& transactions() const { return transactions_; }
  const CallTracker& calls() const { return calls_; }
  const MediaTracker& media() const { return media_; }
  // Live (issue 22): the capture hands the RTP streams it measured itself to the media tracker.
  MediaTracker& media() { return media_; }

 private:
  // Ordered by precedence: a frame takes the highest outcome among its payloads.
  enum class FrameVerdict : std::uint8_t { none, non_sip, malformed, keepalive, sip };

  // Inlined into on_frame (and release_held): a layer of call per frame that did nothing else.
  [[gnu::always_inline]] inline void process(const Frame& frame);
  void hold(const Frame& frame);
  void release_held(bool confirmed);
  void on_payload(const Payload& payload) override;
  void on_keepalive(const Payload& endpoints) override;
  void examine_payload(const Payload& payload);
  void begin_frame(std::int64_t ts_ns);
  void settle_frame();
  void on_sip_message(const Payload& payload, const SipMessage& message);
  void count_sip_message(const Payload& payload, const SipMessage& message, bool media);
  // Returns whether the message repeats one already seen (a UDP retransmission or duplicate).
  bool track_transaction(const Payload& payload, const SipMessage& message, const MessageKeys& keys,
                         const TransactionKey& key);
  void record_frame_outcome(FrameOutcome outcome);
  SeriesSnapshot series_snapshot() const;
  // Inline: asked for every payload, they cost less than a call to them (issue 26).
  bool port_selected(std::uint16_t src, std::uint16_t dst) const {
    return config_.ports.empty() || port_selected_[src] || port_selected_[dst];
  }
  bool host_selected(const IpAddress& src, const IpAddress& dst) const {
    return !config_.hosts || config_.hosts->keeps(src, dst);
  }

  EngineConfig config_;
  std::array<bool, 65536> port_selected_{};
  PacketDecoder decoder_;
  MessageCounters messages_;
  std::unique_ptr<PeerCounters> peer_counters_;  // only with config_.peers
  FrameOutcomeCounts outcomes_;
  DecoderEventCounts clock_events_;  // packet time; the decoders count their own events
  MessageDefectCounts defects_;
  SipMessage scratch_;  // reused for every message: parsing allocates nothing
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<CallRecorder> recorder_;  // before calls_: the trackers report to it
  CallTracker calls_;
  TransactionTable transactions_;
  MediaTracker media_;
  std::unique_ptr<IntervalSeries> series_;  // only with config_.series_interval_ns
  std::uint64_t retransmitted_requests_ = 0;
  std::uint64_t retransmitted_responses_ = 0;
  std::uint64_t duplicate_messages_ = 0;

  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::int64_t first_ts_ns_ = kFrameTimeUnknown;  // until a frame with a usable time
  std::int64_t last_ts_ns_ = kFrameTimeUnknown;
  std::uint64_t sip_messages_ = 0;
  std::uint64_t keepalives_ = 0;
  // Every frame lands in exactly one of these four or in keepalives_ (a frame carries at most one
  // keep-alive: a datagram of CRLFs, or a TCP segment of nothing else).
  std::uint64_t sip_packets_ = 0;
  std::uint64_t non_sip_packets_ = 0;
  std::uint64_t malformed_packets_ = 0;
  std::uint64_t unsupported_packets_ = 0;
  std::map<std::uint32_t, std::uint64_t> unsupported_link_types_;  // few entries: one per file at most
  FrameVerdict current_verdict_ = FrameVerdict::none;
  // A frame far ahead of the packet clock, copied (rare: only on a time jump) until the next one.
  bool holding_ = false;
  Frame held_{};
  std::vector<std::uint8_t> held_bytes_;
};

}  // namespace sipmon
