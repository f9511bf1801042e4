#include "sources/pcap_live_source.h"

#include "analysis/bounded_table.h"
#include "analysis/media_endpoint_key.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <pcap/pcap.h>

namespace sipmon {
namespace {

// One capture handle and its running totals (pcap_stats are read at the end as well as on demand).
struct Handle {
  pcap_t* pcap = nullptr;
  std::string interface;
  std::uint32_t link_type = 0;
  bool stopped = false;
  pcap_stat last_stats{};
};

struct DispatchContext {
  FrameSink* sink;
  std::uint32_t link_type;
};

void on_packet(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  const auto* context = reinterpret_cast<const DispatchContext*>(user);
  // PCAP_TSTAMP_PRECISION_NANO was requested: tv_usec holds nanoseconds.
  const Frame frame{.ts_ns = static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec,
                    .link_type = context->link_type,
                    .wire_len = header->len,
                    .data = Bytes(bytes, header->caplen)};
  context->sink->on_frame(frame);
}

bool permission_error(int status) { return status == PCAP_ERROR_PERM_DENIED; }

}  // namespace

std::string pcap_filter_expression(const std::vector<std::uint16_t>& ports,
                                   const std::vector<PcapMediaEndpoint>& endpoints, std::size_t max_endpoints) {
  // First fragments carry the ports ("udp port" checks them only at fragment offset 0); later
  // IPv4 fragments and IPv6 fragment headers are kept whatever their datagram, since classic BPF
  // cannot remember which datagrams matched. "vlan and (...)" catches a tag left in the frame
  // (QinQ inner tags): Linux strips the outer one before the filter runs.
  std::string ports_part;
  for (std::uint16_t port : ports) {
    if (!ports_part.empty()) ports_part += " or ";
    ports_part += "udp port " + std::to_string(port) + " or tcp port " + std::to_string(port);
  }
  // Media: "host A and udp port P" per endpoint, a superset of "to or from A:P" (the engine's
  // endpoint table decides exactly); past the bound, all UDP.
  std::string media_part;
  if (endpoints.size() > max_endpoints) {
    media_part = " or udp";
  } else {
    for (const PcapMediaEndpoint& endpoint : endpoints) {
      char text[INET6_ADDRSTRLEN] = {};
      if (inet_ntop(endpoint.address.family == 6 ? AF_INET6 : AF_INET, endpoint.address.bytes.data(), text,
                    sizeof text) == nullptr)
        continue;
      media_part += std::string(" or (") + (endpoint.address.family == 6 ? "ip6" : "ip") + " host " + text +
                    " and udp port " + std::to_string(endpoint.port) + ")";
    }
  }
  const std::string keep = ports_part + media_part + " or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)";
  return "(" + keep + ") or (vlan and (" + keep + "))";
}

struct PcapLiveSource::Impl {
  explicit Impl(std::size_t max_endpoints) : endpoints(max_endpoints) {}
  ~Impl() {
    for (Handle& handle : handles)
      if (handle.pcap != nullptr) pcap_close(handle.pcap);
  }
  // Compiles `expression` for each handle and makes it the capture filter; false (with `error`)
  // when one of them refuses, which then keeps its previous filter.
  bool set_filter(const std::string& expression, std::string& error) {
    for (Handle& handle : handles) {
      bpf_program program{};
      if (pcap_compile(handle.pcap, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = "cannot compile the capture filter: " + std::string(pcap_geterr(handle.pcap));
        return false;
      }
      const int set = pcap_setfilter(handle.pcap, &program);
      pcap_freecode(&program);
      if (set != 0) {
        error = "cannot set the capture filter on " + handle.interface + ": " + pcap_geterr(handle.pcap);
        return false;
      }
    }
    return true;
  }
  std::vector<Handle> handles;
  std::vector<std::uint16_t> ports;
  // The endpoints the engine announced, kept for their count only (the filter keeps all UDP): a
  // set, since an endpoint is announced again when its payloads change. As many as the kernel
  // filter's media map, which is the media tracker's endpoint table (the observer is never told
  // of more); inserted in O(1), where a list searched per SDP took 45 % of the capture thread's
  // time at 2 000 calls/s (docs/performance.md, "Live ceiling").
  struct Watched {};
  BoundedTable<Watched> endpoints;
};

tl::expected<std::unique_ptr<PcapLiveSource>, PcapLiveSource::OpenError> PcapLiveSource::open(
    const LiveSettings& settings) {
  auto impl = std::make_unique<Impl>(settings.max_media_endpoints);
  impl->ports = settings.ports;
  for (const std::string& interface : settings.interfaces) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pcap = pcap_create(interface.c_str(), errbuf);
    if (pcap == nullptr) return capture_open_failed(ErrorKind::input, interface + ": " + errbuf);
    impl->handles.push_back(Handle{.pcap = pcap, .interface = interface});
    pcap_set_snaplen(pcap, static_cast<int>(settings.snaplen));
    pcap_set_promisc(pcap, settings.promiscuous ? 1 : 0);  // --promiscuous: a mirror port's frames to other MACs
    // Not immediate mode: libpcap then uses a TPACKET_V2 ring of fixed-size slots, each as large
    // as the snap length (an interface with offloads allows 64 KiB+ frames), so the default 8 MiB
    // held 64 packets and a capture thread that waited 20 ms for a CPU lost SIP (socket_drops).
    // Without it, TPACKET_V3 packs packets of their own size into blocks that the kernel hands
    // over when full or kPcapBlockTimeoutMs after their first packet: 8 MiB hold ~15 000 SIP
    // packets, at most that much later.
    pcap_set_immediate_mode(pcap, 0);
    pcap_set_timeout(pcap, kPcapBlockTimeoutMs);
    pcap_set_buffer_size(pcap, static_cast<int>(settings.buffer_bytes));
    pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO);
    if (const int status = pcap_activate(pcap); status < 0) {
      const std::string detail = status == PCAP_ERROR ? pcap_geterr(pcap) : pcap_statustostr(status);
      return capture_open_failed(ErrorKind::input, "cannot capture on " + interface + ": " + detail,
                                 permission_error(status));
    }
    if (pcap_setnonblock(pcap, 1, errbuf) != 0) return capture_open_failed(ErrorKind::input, interface + ": " + errbuf);
    impl->handles.back().link_type = static_cast<std::uint32_t>(pcap_datalink(pcap));
  }
  // All UDP from the start, never a filter swapped on the running capture: libpcap's
  // pcap_setfilter on Linux installs a reject-all filter and drains the socket before the new one,
  // so every update lost the SIP packets arriving in that window (3 of 2 400 in
  // live_loopback_test at two updates). The engine's endpoint table matches media exactly.
  // (Past the endpoint bound the expression keeps all UDP, inside both halves: "vlan" shifts the
  // offsets of everything after it, so "udp" cannot simply be appended.)
  const std::string expression = pcap_filter_expression(impl->ports, {PcapMediaEndpoint{}}, 0);
  if (std::string error; !impl->set_filter(expression, error)) return capture_open_failed(ErrorKind::input, error);
  return std::unique_ptr<PcapLiveSource>(new PcapLiveSource(std::move(impl)));
}

PcapLiveSource::PcapLiveSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapLiveSource::~PcapLiveSource() = default;

std::vector<int> PcapLiveSource::poll_fds() const {
  std::vector<int> fds;
  for (const Handle& handle : impl_->handles) fds.push_back(pcap_get_selectable_fd(handle.pcap));
  return fds;
}

void PcapLiveSource::drain(FrameSink& sink) {
  for (Handle& handle : impl_->handles) {
    // DLT values of the link types sipmon decodes equal their LINKTYPE values on Linux.
    DispatchContext context{&sink, handle.link_type};
    // Non-blocking: returns 0 once the kernel buffer is empty. Bounded so that one busy
    // interface cannot starve the others.
    for (int round = 0; round < 64; ++round) {
      if (pcap_dispatch(handle.pcap, -1, on_packet, reinterpret_cast<u_char*>(&context)) <= 0) break;
    }
  }
}

bool PcapLiveSource::watch_media_endpoint(const IpAddress& address, std::uint16_t port, bool watch,
                                          const MediaEndpointPayloads&) {
  const CallKey key = media_endpoint_key(address, port);
  const auto found = impl_->endpoints.find(key);
  if (watch && found == BoundedTable<Impl::Watched>::kNone) {
    impl_->endpoints.insert(key, [](auto) {});  // full only if the engine broke its bound: then the oldest goes
  } else if (!watch && found != BoundedTable<Impl::Watched>::kNone) {
    impl_->endpoints.erase(found);
  }
  return true;
}

void PcapLiveSource::stop() {
  // The block being filled reaches user space when its timeout retires it: wait that long, so
  // that the final drain sees every packet captured up to the stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(kPcapBlockTimeoutMs + 10));
  for (Handle& handle : impl_->handles) {
    if (handle.stopped) continue;
    pcap_stats(handle.pcap, &handle.last_stats);
    handle.stopped = true;
  }
}

LiveCounters PcapLiveSource::counters() const {
  LiveCounters result;
  std::uint64_t received = 0, dropped = 0, interface_dropped = 0;
  for (Handle& handle : impl_->handles) {
    if (!handle.stopped) pcap_stats(handle.pcap, &handle.last_stats);
    received += handle.last_stats.ps_recv;
    dropped += handle.last_stats.ps_drop;
    interface_dropped += handle.last_stats.ps_ifdrop;
  }
  result.kernel["received"] = received;
  // The filter is set once, at open, with all UDP (open()); the keys stay for dashboards and
  // scripts that read them.
  result.kernel["filter_updates"] = 0;
  result.kernel["filter_update_failures"] = 0;
  result.kernel["filter_media_endpoints"] = impl_->endpoints.size();
  result.kernel["filter_all_udp"] = 1;
  result.drops["socket_drops"] = dropped;
  result.drops["interface_drops"] = interface_dropped;
  return result;
}

}  // namespace sipmon
