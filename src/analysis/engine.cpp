#include "analysis/engine.h"

#include <algorithm>

#include "analysis/sip_parser.h"

namespace sipmon {

Engine::Engine(EngineConfig config) : Engine(std::move(config), DecoderLimits{}) {}

Engine::Engine(EngineConfig config, const DecoderLimits& limits) : config_(std::move(config)), decoder_(limits) {
  for (const std::uint16_t port : config_.ports) port_selected_[port] = true;
}

bool Engine::port_selected(std::uint16_t src, std::uint16_t dst) const {
  return config_.ports.empty() || port_selected_[src] || port_selected_[dst];
}

void Engine::on_frame(const Frame& frame) {
  if (packets_ == 0) {
    first_ts_ns_ = last_ts_ns_ = frame.ts_ns;
  } else {
    first_ts_ns_ = std::min(first_ts_ns_, frame.ts_ns);
    last_ts_ns_ = std::max(last_ts_ns_, frame.ts_ns);
  }
  ++packets_;
  bytes_ += frame.wire_len;

  current_outcome_ = FrameOutcome::none;
  const Anomaly anomaly = decoder_.decode(frame, *this);
  if (anomaly != Anomaly::none) {
    record_frame_anomaly(anomaly);
    if (anomaly == Anomaly::unsupported_link_type) ++unsupported_link_types_[frame.link_type];
    return;
  }
  switch (current_outcome_) {
    case FrameOutcome::sip:
      ++sip_packets_;
      break;
    case FrameOutcome::keepalive:
      ++keepalive_packets_;
      break;
    case FrameOutcome::malformed:
      ++malformed_packets_;
      break;
    case FrameOutcome::non_sip:
    case FrameOutcome::none:
      ++non_sip_packets_;
      break;
  }
}

void Engine::record_frame_anomaly(Anomaly anomaly) {
  anomalies_.add(anomaly);
  switch (anomaly_class(anomaly)) {
    case AnomalyClass::malformed:
      ++malformed_packets_;
      break;
    case AnomalyClass::non_sip:
      ++non_sip_packets_;
      break;
    case AnomalyClass::unsupported:
      ++unsupported_packets_;
      break;
  }
}

// A frame's outcome is the best of its payloads' outcomes: one SIP message makes it a SIP frame.
void Engine::on_payload(const Payload& payload) {
  auto settle = [this](FrameOutcome outcome) { current_outcome_ = std::max(current_outcome_, outcome); };
  if (!port_selected(payload.src_port, payload.dst_port)) {
    anomalies_.add(Anomaly::port_filtered);
    settle(FrameOutcome::non_sip);
    return;
  }
  if (payload.bytes.empty()) {
    anomalies_.add(Anomaly::empty_payload);
    settle(FrameOutcome::non_sip);
    return;
  }
  switch (parse_sip_message(as_text(payload.bytes), scratch_, payload.truncated)) {
    case SipParseStatus::message:
      on_sip_message(payload, scratch_);
      settle(FrameOutcome::sip);
      return;
    case SipParseStatus::keepalive:
      ++keepalives_;
      settle(FrameOutcome::keepalive);
      return;
    case SipParseStatus::bad_start_line:
      anomalies_.add(Anomaly::sip_bad_start_line);
      settle(FrameOutcome::malformed);
      return;
    case SipParseStatus::not_sip:
      anomalies_.add(Anomaly::payload_not_sip);
      settle(FrameOutcome::non_sip);
      return;
  }
}

void Engine::on_sip_message(const Payload& /*payload*/, const SipMessage& message) {
  ++sip_messages_;
  if (message.is_request) {
    messages_.count_request(message.method_id, message.method);
  } else {
    messages_.count_response(message.status_code);
  }
  if (message.defect != Anomaly::none) anomalies_.add(message.defect);
}

Report Engine::report() const {
  Report report;
  CaptureReport& capture = report.capture;
  capture.packets = packets_;
  capture.bytes = bytes_;
  if (packets_ != 0) {
    capture.first_ts_ns = first_ts_ns_;
    capture.last_ts_ns = last_ts_ns_;
  }
  capture.sip_messages = sip_messages_;
  capture.sip_packets = sip_packets_;
  capture.keepalives = keepalives_;
  capture.non_sip = non_sip_packets_;
  capture.malformed_packets = malformed_packets_;
  capture.unsupported_link = unsupported_packets_;
  for (std::size_t i = 0; i < kAnomalyCount; ++i) {
    const auto anomaly = static_cast<Anomaly>(i);
    // Decoder events (reassembly timeouts, stream gaps) are counted where the state lives.
    const std::uint64_t count = anomalies_[anomaly] + decoder_.events()[anomaly];
    if (count == 0) continue;
    const std::string name(anomaly_name(anomaly));
    switch (anomaly_class(anomaly)) {
      case AnomalyClass::malformed:
        capture.malformed += count;
        capture.malformed_by_reason.emplace(name, count);
        break;
      case AnomalyClass::non_sip:
        capture.non_sip_by_reason.emplace(name, count);
        break;
      case AnomalyClass::unsupported:
        break;
    }
  }
  for (const auto& [link_type, count] : unsupported_link_types_) {
    capture.unsupported_link_by_type.emplace(std::to_string(link_type), count);
  }
  report.requests = messages_.requests();
  report.responses = messages_.responses();
  return report;
}

}  // namespace sipmon
