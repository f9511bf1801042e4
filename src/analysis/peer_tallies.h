#pragma once
// RFC 6076 figures per peer (--peers, docs/metrics.md "Per peer"): a tracker keeps its tally (the
// block of counts and delay histograms it fills the report from) once for the whole input and
// once per peer of the peers table, "other" included, and counts every event in both. The
// per-peer blocks are sized once from the table (none without one): counting allocates nothing
// and the peer is an index into a vector.
//
// An attempt's peer is decided once, from its first INVITE (or REGISTER), and kept in the
// attempt's state (and in the dialog it establishes), so every later event of the attempt lands
// in the same peer's block whatever address it comes from.
#include <cstdint>
#include <vector>

namespace sipmon {

// Index into the peers table; the table's size is "other". kNoPeer: no peers table, or an event
// that belongs to no attempt: counted in the total only.
using PeerId = std::uint16_t;
inline constexpr PeerId kNoPeer = 0xffff;

template <class Tally>
class PeerTallies {
 public:
  // `peers`: the number of per-peer blocks (the table's peers and "other"), 0 for none.
  explicit PeerTallies(std::size_t peers = 0) : per_peer_(peers) {}

  // Applies `count` to the total and to `peer`'s block (out of range: the total only).
  template <class Count>
  void add(PeerId peer, Count&& count) {
    count(total_);
    if (peer < per_peer_.size()) count(per_peer_[peer]);
  }

  const Tally& total() const { return total_; }
  std::size_t peers() const { return per_peer_.size(); }
  const Tally& peer(std::size_t index) const { return per_peer_[index]; }

 private:
  Tally total_;
  std::vector<Tally> per_peer_;
};

}  // namespace sipmon
