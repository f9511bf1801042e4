#include "sources/socket_address.h"

#include <cstring>

#include <arpa/inet.h>
#include <netdb.h>

namespace sipmon {

Expected<SocketAddress> resolve_socket_address(std::string_view text, std::uint16_t default_port,
                                               std::string_view option) {
  auto bad = [&](std::string why) {
    return make_error(ErrorKind::usage, std::string(option) + " " + std::string(text) + ": " + why);
  };
  std::string host;
  std::string port = std::to_string(default_port);
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("no closing ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("expected ':' after ']'");
      port = rest.substr(1);
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return bad("write IPv6 addresses in brackets, [::1]:9060");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  } else {
    host = text;
  }
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) == 0 || std::stoul(port) > 65535) {
    return bad("not a port: '" + port + "'");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_NUMERICSERV | (host.empty() ? AI_PASSIVE : 0);
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.empty() ? "0.0.0.0" : host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return bad(gai_strerror(rc));
  }
  SocketAddress address;
  std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
  address.length = found->ai_addrlen;
  freeaddrinfo(found);
  char name[INET6_ADDRSTRLEN] = {};
  if (address.family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr, name, sizeof name);
    address.text = "[" + std::string(name) + "]:" + port;
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr, name, sizeof name);
    address.text = std::string(name) + ":" + port;
  }
  return address;
}

}  // namespace sipmon
