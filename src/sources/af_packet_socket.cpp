#include "sources/af_packet_socket.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sources/capture_privileges.h"

namespace sipmon {
namespace {

using OpenError = AfPacketSocket::OpenError;

std::string describe(const std::string& what, const std::string& interface) {
  return what + " on " + interface + ": " + std::strerror(errno);
}

}  // namespace

tl::expected<AfPacketSocket, OpenError> AfPacketSocket::open(const std::string& interface, int program_fd,
                                                             bool promiscuous) {
  if (interface.empty() || interface.size() >= IFNAMSIZ)
    return capture_open_failed(ErrorKind::usage, "bad interface name '" + interface + "'");
  const unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) return capture_open_failed(ErrorKind::usage, "no such interface: " + interface);

  // Protocol 0: the socket receives nothing until bind() below names ETH_P_ALL.
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return capture_open_failed(ErrorKind::input, describe("cannot open a packet socket", interface),
                               is_permission_errno(errno));
  AfPacketSocket owner(fd, ifindex);

  // The filter reads Ethernet headers: refuse devices that have none (tun, ppp, ...).
  ifreq request{};
  std::memcpy(request.ifr_name, interface.c_str(), interface.size() + 1);
  if (::ioctl(fd, SIOCGIFHWADDR, &request) != 0)
    return capture_open_failed(ErrorKind::input, describe("cannot read the link type", interface));
  const int hardware = request.ifr_hwaddr.sa_family;
  if (hardware != ARPHRD_ETHER && hardware != ARPHRD_LOOPBACK) {
    return capture_open_failed(ErrorKind::usage, interface + " is not an Ethernet or loopback device (ARPHRD " +
                                                     std::to_string(hardware) + "); use --source pcap");
  }

  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &program_fd, sizeof(program_fd)) != 0) {
    return capture_open_failed(ErrorKind::input, describe("cannot attach the BPF filter", interface),
                               is_permission_errno(errno));
  }
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return capture_open_failed(ErrorKind::input, describe("cannot bind the packet socket", interface),
                               is_permission_errno(errno));
  }
  if (promiscuous && !owner.join_promiscuous(ifindex)) {
    return capture_open_failed(ErrorKind::input, describe("cannot put the interface in promiscuous mode", interface),
                               is_permission_errno(errno));
  }
  return owner;
}

// A membership rather than IFF_PROMISC on the device: counted by the kernel per socket, undone when
// the socket closes (even if sipmon is killed), and it needs no capability beyond the socket.
bool AfPacketSocket::join_promiscuous(std::uint32_t ifindex) {
  packet_mreq request{};
  request.mr_ifindex = static_cast<int>(ifindex);
  request.mr_type = PACKET_MR_PROMISC;
  if (::setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &request, sizeof(request)) != 0) return false;
  promiscuous_ = true;
  return true;
}

bool AfPacketSocket::rebind(std::uint32_t ifindex) {
  if (fd_ < 0) return false;
  // The unregistration left ENETDOWN pending on the socket; read it so it is not reported later.
  int pending = 0;
  socklen_t length = sizeof(pending);
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &pending, &length);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return false;
  ifindex_ = ifindex;
  // The membership went with the old device: a re-created one is made promiscuous again.
  if (promiscuous_ && !join_promiscuous(ifindex)) return false;
  return true;
}

AfPacketSocket::AfPacketSocket(AfPacketSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ifindex_(other.ifindex_), promiscuous_(other.promiscuous_) {}

AfPacketSocket& AfPacketSocket::operator=(AfPacketSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    ifindex_ = other.ifindex_;
    promiscuous_ = other.promiscuous_;
  }
  return *this;
}

AfPacketSocket::~AfPacketSocket() { close(); }

void AfPacketSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::uint32_t loopback_ifindex() {
  struct if_nameindex* names = ::if_nameindex();
  if (names == nullptr) return 0;
  std::uint32_t found = 0;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (struct if_nameindex* entry = names; fd >= 0 && entry->if_index != 0 && found == 0; ++entry) {
    ifreq request{};
    std::strncpy(request.ifr_name, entry->if_name, IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_LOOPBACK) != 0) found = entry->if_index;
  }
  if (fd >= 0) ::close(fd);
  if_freenameindex(names);
  return found;
}

}  // namespace sipmon
