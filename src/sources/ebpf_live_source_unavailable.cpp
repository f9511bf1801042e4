// EbpfLiveSource in a build configured with -DSIPMON_WITH_EBPF=OFF (no clang BPF target, bpftool
// or libbpf on the build machine): opening always fails with a message that says why, so
// `live --source auto` falls back to libpcap with a warning and `--source ebpf` exits 2. No
// instance is ever made, so the other members are never called.
#include "sources/ebpf_live_source.h"

namespace sipmon {

struct EbpfLiveSource::Impl {};

tl::expected<std::unique_ptr<EbpfLiveSource>, EbpfLiveSource::OpenError> EbpfLiveSource::open(const LiveSettings&) {
  // Not `usage`: the user asked for nothing wrong, and `auto` must still fall back to libpcap.
  return capture_open_failed(ErrorKind::input,
                             "this sipmon was built without eBPF capture (SIPMON_WITH_EBPF=OFF); use --source pcap");
}

EbpfLiveSource::EbpfLiveSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EbpfLiveSource::~EbpfLiveSource() = default;
std::vector<int> EbpfLiveSource::poll_fds() const { return {}; }
void EbpfLiveSource::drain(FrameSink&) {}
void EbpfLiveSource::stop() {}
LiveCounters EbpfLiveSource::counters() const { return {}; }
bool EbpfLiveSource::rebind(const std::string&, std::uint32_t) { return false; }
bool EbpfLiveSource::watch_media_endpoint(const IpAddress&, std::uint16_t, bool, const MediaEndpointPayloads&) {
  return false;
}
bool EbpfLiveSource::measures_rtp() const { return false; }
void EbpfLiveSource::collect_rtp_streams(MediaTracker&) {}

}  // namespace sipmon
