#pragma once
// A packet socket on one interface with the kernel filter attached before it is bound: an
// unbound socket with protocol 0 receives nothing, so no unfiltered packet is ever queued.
// The filter returns 0 for every packet, so nothing is queued afterwards either; the socket only
// exists to run the filter on the interface's traffic.
#include <cstdint>
#include <string>

#include "analysis/error.h"
#include "sources/capture_error.h"

namespace sipmon {

class AfPacketSocket {
 public:
  using OpenError = CaptureOpenError;
  // `promiscuous`: the interface also receives frames addressed to other MACs (a mirror port), for
  // as long as this socket lives (a packet-socket membership: the kernel drops it on close).
  static tl::expected<AfPacketSocket, OpenError> open(const std::string& interface, int program_fd,
                                                      bool promiscuous = false);

  AfPacketSocket(AfPacketSocket&& other) noexcept;
  AfPacketSocket& operator=(AfPacketSocket&& other) noexcept;
  AfPacketSocket(const AfPacketSocket&) = delete;
  AfPacketSocket& operator=(const AfPacketSocket&) = delete;
  ~AfPacketSocket();

  int fd() const { return fd_; }
  std::uint32_t ifindex() const { return ifindex_; }
  // Binds the socket again, to the index a deleted and re-created interface came back with.
  // The kernel unbinds a packet socket whose device is unregistered but keeps the socket and its
  // filter; bind() on a packet socket checks no capability, so this works after every privilege
  // was dropped (docs/live.md, "Interfaces that go away"). False with errno set on failure.
  bool rebind(std::uint32_t ifindex);
  // Closes the socket: the filter stops running for this interface.
  void close();

 private:
  AfPacketSocket(int fd, std::uint32_t ifindex) : fd_(fd), ifindex_(ifindex) {}
  bool join_promiscuous(std::uint32_t ifindex);
  int fd_ = -1;
  std::uint32_t ifindex_ = 0;
  bool promiscuous_ = false;
};

// The index of the loopback interface in this network namespace, 0 when there is none.
std::uint32_t loopback_ifindex();

}  // namespace sipmon
