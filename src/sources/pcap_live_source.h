#pragma once
// The fallback when the kernel filter cannot be used: a libpcap live capture per interface with
// a classic BPF filter that keeps the SIP ports and IP fragments. libpcap's headers stay in the
// .cpp (they clash with libbpf's on struct bpf_insn).
#include <memory>
#include <string>

#include "analysis/error.h"
#include "sources/capture_error.h"
#include "sources/live_source.h"

namespace sipmon {

// The capture filter for `ports`, in pcap-filter(7) syntax; exposed for tests and docs.
std::string pcap_filter_expression(const std::vector<std::uint16_t>& ports);

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

 private:
  struct Impl;
  explicit PcapLiveSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipmon
