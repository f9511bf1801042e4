#pragma once
// A captured frame as every source hands it to the engine: bytes, link type and capture time.
// Live and replay sources differ only in where these come from.
#include <cstdint>

#include "analysis/bytes.h"

namespace sipmon {

// LINKTYPE_* values of the pcap/pcapng file formats (tcpdump.org/linktypes.html). Sources translate
// platform-specific DLT_* values into these before the engine sees them.
enum class LinkType : std::uint32_t {
  null_bsd = 0,      // 4-byte address family in the capturing host's byte order
  ethernet = 1,
  raw = 101,         // bare IPv4 or IPv6, version taken from the first nibble
  loop = 108,        // OpenBSD loopback: 4-byte address family in network byte order
  linux_sll = 113,   // Linux cooked capture v1 (tcpdump -i any)
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,  // Linux cooked capture v2
};

struct Frame {
  std::int64_t ts_ns = 0;        // capture time, nanoseconds since the Unix epoch
  std::uint32_t link_type = 1;   // a LinkType value; anything else is counted as unsupported
  std::uint32_t wire_len = 0;    // length on the wire; data may be shorter (snap length)
  Bytes data;                    // captured bytes, valid only for the duration of the call
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_frame(const Frame& frame) = 0;
};

}  // namespace sipmon
