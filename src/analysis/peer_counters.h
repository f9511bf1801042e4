#pragma once
// Wire counts per peer (--peers): requests by method and responses by status code, in fixed
// arrays indexed by the PeerTable's peer index, so counting allocates and searches nothing.
// About 8 KB per peer, allocated once from the table's size, only when a peers file is given.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/peer_table.h"
#include "analysis/report.h"
#include "analysis/sip_method.h"

namespace sipmon {

class PeerCounters {
 public:
  explicit PeerCounters(const PeerTable& table) : requests_(table.size() + 1), codes_(table.size() + 1) {}

  // The peer of a message (PeerTable::peer_of), through a small direct-mapped cache of addresses:
  // a capture sees few distinct addresses, and a prefix scan per message would not fit the
  // per-message budget with a long peers file.
  std::size_t peer_of(const PeerTable& table, const IpAddress& src, const IpAddress& dst) {
    const std::size_t from = cached_lookup(table, src);
    return from != table.other_index() ? from : cached_lookup(table, dst);
  }

  void count_request(std::size_t peer, Method method) {
    ++requests_[peer][std::min(static_cast<std::size_t>(method), kKnownMethodCount)];
  }
  void count_response(std::size_t peer, std::uint16_t status_code) {
    if (status_code < codes_[peer].size()) ++codes_[peer][status_code];
  }

  // Every peer of the table and "other", with their non-zero counts.
  std::map<std::string, PeerCounts> report(const PeerTable& table) const;

 private:
  struct CacheEntry {
    IpAddress address;
    std::uint16_t peer = 0;
    bool valid = false;
  };
  static constexpr std::size_t kCacheSize = 1024;  // power of two

  std::size_t cached_lookup(const PeerTable& table, const IpAddress& address);
  std::array<CacheEntry, kCacheSize> cache_{};

  // One slot per peer, then "other".
  std::vector<std::array<std::uint64_t, kKnownMethodCount + 1>> requests_;
  std::vector<std::array<std::uint64_t, 1000>> codes_;
};

}  // namespace sipmon
