#pragma once
// What the live command's event loop needs from a capture source, whichever it is (eBPF ring
// buffer or libpcap): descriptors to wait on, a way to drain everything ready, and counters.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/frame.h"
#include "analysis/ip_decoder.h"
#include "analysis/media_endpoint_observer.h"
#include "capture_event.h"

namespace sipmon {

class MediaTracker;

// Defaults shared by the command line and the kernel filter: defined once, in bpf/capture_event.h.
inline constexpr std::uint32_t kLiveDefaultSnaplen = SIPMON_DEFAULT_SNAPLEN;  // a whole 64 KiB IP packet, tags included
inline constexpr std::uint32_t kLiveDefaultBufferBytes = SIPMON_DEFAULT_RINGBUF_BYTES;  // ring buffer
inline constexpr std::size_t kLiveMaxPorts = SIPMON_MAX_PORTS;
inline constexpr std::uint16_t kLiveDefaultVxlanPort = SIPMON_DEFAULT_VXLAN_PORT;
inline constexpr std::uint32_t kLiveDefaultMediaEndpoints = SIPMON_MAX_MEDIA_ENDPOINTS;
inline constexpr std::uint32_t kLiveDefaultRtpStreams = SIPMON_MAX_RTP_STREAMS;

// The one check of --ports, for every source: 1 to kLiveMaxPorts ports, none of them 0.
inline std::optional<std::string> live_ports_error(std::span<const std::uint16_t> ports) {
  if (ports.empty() || ports.size() > kLiveMaxPorts) {
    return "--ports takes 1 to " + std::to_string(kLiveMaxPorts) + " ports";
  }
  for (std::uint16_t port : ports) {
    if (port == 0) return std::string("--ports: 0 is not a port");
  }
  return std::nullopt;
}

struct LiveSettings {
  std::vector<std::string> interfaces;
  std::vector<std::uint16_t> ports;                  // SIP ports the capture keeps (with their IP fragments)
  std::uint32_t snaplen = 0;                         // longest frame copied whole
  std::uint32_t buffer_bytes = 0;                    // ring buffer (eBPF) or kernel capture buffer (libpcap)
  std::uint16_t vxlan_port = kLiveDefaultVxlanPort;  // UDP port the eBPF filter follows into VXLAN
  bool promiscuous = false;                          // also frames addressed to other MACs (mirror ports)
  bool rtp_in_kernel = true;  // eBPF: measure RTP in the filter's stream map (false: --rtp-in-user-space)
  // The media tracker's endpoint and stream caps (MediaConfig, --max-media-*): the kernel filter's
  // media maps and the libpcap fallback's endpoint set hold as many.
  std::uint32_t max_media_endpoints = kLiveDefaultMediaEndpoints;
  std::uint32_t max_rtp_streams = kLiveDefaultRtpStreams;
};

struct LiveCounters {
  std::map<std::string, std::uint64_t> kernel;  // what the capture layer saw, by name
  std::map<std::string, std::uint64_t> drops;   // reason -> packets lost or cut short before the engine
};

class LiveSource {
 public:
  virtual ~LiveSource() = default;
  virtual const char* name() const = 0;  // "ebpf" or "pcap"
  // Readable when frames are waiting; level-triggered, for epoll.
  virtual std::vector<int> poll_fds() const = 0;
  // Hands every frame available now to `sink`; never blocks.
  virtual void drain(FrameSink& sink) = 0;
  // Stops taking packets from the interfaces; what is already buffered can still be drained.
  virtual void stop() = 0;
  virtual LiveCounters counters() const = 0;
  // Whether the source can still deliver frames. A source that ends (a finite one, as in tests)
  // or fails (failure() says why) ends the live run; what it still holds is drained first. The
  // capture sources run until stopped.
  enum class State { running, ended, failed };
  virtual State state() const { return State::running; }
  virtual std::string failure() const { return {}; }
  // Points the capture of `interface` at the index it came back with after being deleted and
  // re-created. False when this source cannot (libpcap's handle is bound for its lifetime, and
  // opening a new one needs CAP_NET_RAW, which is dropped) or the kernel refused.
  virtual bool rebind(const std::string& interface, std::uint32_t ifindex) {
    (void)interface;
    (void)ifindex;
    return false;
  }
  // The media endpoints of the calls (docs/live.md, "Media"): UDP to or from one of them is passed
  // as well as SIP. False when this source cannot (it passes only SIP ports, or everything).
  // `payloads` tells a source that measures RTP itself (the eBPF filter, issue 22) the clock
  // rates of the endpoint's payload types.
  virtual bool watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                                    const MediaEndpointPayloads& payloads) {
    (void)address;
    (void)port;
    (void)watch;
    (void)payloads;
    return false;
  }
  // Issue 22: whether RTP to the media endpoints is measured by the capture itself (the kernel
  // filter's stream map) instead of copied; then collect_rtp_streams hands the figures over.
  virtual bool measures_rtp() const { return false; }
  // Hands every stream measured so far to `tracker` (its figures replace the tracker's, which saw
  // only the copied first packets) and deletes those the tracker no longer knows.
  virtual void collect_rtp_streams(MediaTracker& tracker) { (void)tracker; }
};

}  // namespace sipmon
