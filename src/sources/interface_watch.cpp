#include "sources/interface_watch.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sipmon {

Expected<InterfaceWatch> InterfaceWatch::open(std::vector<std::string> interfaces) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return make_error(ErrorKind::io, std::string("cannot open a netlink socket: ") + std::strerror(errno));
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    ::close(fd);
    return make_error(ErrorKind::io, std::string("cannot subscribe to link changes: ") + std::strerror(error));
  }
  return InterfaceWatch(fd, std::move(interfaces));
}

InterfaceWatch::InterfaceWatch(InterfaceWatch&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), interfaces_(std::move(other.interfaces_)) {}

InterfaceWatch::~InterfaceWatch() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<LinkChange> InterfaceWatch::read_changes(bool& overflowed) {
  std::vector<LinkChange> changes;
  overflowed = false;
  alignas(nlmsghdr) char buffer[16384];
  for (;;) {
    const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == ENOBUFS) {
        overflowed = true;
        continue;
      }
      break;  // EAGAIN: all read
    }
    auto remaining = static_cast<unsigned>(got);
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
         header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK) continue;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
      const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(header));
      // IFLA_PAYLOAD is computed in size_t; a netlink message length fits in 32 bits.
      auto attributes_length = static_cast<unsigned>(IFLA_PAYLOAD(header));
      for (auto* attribute = IFLA_RTA(info); RTA_OK(attribute, attributes_length);
           attribute = RTA_NEXT(attribute, attributes_length)) {
        if (attribute->rta_type != IFLA_IFNAME) continue;
        const char* name = static_cast<const char*>(RTA_DATA(attribute));
        const std::string found(name, ::strnlen(name, RTA_PAYLOAD(attribute)));
        for (const std::string& watched : interfaces_) {
          if (watched == found) {
            changes.push_back(
                LinkChange{found, static_cast<std::uint32_t>(info->ifi_index), header->nlmsg_type == RTM_NEWLINK});
          }
        }
      }
    }
  }
  return changes;
}

}  // namespace sipmon
