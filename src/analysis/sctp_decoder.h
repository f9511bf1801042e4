#pragma once
// SIP over SCTP (RFC 4168): every SCTP user message is one SIP message. A user message travels in
// one DATA chunk (RFC 9260 §3.3.1, flags B and E both set) or, when larger than the path MTU, in
// a run of chunks with consecutive TSNs from B to E; those are put back together here, in a small
// fixed table with a byte limit and a timeout in packet time. I-DATA (RFC 8260) whole messages
// are read too.
#include <array>
#include <cstdint>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"
#include "analysis/payload.h"

namespace sipmon {

struct SctpLimits {
  std::size_t max_messages = 32;  // fragmented user messages being reassembled at once
  std::size_t max_message_bytes = 256u << 10;
  std::int64_t timeout_ns = 30'000'000'000;
};

class SctpDecoder {
 public:
  explicit SctpDecoder(SctpLimits limits = {});

  // `packet` starts at the SCTP common header; `base` supplies time, addresses and the
  // truncation flag. Returns none when at least one payload went to `sink`, otherwise the
  // frame's outcome. Events about other messages (timeouts, evictions) go to `events`.
  FrameOutcome decode(Bytes packet, const Payload& base, PayloadSink& sink, DecoderEventCounts& events);

 private:
  struct Partial {
    bool used = false;
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t stream = 0;
    std::uint32_t next_tsn = 0;
    std::int64_t first_ts_ns = 0;
    std::vector<std::uint8_t> data;
  };

  // Returns true when the chunk completed a message now in `slot.data`.
  Partial* add_fragment(const Payload& p, std::uint16_t stream, std::uint32_t tsn, std::uint8_t flags, Bytes data,
                        DecoderEventCounts& events, FrameOutcome& outcome);

  SctpLimits limits_;
  std::vector<Partial> table_;  // sized once
};

}  // namespace sipmon
