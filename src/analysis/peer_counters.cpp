#include "analysis/peer_counters.h"

namespace sipmon {

std::size_t PeerCounters::cached_lookup(const PeerTable& table, const IpAddress& address) {
  // FNV-1a over the address bytes; collisions only cost a lookup.
  std::uint32_t hash = 2166136261u ^ address.family;
  for (const std::uint8_t byte : address.bytes) hash = (hash ^ byte) * 16777619u;
  CacheEntry& entry = cache_[hash & (kCacheSize - 1)];
  if (!entry.valid || !(entry.address == address)) {
    entry.address = address;
    entry.peer = static_cast<std::uint16_t>(table.lookup(address));
    entry.valid = true;
  }
  return entry.peer;
}

std::map<std::string, PeerCounts> PeerCounters::report(const PeerTable& table) const {
  std::map<std::string, PeerCounts> result;
  for (std::size_t peer = 0; peer <= table.size(); ++peer) {
    PeerCounts& counts = result[std::string(table.name(peer))];
    counts.requests = requests_[peer];
    for (std::size_t code = 0; code < codes_[peer].size(); ++code) {
      const std::uint64_t n = codes_[peer][code];
      if (n != 0) counts.responses.push_back({static_cast<std::uint16_t>(code), n});
    }
  }
  return result;
}

}  // namespace sipmon
