#pragma once
// The media endpoints the SDP of the calls announced, for a capture that must let their RTP and
// RTCP through (live: the kernel filter's media map, docs/live.md "Media"). The media tracker
// tells it of each endpoint it adds to its table and of each it removes (replaced by a new offer
// or answer of the same side, or evicted from the full table), so the set it is told of is never
// larger than MediaConfig::max_endpoints. Called in the engine's thread, per SIP message, never
// per packet.
#include <cstdint>

#include "analysis/ip_decoder.h"

namespace sipmon {

class MediaEndpointObserver {
 public:
  virtual ~MediaEndpointObserver() = default;
  virtual void media_endpoint_added(const IpAddress& address, std::uint16_t port) = 0;
  virtual void media_endpoint_removed(const IpAddress& address, std::uint16_t port) = 0;
};

}  // namespace sipmon
