#pragma once
// "HOST:PORT", "[V6]:PORT", ":PORT" or "HOST" (with a default port) resolved to one socket
// address, for the HEP listener and the HEP sender.
#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>

#include "analysis/error.h"

namespace sipmon {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // as resolved, "1.2.3.4:9060" or "[::1]:9060", for messages

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

// `option` names the command-line option in error messages. An empty host means every IPv4
// address (0.0.0.0), for listening.
Expected<SocketAddress> resolve_socket_address(std::string_view text, std::uint16_t default_port,
                                               std::string_view option);

}  // namespace sipmon
