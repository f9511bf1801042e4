#pragma once
// A FramedStreamSink for the framer tests: keeps a copy of everything the framers report.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/framed_stream_sink.h"

namespace sipmon::test {

struct RecordingFramedSink final : FramedStreamSink {
  struct Message {
    std::string bytes;
    Transport transport;
    std::uint32_t seq_begin;
    std::uint32_t seq_end;
  };
  std::vector<Message> messages;
  int keepalives = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> upgrades;
  std::vector<FrameOutcome> outcomes;
  DecoderEventCounts events;

  void on_message(Bytes message, Transport transport, std::uint32_t seq_begin, std::uint32_t seq_end) override {
    messages.push_back(Message{std::string(as_text(message)), transport, seq_begin, seq_end});
  }
  void on_keepalive() override { ++keepalives; }
  void on_websocket_upgrade(std::uint32_t seq_begin, std::uint32_t seq_end) override {
    upgrades.emplace_back(seq_begin, seq_end);
  }
  void on_outcome(FrameOutcome outcome) override { outcomes.push_back(outcome); }
  void on_event(DecoderEvent event) override { events.add(event); }
};

inline Bytes bytes_of(std::string_view text) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace sipmon::test
