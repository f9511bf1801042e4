#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/pcap_live_source.h"

namespace sipmon {

// The media endpoints the engine announced, kept for their count only (the filter keeps all UDP).
// A hash set with linear probing: a call's SDP costs a probe, not a walk of every endpoint held
// (a vector searched with std::find took 45 % of the capture thread's time at 14 000 messages/s,
// 2 000 calls/s with SDP: docs/performance.md, "Live ceiling"). It doubles when half full (rare,
// like the vector's growth); no other insertion allocates.
class PcapEndpointSet {
 public:
  std::size_t size() const { return size_; }
  bool contains(const PcapMediaEndpoint& endpoint) const { return !slots_.empty() && slots_[find_slot(endpoint)].used; }
  void insert(const PcapMediaEndpoint& endpoint) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t i = find_slot(endpoint);
    if (slots_[i].used) return;
    slots_[i] = Slot{endpoint, true};
    ++size_;
  }
  void erase(const PcapMediaEndpoint& endpoint) {
    if (slots_.empty()) return;
    std::size_t hole = find_slot(endpoint);
    if (!slots_[hole].used) return;
    slots_[hole].used = false;
    --size_;
    // Backward-shift deletion: entries after the hole that probed past it move into it, so that
    // every entry stays reachable from its home slot without tombstones.
    for (std::size_t j = (hole + 1) & mask(); slots_[j].used; j = (j + 1) & mask()) {
      const std::size_t home = hash(slots_[j].endpoint) & mask();
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      slots_[j].used = false;
      hole = j;
    }
  }

 private:
  struct Slot {
    PcapMediaEndpoint endpoint;
    bool used = false;
  };
  std::size_t mask() const { return slots_.size() - 1; }
  static std::size_t hash(const PcapMediaEndpoint& endpoint) {
    std::uint64_t h = 1469598103934665603ull;
    const auto mix = [&h](std::uint8_t byte) {
      h ^= byte;
      h *= 1099511628211ull;
    };
    for (const std::uint8_t byte : endpoint.address.bytes) mix(byte);
    mix(endpoint.address.family);
    mix(static_cast<std::uint8_t>(endpoint.port >> 8));
    mix(static_cast<std::uint8_t>(endpoint.port));
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  std::size_t find_slot(const PcapMediaEndpoint& endpoint) const {
    std::size_t i = hash(endpoint) & mask();
    while (slots_[i].used && !(slots_[i].endpoint == endpoint)) i = (i + 1) & mask();
    return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.used) insert(slot.endpoint);
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace sipmon
