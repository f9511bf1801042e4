#pragma once
// Names for the networks an operator cares about (trunks, carriers, SBCs), read from a --peers
// file, so that traffic can be counted per peer. Bounded: at most kMaxPeers names and
// kMaxPrefixes prefixes (a longer file is refused with an error naming the line); every address
// outside them belongs to "other".
//
// File format, one peer per line:   NAME CIDR [CIDR...]    e.g.  carrier_a 192.0.2.0/24 2001:db8::/32
// '#' starts a comment. NAME: 1-32 of [A-Za-z0-9_.-], not "other". A bare address is a /32 (/128).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/error.h"
#include "analysis/ip_decoder.h"
#include "analysis/ip_prefix.h"

namespace sipmon {

class PeerTable {
 public:
  // An SBC with tens of carriers and their trunks; every per-peer table (peer_counters.h, the
  // trackers' per-peer figures, Prometheus' peer label) is sized from the file, never from this.
  static constexpr std::size_t kMaxPeers = 256;
  static constexpr std::size_t kMaxPrefixes = 4096;
  static constexpr std::string_view kOtherName = "other";

  // origin names the file in error messages ("peers.txt:3: ...").
  static Expected<PeerTable> parse(std::string_view text, std::string_view origin);
  static Expected<PeerTable> load(const std::string& path);

  // Index of the peer owning the address (longest prefix), or other_index().
  std::size_t lookup(const IpAddress& address) const;
  // A message belongs to its source's peer if the source is known, else to its destination's:
  // on an SBC's capture, a trunk's requests and the responses sent back to it both go to the trunk.
  std::size_t peer_of(const IpAddress& src, const IpAddress& dst) const {
    const std::size_t from = lookup(src);
    return from != other_index() ? from : lookup(dst);
  }

  std::size_t size() const { return names_.size(); }
  std::size_t other_index() const { return names_.size(); }
  std::string_view name(std::size_t index) const { return index < names_.size() ? names_[index] : kOtherName; }

 private:
  struct Prefix {
    IpPrefix network;
    std::uint16_t peer = 0;
  };

  std::vector<Prefix> prefixes_;  // longest first, so the first match is the longest
  std::vector<std::string> names_;
};

}  // namespace sipmon
