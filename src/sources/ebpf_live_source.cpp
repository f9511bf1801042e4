#include "sources/ebpf_live_source.h"

#include <time.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include <bpf/bpf.h>

#include "analysis/media_tracker.h"

#include "sources/af_packet_socket.h"
#include "sources/bpf_skeleton.h"
#include "sources/capture_record.h"
#include "sources/ringbuf_reader.h"

namespace sipmon {

namespace {
constexpr std::size_t kRtpBatch = 1024;  // stream map entries per BPF_MAP_LOOKUP_BATCH
}  // namespace

struct EbpfLiveSource::Impl final : RecordSink {
  explicit Impl(BpfSkeleton loaded) : skeleton(std::move(loaded)), frame_buffer(kRecordFrameBufferSize) {}

  void on_record(Bytes record) override {
    // Ring buffer space the record took: its 8-byte header (BPF_RINGBUF_HDR_SZ) and the data,
    // rounded up to 8 bytes as the kernel reserves it.
    ++ring_records;
    ring_bytes += (record.size() + 8 + 7) & ~std::size_t{7};
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
  std::uint64_t ring_records = 0;       // records read from the ring buffer
  std::uint64_t ring_bytes = 0;         // and the ring buffer space they took
  bool rtp_in_kernel = false;
  std::size_t max_rtp_streams = SIPMON_MAX_RTP_STREAMS;  // the stream map's size
  // collect_rtp_streams' buffers, sized once: the entries to delete, the batches, the fallback walk.
  std::vector<sipmon_rtp_stream_key> stream_keys;
  std::vector<sipmon_rtp_stream_key> batch_keys = std::vector<sipmon_rtp_stream_key>(kRtpBatch);
  std::vector<sipmon_rtp_kernel_stream> batch_values = std::vector<sipmon_rtp_kernel_stream>(kRtpBatch);
  std::vector<sipmon_rtp_stream_key> walk_keys;
  bool batch_lookup = true;  // until the kernel refuses BPF_MAP_LOOKUP_BATCH
  std::uint64_t streams_read = 0;
  std::uint64_t streams_deleted = 0;
  FrameSink* sink = nullptr;  // set for the duration of drain()
};

tl::expected<std::unique_ptr<EbpfLiveSource>, EbpfLiveSource::OpenError> EbpfLiveSource::open(
    const LiveSettings& settings) {
  using Fail = tl::unexpected<OpenError>;
  auto skeleton = BpfSkeleton::load(BpfFilterSettings{.ports = settings.ports,
                                                      .snaplen = settings.snaplen,
                                                      .ringbuf_bytes = settings.buffer_bytes,
                                                      .loopback_ifindex = loopback_ifindex(),
                                                      .vxlan_port = settings.vxlan_port,
                                                      .rtp_in_kernel = settings.rtp_in_kernel,
                                                      .max_media_endpoints = settings.max_media_endpoints,
                                                      .max_rtp_streams = settings.max_rtp_streams});
  if (!skeleton) return Fail(skeleton.error());

  auto impl = std::make_unique<Impl>(std::move(*skeleton));
  impl->rtp_in_kernel = settings.rtp_in_kernel;
  impl->max_rtp_streams = settings.max_rtp_streams;
  impl->stream_keys.reserve(settings.max_rtp_streams);
  impl->walk_keys.reserve(settings.max_rtp_streams);
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

bool EbpfLiveSource::watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                                          const MediaEndpointPayloads& payloads) {
  return impl_->skeleton.watch_media_endpoint(address, port, watch, payloads);
}

bool EbpfLiveSource::measures_rtp() const { return impl_->rtp_in_kernel; }

void EbpfLiveSource::collect_rtp_streams(MediaTracker& tracker) {
  if (!impl_->rtp_in_kernel) return;
  const int fd = impl_->skeleton.rtp_streams_fd();
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto now_ns = static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  // Entries to delete are deleted after the walk: deleting while walking would restart it.
  std::vector<sipmon_rtp_stream_key>& doomed = impl_->stream_keys;
  doomed.clear();
  const auto take = [&](const sipmon_rtp_stream_key& entry, const sipmon_rtp_kernel_stream& value) {
    MeasuredRtpStream measured;
    measured.dst.family = entry.dst.family;
    std::memcpy(measured.dst.bytes.data(), entry.dst.address, 16);
    measured.dst_port = entry.dst.port;
    measured.ssrc = entry.ssrc;
    measured.stats = value.stats;
    // Kernel (CLOCK_MONOTONIC) to the frames' wall-clock times; differences (jitter) are unchanged.
    const auto offset = static_cast<__u64>(impl_->realtime_offset_ns);
    measured.stats.first_ns += offset;
    measured.stats.last_ns += offset;
    if (measured.stats.have_prev) measured.stats.prev_arrival_ns += offset;
    ++impl_->streams_read;
    if (tracker.on_measured_stream(measured)) return;
    // Unknown to the tracker: finished (retired) by it, or its first packet never reached it
    // (ring buffer full). Deleted once a second old, so that a first packet still in the ring
    // buffer is not raced; a stream still sending starts a new entry (and copy) at its next packet.
    if (now_ns - static_cast<std::int64_t>(value.stats.first_ns) > 1'000'000'000 &&
        doomed.size() < impl_->max_rtp_streams)
      doomed.push_back(entry);
  };
  // Read in batches of kRtpBatch entries (BPF_MAP_LOOKUP_BATCH, one system call each): reading
  // 10,000 streams one key and one value at a time took ~0.1 s of CPU every second here
  // (docs/performance.md). Each value is a copy as it stands (the filter may update it meanwhile;
  // the next read catches up). A kernel without batch operations gets the walk below.
  bool walked = false;
  if (impl_->batch_lookup) {
    __u32 batch = 0;
    bool first = true;
    for (;;) {
      __u32 count = kRtpBatch;
      LIBBPF_OPTS(bpf_map_batch_opts, options);
      const int result = bpf_map_lookup_batch(fd, first ? nullptr : &batch, &batch, impl_->batch_keys.data(),
                                              impl_->batch_values.data(), &count, &options);
      const int error = result < 0 ? errno : 0;
      if (result < 0 && error != ENOENT && first) {
        impl_->batch_lookup = false;  // EINVAL, ENOTSUPP...: never tried again
        break;
      }
      for (__u32 i = 0; i < count && i < kRtpBatch; ++i) take(impl_->batch_keys[i], impl_->batch_values[i]);
      first = false;
      if (result < 0) break;  // ENOENT: that was the last batch; any other error: read again next second
    }
    walked = impl_->batch_lookup;
  }
  if (!walked) {
    std::vector<sipmon_rtp_stream_key>& keys = impl_->walk_keys;
    keys.clear();
    sipmon_rtp_stream_key key{};
    const void* previous = nullptr;
    while (keys.size() < impl_->max_rtp_streams && bpf_map_get_next_key(fd, previous, &key) == 0) {
      keys.push_back(key);
      previous = &keys.back();
    }
    for (const sipmon_rtp_stream_key& entry : keys) {
      sipmon_rtp_kernel_stream value{};
      if (bpf_map_lookup_elem(fd, &entry, &value) == 0) take(entry, value);
    }
  }
  for (const sipmon_rtp_stream_key& entry : doomed) {
    if (bpf_map_delete_elem(fd, &entry) == 0) ++impl_->streams_deleted;
  }
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
  result.kernel["ring_buffer_records"] = impl_->ring_records;
  result.kernel["ring_buffer_bytes"] = impl_->ring_bytes;
  if (impl_->rtp_in_kernel) {
    result.kernel["rtp_kernel_streams_read"] = impl_->streams_read;
    result.kernel["rtp_kernel_streams_deleted"] = impl_->streams_deleted;
  }
  return result;
}

}  // namespace sipmon
