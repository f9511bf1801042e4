#include "analysis/engine.h"

#include <algorithm>

#include "analysis/message_keys.h"
#include "analysis/rtp_packet.h"
#include "analysis/sip_parser.h"
#include "analysis/transaction_key.h"

namespace sipmon {
namespace {

std::unique_ptr<CallRecorder> make_recorder(const EngineConfig& config) {
  if (config.call_records == nullptr) return nullptr;
  return std::make_unique<CallRecorder>(config.recorder, *config.call_records, config.peers.get());
}

CallTrackerConfig observed(CallTrackerConfig calls, AttemptObserver* observer, const PeerTable* peers) {
  calls.observer = observer;
  calls.peers = peers != nullptr ? peers->size() + 1 : 0;  // every peer and "other"
  return calls;
}

}  // namespace

Engine::Engine(EngineConfig config)
    : config_(std::move(config)),
      decoder_(config_.decoder),
      clock_(config_.wall_clock ? std::unique_ptr<Clock>(std::make_unique<CallerClock>())
                                : std::unique_ptr<Clock>(std::make_unique<PacketClock>(config_.max_time_step_ns))),
      recorder_(make_recorder(config_)),
      calls_(observed(config_.calls, recorder_.get(), config_.peers.get())),
      transactions_(config_.transactions),
      media_(config_.media, recorder_.get(), config_.peers.get()) {
  for (const std::uint16_t port : config_.ports) port_selected_[port] = true;
  if (config_.peers) peer_counters_ = std::make_unique<PeerCounters>(*config_.peers);
  if (config_.series_interval_ns > 0)
    series_ = std::make_unique<IntervalSeries>(config_.series_interval_ns, config_.max_series_intervals);
}

void Engine::on_frame(const Frame& frame) {
  ++packets_;
  bytes_ += frame.wire_len;
  if (frame.ts_ns == kFrameTimeUnknown) {
    // Its time cannot be trusted for anything: not the clock, not the capture's span, not delays.
    record_frame_outcome(FrameOutcome::timestamp_out_of_range);
    return;
  }
  TimeStep step = clock_->step_to(frame.ts_ns);
  if (holding_) {
    // The held frame was far ahead of the clock. This one confirms the jump if it is near it
    // (within the largest step either way); otherwise the held one was a lone outlier.
    const std::int64_t max_step = config_.max_time_step_ns;
    const bool confirmed = step == TimeStep::far_ahead && frame.ts_ns >= deadline_after(held_.ts_ns, -max_step) &&
                           frame.ts_ns <= deadline_after(held_.ts_ns, max_step);
    release_held(confirmed);
    step = clock_->step_to(frame.ts_ns);
  }
  if (step == TimeStep::far_ahead) {
    hold(frame);
    return;
  }
  if (step == TimeStep::far_behind) clock_events_.add(DecoderEvent::packet_time_backwards);
  process(frame);
}

void Engine::finish() {
  if (holding_) release_held(false);
  media_.finish();
  if (recorder_) recorder_->flush();
}

void Engine::hold(const Frame& frame) {
  held_bytes_.assign(frame.data.begin(), frame.data.end());
  held_ = frame;
  held_.data = Bytes(held_bytes_.data(), held_bytes_.size());
  holding_ = true;
}

void Engine::release_held(bool confirmed) {
  holding_ = false;
  if (confirmed) {
    clock_events_.add(DecoderEvent::packet_time_jump);
  } else {
    // Taken at the clock's time: the packet came between its neighbours, whatever its stamp says.
    clock_events_.add(DecoderEvent::packet_time_outlier);
    held_.ts_ns = clock_->now_ns();
  }
  process(held_);
}

// Capture time, the clock and the call timers move to this packet's time; its outcome starts
// undecided. Shared by captured frames and HEP payloads.
void Engine::begin_frame(std::int64_t ts_ns) {
  if (first_ts_ns_ == kFrameTimeUnknown) {
    first_ts_ns_ = last_ts_ns_ = ts_ns;
  } else {
    first_ts_ns_ = std::min(first_ts_ns_, ts_ns);
    last_ts_ns_ = std::max(last_ts_ns_, ts_ns);
  }
  clock_->observe_packet(ts_ns);
  const std::int64_t now_ns = clock_->now_ns();  // one virtual call a packet, not four
  if (config_.dispatch) config_.dispatch->on_time(now_ns);
  // Before the timers run: what they decide at this packet's time belongs to its interval.
  if (series_ && series_->leaves_interval(now_ns)) series_->enter(now_ns, series_snapshot(), calls_.dialogs().active());
  calls_.advance(now_ns);
  media_.advance(now_ns);

  current_verdict_ = FrameVerdict::none;
}

void Engine::settle_frame() {
  switch (current_verdict_) {
    case FrameVerdict::sip:
      ++sip_packets_;
      break;
    case FrameVerdict::keepalive:
      break;  // already counted in keepalives_: one keep-alive per frame at most
    case FrameVerdict::malformed:
      ++malformed_packets_;
      break;
    case FrameVerdict::non_sip:
    case FrameVerdict::none:
      ++non_sip_packets_;
      break;
  }
}

void Engine::process(const Frame& frame) {
  begin_frame(frame.ts_ns);
  const FrameOutcome outcome = decoder_.decode(frame, *this);
  if (outcome != FrameOutcome::none) {
    record_frame_outcome(outcome);
    if (outcome == FrameOutcome::unsupported_link_type) ++unsupported_link_types_[frame.link_type];
    return;
  }
  settle_frame();
}

// HEP payloads come live, on the wall clock: no packet clock to hold them against (HepIngest has
// already replaced a timestamp too far from the arrival time).
void Engine::on_message_payload(const Payload& payload, std::uint32_t wire_len) {
  ++packets_;
  bytes_ += wire_len;
  begin_frame(payload.ts_ns);
  if (host_selected(payload.src, payload.dst)) {
    examine_payload(payload);
  } else {
    outcomes_.add(FrameOutcome::host_filtered);
  }
  settle_frame();
}

void Engine::tick(std::int64_t now_ns) {
  clock_->advance_to(now_ns);
  calls_.advance(clock_->now_ns());
  media_.advance(clock_->now_ns());
}

void Engine::record_frame_outcome(FrameOutcome outcome) {
  outcomes_.add(outcome);
  switch (outcome_class(outcome)) {
    case OutcomeClass::malformed:
      ++malformed_packets_;
      break;
    case OutcomeClass::non_sip:
    case OutcomeClass::transport:
      ++non_sip_packets_;
      break;
    case OutcomeClass::unsupported:
      ++unsupported_packets_;
      break;
  }
}

namespace {
// IANA's SIP ports (RFC 3261 §18.1.1, §19.1.2): 5060 (UDP, TCP, SCTP) and 5061 (TLS).
bool is_sip_port(std::uint16_t port) { return port == 5060 || port == 5061; }
}  // namespace

// A frame's outcome is the best of its payloads' outcomes: one SIP message makes it a SIP frame.
void Engine::on_payload(const Payload& payload) {
  // RTP and RTCP go to ports SDP chose, never the SIP ports: looked at before the port filter.
  // SIP text fails the media test on its first byte.
  if (config_.measure_media && payload.transport == Transport::udp && media_.on_udp(payload)) {
    outcomes_.add(looks_like_rtcp(payload.bytes) ? FrameOutcome::rtcp : FrameOutcome::rtp);
    current_verdict_ = std::max(current_verdict_, FrameVerdict::non_sip);
    return;
  }
  if (!port_selected(payload.src_port, payload.dst_port)) {
    outcomes_.add(FrameOutcome::port_filtered);
    current_verdict_ = std::max(current_verdict_, FrameVerdict::non_sip);
    return;
  }
  if (!host_selected(payload.src, payload.dst)) {
    outcomes_.add(FrameOutcome::host_filtered);
    current_verdict_ = std::max(current_verdict_, FrameVerdict::non_sip);
    return;
  }
  examine_payload(payload);
}

// A keep-alive the TCP framer found between messages: counted like a datagram that held nothing
// but CRLFs, behind the same port and host filters.
void Engine::on_keepalive(const Payload& endpoints) {
  if (!port_selected(endpoints.src_port, endpoints.dst_port)) {
    outcomes_.add(FrameOutcome::port_filtered);
    current_verdict_ = std::max(current_verdict_, FrameVerdict::non_sip);
    return;
  }
  if (!host_selected(endpoints.src, endpoints.dst)) {
    outcomes_.add(FrameOutcome::host_filtered);
    current_verdict_ = std::max(current_verdict_, FrameVerdict::non_sip);
    return;
  }
  ++keepalives_;
  current_verdict_ = std::max(current_verdict_, FrameVerdict::keepalive);
}

void Engine::examine_payload(const Payload& payload) {
  auto settle = [this](FrameVerdict verdict) { current_verdict_ = std::max(current_verdict_, verdict); };
  if (payload.bytes.empty()) {
    outcomes_.add(FrameOutcome::empty_payload);
    settle(FrameVerdict::non_sip);
    return;
  }
  switch (parse_sip_message(as_text(payload.bytes), scratch_, payload.truncated)) {
    case SipParseStatus::message:
      on_sip_message(payload, scratch_);
      settle(FrameVerdict::sip);
      return;
    case SipParseStatus::keepalive:
      ++keepalives_;
      settle(FrameVerdict::keepalive);
      return;
    case SipParseStatus::bad_start_line:
      outcomes_.add(FrameOutcome::sip_bad_start_line);
      settle(FrameVerdict::malformed);
      return;
    case SipParseStatus::header_cut_short:
      outcomes_.add(FrameOutcome::sip_header_cut_short);
      settle(FrameVerdict::malformed);
      return;
    case SipParseStatus::not_sip:
      outcomes_.add(FrameOutcome::payload_not_sip);
      settle(FrameVerdict::non_sip);
      return;
    case SipParseStatus::start_line_only:
      // None of Via, From, To, Call-ID, CSeq: SIP only on SIP's own ports, where tshark's SIP
      // dissector takes it too (a REGISTER with only Expires is a broken REGISTER there). On any
      // other port it is text that begins like SIP (an HTTP body quoting "SIP/2.0 200 ok"):
      // recognizing SIP by content must make no false positive.
      if (is_sip_port(payload.src_port) || is_sip_port(payload.dst_port)) {
        on_sip_message(payload, scratch_);
        settle(FrameVerdict::sip);
        return;
      }
      outcomes_.add(FrameOutcome::sip_start_line_only);
      settle(FrameVerdict::non_sip);
      return;
  }
}

void Engine::on_sip_message(const Payload& payload, const SipMessage& message) {
  ++sip_messages_;
  if (config_.dispatch) {
    // The front stage of --threads: the shard owning the call counts the message; media stays
    // here, where every message and RTP packet comes in capture order.
    config_.dispatch->on_sip_message(payload, message);
    if (!message.mandatory_headers_ok || !config_.measure_media) return;
    PeerId call_peer = kNoPeer;
    if (peer_counters_) {
      call_peer =
          static_cast<PeerId>(message.is_request ? peer_counters_->peer_of(*config_.peers, payload.src, payload.dst)
                                                 : peer_counters_->peer_of(*config_.peers, payload.dst, payload.src));
    }
    media_.on_sip_message(message, MessageKeys(message), payload.ts_ns, RecordRef{}, call_peer);
    return;
  }
  count_sip_message(payload, message, config_.measure_media);
}

void Engine::on_dispatched_time(std::int64_t now_ns) {
  clock_->advance_to(now_ns);
  if (series_ && series_->leaves_interval(clock_->now_ns()))
    series_->enter(clock_->now_ns(), series_snapshot(), calls_.dialogs().active());
  calls_.advance(clock_->now_ns());
}

void Engine::on_dispatched_message(const Payload& payload) {
  // The front took it for a message (a start line alone only on the SIP ports): the same bytes
  // parse the same way here.
  (void)parse_sip_message(as_text(payload.bytes), scratch_, payload.truncated);
  count_sip_message(payload, scratch_, false);
}

void Engine::on_dispatched_message(const Payload& payload, const SipMessage& message) {
  count_sip_message(payload, message, false);
}

void Engine::count_sip_message(const Payload& payload, const SipMessage& message, bool media) {
  // Every table this message will probe starts loading now, so that their cache misses (tables of
  // tens of MiB, hit at random) overlap instead of following one another: docs/performance.md.
  // The keys computed for that are kept in `keys` for the tables' own lookups (message_keys.h).
  TransactionKey key{};
  const MessageKeys keys(message);
  if (message.mandatory_headers_ok) {
    key = transaction_key(message, payload.src, payload.dst);
    transactions_.prefetch(key);
    calls_.prefetch(message, keys);
    if (recorder_) recorder_->prefetch(message, keys);
    if (media) media_.prefetch(message, keys);
  }
  // Raw counts include retransmissions and broken messages alike: that is what tshark counts.
  if (message.is_request) {
    messages_.count_request(message.method_id, message.method);
  } else {
    messages_.count_response(message.status_code, message.cseq_method_id);
  }
  // The wire counts go to the peer of the message's own addresses; the call figures to the peer
  // of the request it is or answers (the source of a request, the destination of a response, if
  // listed, else the other end), which the trackers take from an attempt's first message only.
  PeerId call_peer = kNoPeer;
  if (peer_counters_) {
    const std::size_t peer = peer_counters_->peer_of(*config_.peers, payload.src, payload.dst);
    if (message.is_request) {
      peer_counters_->count_request(peer, message.method_id);
      call_peer = static_cast<PeerId>(peer);
    } else {
      peer_counters_->count_response(peer, message.status_code);
      call_peer = static_cast<PeerId>(peer_counters_->peer_of(*config_.peers, payload.dst, payload.src));
    }
  }
  if (message.defect != MessageDefect::none) defects_.add(message.defect);
  if (config_.observer) config_.observer->on_sip_message(payload, message);
  if (!message.mandatory_headers_ok) return;
  // The transaction table first: a call record counts the retransmissions of its INVITEs.
  const bool repeated = track_transaction(payload, message, keys, key);
  if (recorder_) recorder_->begin_message(payload, message, keys, repeated);
  calls_.on_message(message, keys, payload.ts_ns, call_peer);
  if (series_) series_->observe_active(calls_.dialogs().active());
  // The media tracker reports a call's streams to the record of the message's attempt.
  const RecordRef record = recorder_ ? recorder_->end_message() : RecordRef{};
  if (media) media_.on_sip_message(message, keys, payload.ts_ns, record, call_peer);
}

bool Engine::track_transaction(const Payload& payload, const SipMessage& message, const MessageKeys& keys,
                               const TransactionKey& key) {
  const TransactionEvent event = transactions_.observe(TransactionMessage{
      .key = key,
      .is_request = message.is_request,
      .is_ack = message.is_request && message.method_id == Method::ack,
      .status_code = message.status_code,
      .to_tag_hash = keys.to_tag_hash(),
      .ts_ns = payload.ts_ns,
  });
  // §9.2: a CANCEL is matched to the INVITE it cancels (same key but for the method).
  if (event == TransactionEvent::first && message.is_request && message.method_id == Method::cancel) {
    transactions_.cancel(cancelled_invite_key(message, payload.src, payload.dst), payload.ts_ns);
  }
  // Only UDP carries SIP retransmissions (RFC 3261 §17.1.1.2: reliable transports do not need
  // them); a repeat on a stream is a transport artifact, left to the stream layer.
  if (payload.transport != Transport::udp) return false;
  switch (event) {
    case TransactionEvent::first:
      return false;
    case TransactionEvent::retransmission:
      ++(message.is_request ? retransmitted_requests_ : retransmitted_responses_);
      return true;
    case TransactionEvent::duplicate:
      ++duplicate_messages_;
      return false;
  }
  return false;
}

// Allocates (two response tables, a figures block): once per interval entered, never per message.
// With --peers also every peer's figures block (about 70 KB a peer, mostly the delay sketches):
// the snapshot holds one copy of the per-peer figures while an interval is filled.
SeriesSnapshot Engine::series_snapshot() const {
  Report figures;
  calls_.fill(figures);
  SeriesSnapshot snapshot{messages_.requests(), messages_.responses(), std::move(*figures.rfc6076), {}};
  if (config_.peers) {
    snapshot.peers.resize(config_.peers->size() + 1);
    for (std::size_t peer = 0; peer <= config_.peers->size(); ++peer) {
      PeerCounts counts;
      calls_.fill_peer(peer, counts);
      if (counts.rfc6076) snapshot.peers[peer] = std::move(*counts.rfc6076);
    }
  }
  return snapshot;
}

Report Engine::report() const {
  Report report;
  CaptureReport& capture = report.capture;
  capture.packets = packets_;
  capture.bytes = bytes_;
  if (first_ts_ns_ != kFrameTimeUnknown) {
    capture.first_ts_ns = first_ts_ns_;
    capture.last_ts_ns = last_ts_ns_;
  }
  capture.sip_messages = sip_messages_;
  capture.sip_packets = sip_packets_;
  capture.keepalives = keepalives_;
  capture.non_sip = non_sip_packets_;
  capture.malformed_packets = malformed_packets_;
  capture.unsupported_link = unsupported_packets_;
  capture.outcomes = outcomes_;
  // Decoder events are counted where the state lives (reassemblers), the clock's here.
  capture.events = decoder_.events();
  capture.events += clock_events_;
  capture.defects = defects_;
  capture.unsupported_link_by_type = unsupported_link_types_;
  capture.duplicate_messages = duplicate_messages_;
  report.table_evictions.add(EvictingTable::transactions, transactions_.stats().evicted);
  report.requests = messages_.requests();
  report.responses = messages_.responses();
  report.retransmissions =
      RetransmissionCounts{.requests = retransmitted_requests_, .responses = retransmitted_responses_};
  calls_.fill(report);
  if (peer_counters_) {
    report.peers = peer_counters_->report(*config_.peers);
    for (std::size_t peer = 0; peer <= config_.peers->size(); ++peer)
      calls_.fill_peer(peer, report.peers[std::string(config_.peers->name(peer))]);
  }
  // Listed only when records were lost early: replay always runs the recorder for the failure
  // analysis, and the report must not change with it.
  if (recorder_ && recorder_->evicted() > 0)
    report.table_evictions.add(EvictingTable::call_records, recorder_->evicted());
  if (recorder_ && recorder_->media_dropped() > 0)
    report.table_evictions.add(EvictingTable::call_record_media, recorder_->media_dropped());
  if (config_.measure_media) media_.fill(report, clock_->now_ns());
  if (series_) {
    SeriesSnapshot now{report.requests, report.responses, *report.rfc6076, {}};
    std::vector<std::string> peer_names;
    if (config_.peers) {
      for (std::size_t peer = 0; peer <= config_.peers->size(); ++peer) {
        peer_names.emplace_back(config_.peers->name(peer));
        const PeerCounts& counts = report.peers[peer_names.back()];
        now.peers.push_back(counts.rfc6076 ? *counts.rfc6076 : Rfc6076Report{});
      }
    }
    SeriesReport series = series_->report(now);
    series.peer_names = std::move(peer_names);
    report.series = std::make_shared<const SeriesReport>(std::move(series));
  }
  return report;
}

}  // namespace sipmon
