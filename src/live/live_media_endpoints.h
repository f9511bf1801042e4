#pragma once
// The media endpoints the engine learns from SDP, passed on to the capture source so that it lets
// their RTP and RTCP through (the eBPF filter's media map; docs/live.md, "Media"). The engine
// calls it in the live loop's thread, per SIP message that changes an endpoint.
#include <cstdint>

#include "analysis/media_endpoint_observer.h"
#include "sources/live_source.h"

namespace sipmon {

class LiveMediaEndpoints final : public MediaEndpointObserver {
 public:
  explicit LiveMediaEndpoints(LiveSource& source) : source_(source) {}

  void media_endpoint_added(const IpAddress& address, std::uint16_t port,
                            const MediaEndpointPayloads& payloads) override {
    if (!source_.watch_media_endpoint(address, port, true, payloads)) ++refused_;
  }
  void media_endpoint_removed(const IpAddress& address, std::uint16_t port) override {
    source_.watch_media_endpoint(address, port, false, MediaEndpointPayloads{});
  }
  // Endpoints the source could not watch (a source without a media map refuses them all).
  std::uint64_t refused() const { return refused_; }

 private:
  LiveSource& source_;
  std::uint64_t refused_ = 0;
};

}  // namespace sipmon
