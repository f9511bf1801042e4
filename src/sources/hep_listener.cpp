#include "sources/hep_listener.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sipmon {
namespace {

// Tags in the epoll data: which kind of socket is ready (connections carry their fd).
constexpr std::uint64_t kUdpTag = 1ull << 32;
constexpr std::uint64_t kListenTag = 2ull << 32;
constexpr std::uint64_t kConnectionTag = 3ull << 32;

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool watch(int epoll_fd, int fd, std::uint64_t tag) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = tag | static_cast<std::uint32_t>(fd);
  return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

Error socket_error(const std::string& what, const std::string& address) {
  return Error{ErrorKind::usage, "--hep-listen " + address + ": " + what + ": " + std::strerror(errno)};
}

}  // namespace

Expected<std::unique_ptr<HepListener>> HepListener::open(const SocketAddress& address, HepListenerLimits limits) {
  std::unique_ptr<HepListener> listener(new HepListener(limits, address.text));
  listener->datagram_.resize(kHepMaxPacketBytes + 1);  // one more byte tells an oversized datagram
  listener->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (listener->epoll_fd_ < 0) return tl::unexpected(socket_error("epoll", address.text));

  const int one = 1;
  listener->udp_fd_ = socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener->udp_fd_ < 0) return tl::unexpected(socket_error("UDP socket", address.text));
  setsockopt(listener->udp_fd_, SOL_SOCKET, SO_RCVBUF, &limits.receive_buffer_bytes,
             sizeof limits.receive_buffer_bytes);
  setsockopt(listener->udp_fd_, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  if (bind(listener->udp_fd_, address.get(), address.length) != 0) {
    return tl::unexpected(socket_error("UDP bind", address.text));
  }

  listener->tcp_fd_ = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener->tcp_fd_ < 0) return tl::unexpected(socket_error("TCP socket", address.text));
  setsockopt(listener->tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener->tcp_fd_, address.get(), address.length) != 0) {
    return tl::unexpected(socket_error("TCP bind", address.text));
  }
  if (listen(listener->tcp_fd_, 64) != 0) return tl::unexpected(socket_error("listen", address.text));

  if (!watch(listener->epoll_fd_, listener->udp_fd_, kUdpTag) ||
      !watch(listener->epoll_fd_, listener->tcp_fd_, kListenTag)) {
    return tl::unexpected(socket_error("epoll_ctl", address.text));
  }
  return listener;
}

HepListener::~HepListener() {
  stop();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void HepListener::stop() {
  while (!connections_.empty()) close_connection(connections_.begin()->first);
  for (int* fd : {&udp_fd_, &tcp_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HepListener::drain(HepIngest& ingest) {
  epoll_event events[32];
  const int ready = epoll_wait(epoll_fd_, events, 32, 0);
  std::size_t budget = limits_.packets_per_drain;
  for (int i = 0; i < ready && budget > 0; ++i) {
    const std::uint64_t tag = events[i].data.u64 & ~0xffffffffull;
    const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffull);
    if (tag == kUdpTag)
      budget -= drain_udp(ingest, budget);
    else if (tag == kListenTag)
      accept_connections(ingest);
    else if (tag == kConnectionTag)
      budget -= std::min(budget, drain_connection(fd, ingest));
  }
}

std::size_t HepListener::drain_udp(HepIngest& ingest, std::size_t budget) {
  std::size_t done = 0;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint32_t))];
  while (done < budget && udp_fd_ >= 0) {
    iovec iov{datagram_.data(), datagram_.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(udp_fd_, &message, MSG_DONTWAIT);
    if (n < 0) break;  // EAGAIN: empty (other errors: nothing to read either)
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t drops = 0;
        std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
        socket_drops_ = drops;  // the kernel's running total for this socket
      }
    }
    // A datagram larger than any HEP packet cannot be one: the decoder refuses it by length.
    ingest.on_packet(Bytes(datagram_.data(), static_cast<std::size_t>(n)), wall_clock_ns());
    ++done;
  }
  return done;
}

void HepListener::accept_connections(HepIngest& ingest) {
  while (tcp_fd_ >= 0) {
    const int fd = accept4(tcp_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (connections_.size() >= limits_.max_connections && !connections_.empty()) {
      // Full: the connection idle longest gives its slot up (a scan of at most 64).
      auto idlest = connections_.begin();
      for (auto it = connections_.begin(); it != connections_.end(); ++it) {
        if (it->second.last_active_ns < idlest->second.last_active_ns) idlest = it;
      }
      close_connection(idlest->first);
      ingest.count_connection(false);
    }
    if (connections_.size() >= limits_.max_connections || !watch(epoll_fd_, fd, kConnectionTag)) {
      ::close(fd);
      ingest.count_connection(false);
      continue;
    }
    Connection& connection = connections_[fd];
    connection.buffer.resize(kHepMaxPacketBytes);
    connection.last_active_ns = monotonic_ns();
    ingest.count_connection(true);
  }
}

std::size_t HepListener::drain_connection(int fd, HepIngest& ingest) {
  const auto found = connections_.find(fd);
  if (found == connections_.end()) return 0;
  Connection& c = found->second;
  std::size_t done = 0;
  // One read per drain: a busy connection cannot keep the loop to itself (level-triggered epoll
  // brings it back).
  const ssize_t n = ::read(fd, c.buffer.data() + c.used, c.buffer.size() - c.used);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close_connection(fd);  // a packet cut short by the close is lost with the connection
    return 0;
  }
  if (n < 0) return 0;
  c.used += static_cast<std::size_t>(n);
  c.last_active_ns = monotonic_ns();
  std::size_t start = 0;
  // Every complete packet in the buffer is handed on now, whatever the drain's budget: epoll would
  // not report them again (it watches the socket, not this buffer). At most 64 KiB of them.
  while (true) {
    const Bytes rest(c.buffer.data() + start, c.used - start);
    const std::int64_t length = hep_stream_packet_length(rest);
    if (length < 0) {
      // Not HEPv3 (or a corrupt length): no way to find the next packet boundary.
      ingest.count_error(HepError::stream_unframed);
      close_connection(fd);
      return done;
    }
    if (length == 0 || static_cast<std::size_t>(length) > rest.size()) break;
    ingest.on_packet(rest.first(static_cast<std::size_t>(length)), wall_clock_ns());
    start += static_cast<std::size_t>(length);
    ++done;
  }
  // Keep the incomplete packet at the start of the buffer; it fits, being at most 64 KiB.
  if (start != 0) {
    std::memmove(c.buffer.data(), c.buffer.data() + start, c.used - start);
    c.used -= start;
  }
  return done;
}

void HepListener::close_connection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  connections_.erase(fd);
}

}  // namespace sipmon
