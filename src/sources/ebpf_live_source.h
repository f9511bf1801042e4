#pragma once
// Live capture through the kernel filter: one BPF program shared by a packet socket per
// interface, one ring buffer, records turned into Frames for the engine.
#include <memory>

#include "analysis/error.h"
#include "sources/capture_error.h"
#include "sources/live_source.h"

namespace sipmon {

class EbpfLiveSource final : public LiveSource {
 public:
  using OpenError = CaptureOpenError;
  static tl::expected<std::unique_ptr<EbpfLiveSource>, OpenError> open(const LiveSettings& settings);

  ~EbpfLiveSource() override;

  const char* name() const override { return "ebpf"; }
  std::vector<int> poll_fds() const override;
  void drain(FrameSink& sink) override;
  void stop() override;
  LiveCounters counters() const override;
  bool rebind(const std::string& interface, std::uint32_t ifindex) override;
  bool watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                            const MediaEndpointPayloads& payloads) override;
  bool measures_rtp() const override;
  void collect_rtp_streams(MediaTracker& tracker) override;

 private:
  struct Impl;
  explicit EbpfLiveSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipmon
