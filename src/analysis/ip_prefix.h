#pragma once
// An IPv4 or IPv6 network prefix ("192.0.2.0/24", "2001:db8::/32", a bare address is a /32 or
// /128), shared by the --peers file (peer_table.h) and --hosts (host_filter.h), so both read
// addresses the same way.
#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/error.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

struct IpPrefix {
  std::array<std::uint8_t, 16> bytes{};  // masked to `length` bits
  std::uint8_t family = 4;               // 4 or 6
  std::uint8_t length = 0;

  bool contains(const IpAddress& address) const;
};

// Host bits are ignored (192.0.2.7/24 is 192.0.2.0/24), as most routers read it. The error
// message quotes the text and says what is wrong; the caller prefixes where it came from.
Expected<IpPrefix> parse_ip_prefix(std::string_view text);

}  // namespace sipmon
