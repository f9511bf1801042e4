#pragma once
// Splitting the engine in two stages (`replay --threads N`, docs/performance.md, "Both cores"):
// a front engine decodes frames (link, IP, reassembly, SIP framing), decides every frame's
// outcome, measures media, and hands each SIP message to a MessageDispatch instead of counting
// it; shard engines (Engine::on_dispatched_message) count the messages of the calls they own.
// Defined here so that the engine calls the threads' plumbing without knowing it.
#include <cstdint>

#include "analysis/payload.h"
#include "analysis/sip_message.h"

namespace sipmon {

class MessageDispatch {
 public:
  virtual ~MessageDispatch() = default;
  // Before each frame, with the engine clock's time once the frame is taken in (the shards run
  // their timers and series to the same time, so that what times out is decided at the same
  // frame as in one engine).
  virtual void on_time(std::int64_t now_ns) = 0;
  // A SIP message (the front has parsed it: `message` views `payload.bytes`). Both are valid only
  // during the call.
  virtual void on_sip_message(const Payload& payload, const SipMessage& message) = 0;
};

}  // namespace sipmon
