#pragma once
// --hosts CIDR,...: keep only SIP to or from these networks (IPv4 and IPv6), so that one
// interface or capture can feed several sipmon instances, or leave out an internal leg. Applied
// by the engine to the addresses of each payload (the inner ones of a tunnel, the original ones
// of a HEP packet), so it means the same in replay, check and live; what it turns away is counted
// as the frame outcome `host_filtered`, like the port filter's `port_filtered`.
#include <string_view>
#include <vector>

#include "analysis/error.h"
#include "analysis/ip_prefix.h"

namespace sipmon {

class HostFilter {
 public:
  // A bound on the list, like every table of the engine; a filter is a few networks.
  static constexpr std::size_t kMaxNetworks = 256;

  // "192.0.2.0/24,2001:db8::/32,198.51.100.7" (commas, optional spaces).
  static Expected<HostFilter> parse(std::string_view list);

  bool keeps(const IpAddress& src, const IpAddress& dst) const {
    for (const IpPrefix& network : networks_) {
      if (network.contains(src) || network.contains(dst)) return true;
    }
    return false;
  }
  const std::vector<IpPrefix>& networks() const { return networks_; }

 private:
  std::vector<IpPrefix> networks_;
};

}  // namespace sipmon
