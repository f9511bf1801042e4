#pragma once
// A captured frame as every source hands it to the engine: bytes, link type and capture time.
// Live and replay sources differ only in where these come from.
#include <cstdint>
#include <limits>

#include "analysis/bytes.h"

namespace sipmon {

// LINKTYPE_* values of the pcap/pcapng file formats (tcpdump.org/linktypes.html). Sources translate
// platform-specific DLT_* values into these before the engine sees them.
enum class LinkType : std::uint32_t {
  null_bsd = 0,  // 4-byte address family in the capturing host's byte order
  ethernet = 1,
  raw = 101,        // bare IPv4 or IPv6, version taken from the first nibble
  loop = 108,       // OpenBSD loopback: 4-byte address family in network byte order
  linux_sll = 113,  // Linux cooked capture v1 (tcpdump -i any)
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,  // Linux cooked capture v2
};

struct Frame {
  std::int64_t ts_ns = 0;       // capture time, nanoseconds since the Unix epoch
  std::uint32_t link_type = 1;  // a LinkType value; anything else is counted as unsupported
  std::uint32_t wire_len = 0;   // length on the wire; data may be shorter (snap length)
  Bytes data;                   // captured bytes, valid only for the duration of the call
};

// A frame whose capture time cannot be represented as nanoseconds since the epoch (a pcapng
// timestamp past the year 2262) carries this instead; the engine counts it as
// timestamp_out_of_range and keeps it off the clock and out of the capture's time span.
inline constexpr std::int64_t kFrameTimeUnknown = std::numeric_limits<std::int64_t>::min();

// `seconds` * 10^9 + `nanos` without signed overflow (undefined behaviour): kFrameTimeUnknown
// when the result does not fit.
constexpr std::int64_t frame_time_ns(std::int64_t seconds, std::int64_t nanos) {
  std::int64_t scaled = 0;
  std::int64_t out = 0;
  if (__builtin_mul_overflow(seconds, std::int64_t{1'000'000'000}, &scaled) ||
      __builtin_add_overflow(scaled, nanos, &out) || out == kFrameTimeUnknown) {
    return kFrameTimeUnknown;
  }
  return out;
}

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_frame(const Frame& frame) = 0;
};

}  // namespace sipmon
