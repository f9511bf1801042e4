#pragma once
// The media streams of one call as its call record lists them (docs/calls.md, "media"): the
// MediaTracker measures a stream until it is finished (idle, evicted, end of input) and then
// tells a MediaStreamObserver — the CallRecorder — its final figures, addressed to the record of
// the call whose SDP announced the stream. A record whose attempt has closed while some of its
// streams are still live waits for them, so that a record's streams carry exactly the figures
// the report's media totals add up.
#include <cstdint>

#include "analysis/attempt_observer.h"
#include "analysis/call_record.h"
#include "analysis/media_codec.h"

namespace sipmon {

enum class MediaDirection : std::uint8_t { caller_to_callee = 0, callee_to_caller = 1 };
const char* media_direction_name(MediaDirection direction);

// One stream (direction and SSRC): the RFC 3550 figures of docs/media.md, as the stream ended.
struct CallMediaStream {
  CallEndpoint src;  // the first packet's source and destination
  CallEndpoint dst;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint64_t packets = 0;
  std::uint64_t expected = 0;
  std::int64_t lost = 0;  // negative when duplicates outnumber the losses (RFC 3550 A.3)
  std::uint64_t duplicates = 0;
  std::uint64_t late = 0;  // out of order
  std::uint64_t loss_bursts = 0;
  std::uint64_t burst_lost = 0;
  std::uint64_t events = 0;  // RFC 4733
  double jitter_mean_ms = 0;
  double jitter_max_ms = 0;
  double mos = -1;            // < 0: not scored (no audio payload type with a known clock)
  std::int64_t rtt_ns = -1;   // round trip beyond the monitor (RTCP SR/RR or XR); -1: unknown
  double far_jitter_ms = -1;  // the far end's RTCP report on this stream; < 0: none or no clock
  std::int32_t far_cumulative_lost = 0;
  std::uint32_t ssrc = 0;
  std::uint32_t largest_gap = 0;
  std::uint8_t far_fraction_lost = 0;  // /256
  std::uint8_t xr_mos_cq = 0;          // RTCP XR VoIP metrics, x10 (127: unavailable)
  std::uint8_t payload_type = 0xff;    // 0xff: none but events or comfort noise
  Codec codec = Codec::unknown;
  MediaDirection direction = MediaDirection::caller_to_callee;
  bool has_far_report = false;
  bool has_xr = false;
};

class MediaStreamObserver {
 public:
  virtual ~MediaStreamObserver() = default;
  // A stream of the call whose record is `record` got its first packet.
  virtual void media_stream_started(RecordRef record) = 0;
  // That stream is finished; `stream` is valid only during the call.
  virtual void media_stream_finished(RecordRef record, const CallMediaStream& stream) = 0;
};

}  // namespace sipmon
