#pragma once
// The frames of chosen calls, for `sipmon extract` (docs/extract.md). Every frame goes through a
// PacketDecoder that tracks frames; each whole SIP message whose Call-ID is wanted selects the
// frames that carried it (IP fragments and TCP segments included), and those go to the output
// sink in capture order. One pass, and only what may still be needed is kept: a copy of each
// frame an unfinished reassembly still holds (it may turn out to carry part of a wanted message),
// and selected frames waiting for an older held frame to be settled.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/frame.h"
#include "analysis/frame_refs.h"
#include "analysis/packet_decoder.h"
#include "analysis/payload.h"
#include "analysis/sip_message.h"

namespace sipmon {

struct ExtractLimits {
  // Bytes of frame copies held at once. Reassembly bounds what is held anyway (IP: datagrams x
  // 64 pieces, TCP: flows x max_frame_records); this caps the bytes. Over it, the oldest frames
  // not yet chosen are dropped and counted (frames_dropped).
  std::size_t max_held_bytes = 256u << 20;
};

struct ExtractStats {
  std::uint64_t frames_read = 0;
  std::uint64_t frames_written = 0;
  std::uint64_t messages = 0;             // messages of the wanted calls
  std::uint64_t incomplete_messages = 0;  // some of their frames could not be named (bounds)
  std::uint64_t frames_dropped = 0;       // held copies dropped for max_held_bytes
  std::size_t max_frames_held = 0;        // the most frames held at once
};

class CallExtractor final : public FrameSink, private PayloadSink {
 public:
  // `out` receives the selected frames, oldest first. `decoder.track_frames` is forced on.
  CallExtractor(std::vector<std::string> call_ids, FrameSink& out, DecoderLimits decoder = {},
                ExtractLimits limits = {});

  void on_frame(const Frame& frame) override;
  // Writes the selected frames still held. Call once, after the last frame.
  void finish();

  const ExtractStats& stats() const { return stats_; }
  // The wanted Call-IDs (sorted, without repeats) and how many messages each had.
  const std::vector<std::string>& call_ids() const { return call_ids_; }
  const std::vector<std::uint64_t>& messages_per_call() const { return messages_per_call_; }

 private:
  struct Held {
    std::int64_t ts_ns = 0;
    std::uint32_t link_type = 0;
    std::uint32_t wire_len = 0;
    std::vector<std::uint8_t> data;
    bool selected = false;
  };

  void on_payload(const Payload& payload) override;
  void select(FrameNumber frame);
  void hold(FrameNumber number, const Frame& frame, bool selected);
  void write(const Held& held);
  void flush_settled();
  void forget_released();
  void enforce_byte_limit();

  std::vector<std::string> call_ids_;
  std::vector<std::uint64_t> messages_per_call_;
  FrameSink& out_;
  ExtractLimits limits_;
  PacketDecoder decoder_;
  SipMessage scratch_;
  std::map<FrameNumber, Held> held_;  // by frame number: capture order
  std::size_t held_bytes_ = 0;
  std::size_t next_collection_ = 0;    // held_ size at which released frames are next looked for
  std::vector<FrameNumber> retained_;  // scratch for forget_released()
  bool current_selected_ = false;
  ExtractStats stats_;
};

}  // namespace sipmon
