#pragma once
// The media endpoints the SDP of the calls announced, for a capture that must let their RTP and
// RTCP through (live: the kernel filter's media map, docs/live.md "Media"). The media tracker
// tells it of each endpoint it adds to its table and of each it removes (replaced by a new offer
// or answer of the same side, freed with its call after the call ended, or evicted from the full
// table), so the set it is told of is never larger than twice MediaConfig::max_endpoints (an
// entry holds an RTP port and the RTCP port next to it; each port is told). Called in the
// engine's thread, per SIP message or packet-time step (a call freed), never per RTP packet.
#include <array>
#include <cstdint>

#include "analysis/ip_decoder.h"

namespace sipmon {

// What arrives at an endpoint and the clock rate of each payload type its SDP mapped (0 for RFC
// 4733 events), for a capture that measures RTP itself (the kernel filter, issue 22).
struct MediaEndpointPayloads {
  static constexpr std::size_t kMaxMaps = 8;
  std::array<std::uint8_t, kMaxMaps> payload_types{};
  std::array<std::uint32_t, kMaxMaps> clock_rates{};
  std::uint8_t count = 0;
  bool rtp = true;
  bool rtcp = false;
  friend bool operator==(const MediaEndpointPayloads&, const MediaEndpointPayloads&) = default;
};

class MediaEndpointObserver {
 public:
  virtual ~MediaEndpointObserver() = default;
  // Called again, with the new payloads, when a later SDP changes an endpoint's payloads.
  virtual void media_endpoint_added(const IpAddress& address, std::uint16_t port,
                                    const MediaEndpointPayloads& payloads) = 0;
  virtual void media_endpoint_removed(const IpAddress& address, std::uint16_t port) = 0;
};

}  // namespace sipmon
