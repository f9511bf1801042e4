#include "sources/bpf_skeleton.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "analysis/media_codec.h"
#include "analysis/media_tracker.h"
#include "analysis/packet_decoder.h"
#include "bpf/sipmon.skel.h"
#include "sources/live_source.h"

namespace sipmon {

// The filter follows what the replay decoder follows, with the same limits (docs/live.md).
static_assert(DecoderLimits{}.max_tunnel_depth == SIPMON_MAX_TUNNEL_DEPTH);
static_assert(DecoderLimits{}.vxlan_port == SIPMON_DEFAULT_VXLAN_PORT);
static_assert(kGtpUserPort == SIPMON_GTPU_PORT);
// By default the media maps hold every endpoint port and stream the media tracker can hold (live
// sizes them to the tracker's caps when these are changed): a tracker entry holds two ports.
static_assert(2 * MediaConfig{}.max_endpoints == SIPMON_MAX_MEDIA_ENDPOINTS);
static_assert(MediaConfig{}.max_streams == SIPMON_MAX_RTP_STREAMS);

namespace {

using LoadError = BpfSkeleton::LoadError;

bool is_power_of_two(std::uint32_t value) { return value != 0 && (value & (value - 1)) == 0; }

// libbpf narrates every failure (and the verifier log) on stderr. sipmon reports failures in one
// line of its own; SIPMON_DEBUG_BPF=1 brings libbpf's account back for diagnosis.
int libbpf_log(enum libbpf_print_level level, const char* format, va_list args) {
  static const bool debug = std::getenv("SIPMON_DEBUG_BPF") != nullptr;
  if (!debug || level == LIBBPF_DEBUG) return 0;
  return std::vfprintf(stderr, format, args);
}

}  // namespace

tl::expected<BpfSkeleton, LoadError> BpfSkeleton::load(const BpfFilterSettings& settings) {
  if (auto error = live_ports_error(settings.ports)) return capture_open_failed(ErrorKind::usage, std::move(*error));
  if (settings.vxlan_port == 0) return capture_open_failed(ErrorKind::usage, "--vxlan-port: 0 is not a port");
  if (settings.snaplen < 64 || settings.snaplen > SIPMON_MAX_SNAPLEN) {
    return capture_open_failed(ErrorKind::usage,
                               "--snaplen must be between 64 and " + std::to_string(SIPMON_MAX_SNAPLEN));
  }
  const auto page = static_cast<std::uint32_t>(sysconf(_SC_PAGESIZE));
  if (!is_power_of_two(settings.ringbuf_bytes) || settings.ringbuf_bytes < page) {
    return capture_open_failed(ErrorKind::usage,
                               "--ringbuf-size must be a power of two of at least " + std::to_string(page) + " bytes");
  }
  libbpf_set_print(libbpf_log);
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return capture_open_failed(ErrorKind::input, "cannot count the possible CPUs");

  sipmon_bpf* skeleton = sipmon_bpf__open();
  if (skeleton == nullptr) {
    return capture_open_failed(ErrorKind::input, std::string("cannot open the BPF program: ") + std::strerror(errno));
  }
  BpfSkeleton owner(skeleton);  // closes it on every early return

  for (std::size_t i = 0; i < settings.ports.size(); ++i) skeleton->rodata->sip_ports[i] = settings.ports[i];
  skeleton->rodata->port_count = static_cast<__u32>(settings.ports.size());
  skeleton->rodata->snaplen = settings.snaplen;
  skeleton->rodata->loopback_ifindex = settings.loopback_ifindex;
  skeleton->rodata->vxlan_port = settings.vxlan_port;
  skeleton->rodata->rtp_in_kernel = settings.rtp_in_kernel ? 1 : 0;
  if (settings.max_media_endpoints == 0 || settings.max_rtp_streams == 0)
    return capture_open_failed(ErrorKind::usage, "the media maps need room for at least one entry");
  if (bpf_map__set_max_entries(skeleton->maps.events, settings.ringbuf_bytes) != 0 ||
      bpf_map__set_max_entries(skeleton->maps.scratch, static_cast<__u32>(cpus)) != 0 ||
      bpf_map__set_max_entries(skeleton->maps.media_endpoints, settings.max_media_endpoints) != 0 ||
      bpf_map__set_max_entries(skeleton->maps.rtp_streams, settings.max_rtp_streams) != 0) {
    return capture_open_failed(ErrorKind::input, "cannot size the BPF maps");
  }

  if (int err = sipmon_bpf__load(skeleton); err != 0) {
    const int error_number = -err;
    const bool permission = error_number == EPERM || error_number == EACCES;
    return capture_open_failed(
        ErrorKind::input,
        std::string("cannot load the BPF program: ") + std::strerror(error_number) +
            (permission || std::getenv("SIPMON_DEBUG_BPF") ? "" : " (SIPMON_DEBUG_BPF=1 shows libbpf's log)"),
        permission);
  }
  return owner;
}

BpfSkeleton::BpfSkeleton(BpfSkeleton&& other) noexcept : skeleton_(std::exchange(other.skeleton_, nullptr)) {}

BpfSkeleton& BpfSkeleton::operator=(BpfSkeleton&& other) noexcept {
  if (this != &other) {
    if (skeleton_ != nullptr) sipmon_bpf__destroy(skeleton_);
    skeleton_ = std::exchange(other.skeleton_, nullptr);
  }
  return *this;
}

BpfSkeleton::~BpfSkeleton() {
  if (skeleton_ != nullptr) sipmon_bpf__destroy(skeleton_);
}

int BpfSkeleton::program_fd() const { return bpf_program__fd(skeleton_->progs.sipmon_filter); }

int BpfSkeleton::events_fd() const { return bpf_map__fd(skeleton_->maps.events); }

bool BpfSkeleton::watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                                       const MediaEndpointPayloads& payloads) {
  sipmon_media_endpoint key{};
  std::memcpy(key.address, address.bytes.data(), address.family == 6 ? 16 : 4);
  key.port = port;
  key.family = address.family;
  const int fd = bpf_map__fd(skeleton_->maps.media_endpoints);
  if (!watch) return bpf_map_delete_elem(fd, &key) == 0;
  sipmon_media_endpoint_value value{};
  static_assert(MediaEndpointPayloads::kMaxMaps == SIPMON_MEDIA_PAYLOAD_MAPS);
  // The media tracker's choice per payload type: RFC 3551's table, then the endpoint's rtpmap.
  for (std::uint32_t pt = 0; pt < 128; ++pt) {
    const CodecInfo info = static_payload_type(static_cast<std::uint8_t>(pt));
    value.clock_rates[pt] = info.codec == Codec::telephone_event ? 0 : info.clock_rate;
  }
  for (std::size_t i = 0; i < payloads.count && i < SIPMON_MEDIA_PAYLOAD_MAPS; ++i)
    value.clock_rates[payloads.payload_types[i] & 0x7f] = payloads.clock_rates[i];
  value.flags =
      static_cast<__u8>((payloads.rtp ? SIPMON_ENDPOINT_RTP : 0) | (payloads.rtcp ? SIPMON_ENDPOINT_RTCP : 0));
  return bpf_map_update_elem(fd, &key, &value, BPF_ANY) == 0;
}

int BpfSkeleton::rtp_streams_fd() const { return bpf_map__fd(skeleton_->maps.rtp_streams); }

KernelCounters BpfSkeleton::counters() const {
  KernelCounters totals{};
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return totals;
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  const int fd = bpf_map__fd(skeleton_->maps.counters);
  for (std::uint32_t index = 0; index < SIPMON_COUNTER_COUNT; ++index) {
    if (bpf_map_lookup_elem(fd, &index, per_cpu.data()) != 0) continue;
    for (std::uint64_t value : per_cpu) totals[index] += value;
  }
  return totals;
}

}  // namespace sipmon
