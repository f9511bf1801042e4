#pragma once
// `live --hep-listen`: receives HEP packets on one address over UDP and TCP (the same port, as
// Homer's collectors do) and hands each to HepIngest with its arrival time. All sockets sit
// behind one epoll descriptor, so the live command's loop waits on a single fd. Bounded: a
// fixed number of TCP connections (more are accepted and closed at once, counted), one 64 KiB
// buffer each, and a fixed number of packets per drain so that a flood cannot starve the other
// sources; what the kernel's socket buffer cannot hold meanwhile is dropped and counted by it.
// When every connection slot is taken, a new connection takes the slot of the one idle longest
// (counted as refused for that one): silent connections cannot lock senders out.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/error.h"
#include "analysis/hep_ingest.h"
#include "sources/socket_address.h"

namespace sipmon {

inline constexpr std::uint16_t kHepDefaultPort = 9060;

struct HepListenerLimits {
  std::size_t max_connections = 64;
  std::size_t packets_per_drain = 1024;
  int receive_buffer_bytes = 4 << 20;  // asked of the kernel for the UDP socket (it may cap it)
};

class HepListener {
 public:
  static Expected<std::unique_ptr<HepListener>> open(const SocketAddress& address, HepListenerLimits limits = {});
  ~HepListener();
  HepListener(const HepListener&) = delete;
  HepListener& operator=(const HepListener&) = delete;

  // Readable (level-triggered) when a datagram, a connection or stream data is waiting.
  int poll_fd() const { return epoll_fd_; }
  // Hands every complete packet available now (up to the per-drain limit) to `ingest`; never blocks.
  void drain(HepIngest& ingest);
  // Closes every socket: nothing more is received.
  void stop();

  const std::string& address() const { return address_; }
  // Datagrams the kernel dropped because the socket buffer was full (SO_RXQ_OVFL).
  std::uint64_t socket_drops() const { return socket_drops_; }

 private:
  struct Connection {
    std::vector<std::uint8_t> buffer;  // one HEP packet at most is ever incomplete
    std::size_t used = 0;
    std::int64_t last_active_ns = 0;  // monotonic: when it last sent something (or connected)
  };

  HepListener(HepListenerLimits limits, std::string address) : limits_(limits), address_(std::move(address)) {}
  std::size_t drain_udp(HepIngest& ingest, std::size_t budget);
  void accept_connections(HepIngest& ingest);
  std::size_t drain_connection(int fd, HepIngest& ingest);  // packets handed on
  void close_connection(int fd);

  HepListenerLimits limits_;
  std::string address_;
  int epoll_fd_ = -1;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  std::map<int, Connection> connections_;
  std::vector<std::uint8_t> datagram_;
  std::uint64_t socket_drops_ = 0;
};

}  // namespace sipmon
