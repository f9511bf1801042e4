#include "sources/ebpf_live_source.h"

#include <optional>
#include <vector>

#include "sources/af_packet_socket.h"
#include "sources/bpf_skeleton.h"
#include "sources/capture_record.h"
#include "sources/ringbuf_reader.h"

namespace sipmon {

struct EbpfLiveSource::Impl final : RecordSink {
  explicit Impl(BpfSkeleton loaded) : skeleton(std::move(loaded)), frame_buffer(kRecordFrameBufferSize) {}

  void on_record(Bytes record) override {
    Frame frame;
    if (!record_to_frame(record, realtime_offset_ns, frame_buffer, frame)) {
      ++malformed_records;
      return;
    }
    sink->on_frame(frame);
  }

  BpfSkeleton skeleton;
  std::vector<AfPacketSocket> sockets;
  std::vector<std::string> interfaces;  // sockets[i] captures interfaces[i]
  std::optional<RingbufReader> reader;
  std::vector<std::uint8_t> frame_buffer;  // sized once: re-inserting a VLAN tag allocates nothing
  std::int64_t realtime_offset_ns = monotonic_to_realtime_offset_ns();
  std::uint64_t malformed_records = 0;  // never expected: the kernel side writes every record whole
  FrameSink* sink = nullptr;            // set for the duration of drain()
};

tl::expected<std::unique_ptr<EbpfLiveSource>, EbpfLiveSource::OpenError> EbpfLiveSource::open(
    const LiveSettings& settings) {
  using Fail = tl::unexpected<OpenError>;
  auto skeleton = BpfSkeleton::load(BpfFilterSettings{.ports = settings.ports,
                                                      .snaplen = settings.snaplen,
                                                      .ringbuf_bytes = settings.buffer_bytes,
                                                      .loopback_ifindex = loopback_ifindex(),
                                                      .vxlan_port = settings.vxlan_port});
  if (!skeleton) return Fail(skeleton.error());

  auto impl = std::make_unique<Impl>(std::move(*skeleton));
  auto reader = RingbufReader::open(impl->skeleton.events_fd(), *impl);
  if (!reader) return Fail(OpenError{reader.error(), false});
  impl->reader.emplace(std::move(*reader));

  for (const std::string& interface : settings.interfaces) {
    auto socket = AfPacketSocket::open(interface, impl->skeleton.program_fd(), settings.promiscuous);
    if (!socket) return Fail(socket.error());
    impl->sockets.push_back(std::move(*socket));
    impl->interfaces.push_back(interface);
  }
  return std::unique_ptr<EbpfLiveSource>(new EbpfLiveSource(std::move(impl)));
}

EbpfLiveSource::EbpfLiveSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EbpfLiveSource::~EbpfLiveSource() = default;

std::vector<int> EbpfLiveSource::poll_fds() const { return {impl_->reader->epoll_fd()}; }

void EbpfLiveSource::drain(FrameSink& sink) {
  impl_->sink = &sink;
  impl_->reader->consume();
  impl_->sink = nullptr;
}

void EbpfLiveSource::stop() {
  for (AfPacketSocket& socket : impl_->sockets) socket.close();
}

bool EbpfLiveSource::watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch) {
  return impl_->skeleton.watch_media_endpoint(address, port, watch);
}

bool EbpfLiveSource::rebind(const std::string& interface, std::uint32_t ifindex) {
  for (std::size_t i = 0; i < impl_->sockets.size(); ++i) {
    if (impl_->interfaces[i] == interface) return impl_->sockets[i].rebind(ifindex);
  }
  return false;
}

LiveCounters EbpfLiveSource::counters() const {
  const KernelCounters kernel = impl_->skeleton.counters();
  LiveCounters result;
  for (std::size_t i = 0; i < kernel.size(); ++i) result.kernel[std::string(kKernelCounterNames[i])] = kernel[i];
  result.drops["ring_buffer_full"] = kernel[SIPMON_COUNTER_RINGBUF_FULL];
  result.drops["truncated"] = kernel[SIPMON_COUNTER_TRUNCATED];
  result.drops["load_failed"] = kernel[SIPMON_COUNTER_LOAD_FAILED];
  // Not judged at all (a header past the frame's end): maybe SIP, certainly not seen by the engine.
  result.drops["headers_unreadable"] = kernel[SIPMON_COUNTER_HEADERS_UNREADABLE];
  result.drops["malformed_record"] = impl_->malformed_records;
  return result;
}

}  // namespace sipmon
