#include "analysis/host_filter.h"

#include <algorithm>
#include <string>

namespace sipmon {

Expected<HostFilter> HostFilter::parse(std::string_view list) {
  HostFilter filter;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return make_error(ErrorKind::usage, "--hosts: empty network in '" + std::string(list) + "'");
    auto network = parse_ip_prefix(item);
    if (!network) return make_error(ErrorKind::usage, "--hosts: " + network.error().message);
    if (filter.networks_.size() == kMaxNetworks) {
      return make_error(ErrorKind::usage, "--hosts: more than " + std::to_string(kMaxNetworks) + " networks");
    }
    filter.networks_.push_back(*network);
    start = comma + 1;
  }
  return filter;
}

}  // namespace sipmon
