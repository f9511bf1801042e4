#pragma once
// The fallback when the kernel filter cannot be used: a libpcap live capture per interface with
// a classic BPF filter that keeps the SIP ports and IP fragments. libpcap's headers stay in the
// .cpp (they clash with libbpf's on struct bpf_insn).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/error.h"
#include "sources/capture_error.h"
#include "sources/live_source.h"

namespace sipmon {

// A media endpoint the engine announced (LiveSource::watch_media_endpoint).
struct PcapMediaEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  friend bool operator==(const PcapMediaEndpoint&, const PcapMediaEndpoint&) = default;
};

// More media endpoints than this and the filter keeps all UDP instead of naming each one
// (docs/live.md, "libpcap fallback"): the engine's own endpoint table does the matching then.
// Bounds the filter's size (the kernel takes at most 4096 classic BPF instructions, the libpcap
// optimiser's time grows faster than linearly) and the cost of recompiling it per change.
inline constexpr std::size_t kPcapMaxFilterEndpoints = 64;

// libpcap hands a block of packets to user space when it is full or this long after its first
// packet (TPACKET_V3's block timeout): the latency the libpcap source adds, and what stop() waits.
inline constexpr int kPcapBlockTimeoutMs = 50;

// The capture filter for `ports` and the media endpoints, in pcap-filter(7) syntax; exposed for
// tests and docs. More than `max_endpoints` endpoints: every UDP datagram is kept.
std::string pcap_filter_expression(const std::vector<std::uint16_t>& ports,
                                   const std::vector<PcapMediaEndpoint>& endpoints = {},
                                   std::size_t max_endpoints = kPcapMaxFilterEndpoints);

class PcapLiveSource final : public LiveSource {
 public:
  using OpenError = CaptureOpenError;
  static tl::expected<std::unique_ptr<PcapLiveSource>, OpenError> open(const LiveSettings& settings);

  ~PcapLiveSource() override;

  const char* name() const override { return "pcap"; }
  std::vector<int> poll_fds() const override;
  void drain(FrameSink& sink) override;
  void stop() override;
  LiveCounters counters() const override;
  // Adds or removes the endpoint; the filter is rebuilt once at the end of the drain that
  // changed it (every SDP of one wake-up in one pcap_setfilter).
  bool watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                            const MediaEndpointPayloads& payloads) override;

 private:
  struct Impl;
  explicit PcapLiveSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipmon
