#pragma once
// Notices capture interfaces being deleted and re-created: a netlink socket subscribed to the
// kernel's link notifications (RTMGRP_LINK), opened during set-up, read from the event loop.
// Subscribing needs no capability; reading needs nothing the steady-state seccomp list lacks.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/error.h"

namespace sipmon {

struct LinkChange {
  std::string interface;  // one of the watched names
  std::uint32_t ifindex = 0;
  bool present = false;  // false: RTM_DELLINK (the interface is gone)
};

class InterfaceWatch {
 public:
  static Expected<InterfaceWatch> open(std::vector<std::string> interfaces);

  InterfaceWatch(InterfaceWatch&& other) noexcept;
  InterfaceWatch& operator=(InterfaceWatch&&) = delete;
  InterfaceWatch(const InterfaceWatch&) = delete;
  InterfaceWatch& operator=(const InterfaceWatch&) = delete;
  ~InterfaceWatch();

  int fd() const { return fd_; }
  // Every change to a watched interface queued since the last call; never blocks. A lost
  // notification (ENOBUFS: the socket's queue overflowed) is reported as `overflowed`, and the
  // caller then checks each interface by name.
  std::vector<LinkChange> read_changes(bool& overflowed);

 private:
  InterfaceWatch(int fd, std::vector<std::string> interfaces) : fd_(fd), interfaces_(std::move(interfaces)) {}
  int fd_ = -1;
  std::vector<std::string> interfaces_;
};

}  // namespace sipmon
