#pragma once
// IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 §4.5), bounded in every dimension:
// a fixed number of datagrams in flight, a byte limit per datagram and in total, a bounded number
// of pieces per datagram, and a timeout measured in packet time. Overlapping pieces that disagree
// are a classic evasion trick (RFC 5722 forbids overlaps in IPv6): the whole datagram is dropped.
#include <array>
#include <cstdint>
#include <vector>

#include "analysis/anomaly.h"
#include "analysis/bytes.h"
#include "analysis/frame_refs.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

struct IpReassemblyLimits {
  std::size_t max_datagrams = 256;           // reassemblies in flight
  std::size_t max_datagram_bytes = 65535;    // IPv4's ceiling; IPv6 jumbograms never fragment
  std::size_t max_total_bytes = 4u << 20;    // over all datagrams in flight
  std::int64_t timeout_ns = 30'000'000'000;  // RFC 8200 says 60 s; Linux uses 30 s
};

// What feeding one fragment produced.
struct IpReassemblyResult {
  FrameOutcome anomaly = FrameOutcome::ip_fragment_buffered;  // none: `payload` is the whole datagram
  Bytes payload;  // transport header onwards; valid until the next begin_frame()
  // With `payload`: the frames of its pieces, in offset order.
  FrameRefs frames;
  // Without: the fragment is kept in a datagram still waiting for pieces.
  bool piece_kept = false;
};

class IpReassembler {
 public:
  static constexpr std::size_t kMaxPieces = 64;

  explicit IpReassembler(IpReassemblyLimits limits = {});

  // Called once per captured frame: datagrams handed out while decoding the previous frame are
  // released here, not earlier, because a tunnel may nest a fragmented datagram inside another.
  // Inline: it runs for every frame, and nearly always has nothing to release.
  void begin_frame() {
    if (finished_count_ != 0) release_finished();
  }

  // `ip` must be a fragment (ip.is_fragment). Events that concern other datagrams (timeouts,
  // evictions) are added to `events`. `origin` is the frame(s) the fragment came in: one frame
  // number is kept per piece (a fragment inside a reassembled tunnel datagram keeps the last).
  IpReassemblyResult add(std::int64_t ts_ns, const IpPacket& ip, DecoderEventCounts& events, FrameRefs origin = {});

  // Appends the frames whose pieces wait in unfinished datagrams (for `sipmon extract`).
  void collect_frames(std::vector<FrameNumber>& out) const;

  std::size_t datagrams_in_flight() const;
  std::size_t bytes_in_flight() const { return total_bytes_; }

 private:
  struct Piece {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };
  struct Datagram {
    bool used = false;
    bool handed_out = false;  // complete and in use by the current frame: not to be touched
    IpAddress src;
    IpAddress dst;
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;
    std::int64_t first_ts_ns = 0;
    std::uint32_t total_length = 0;  // known once the last piece (no more-fragments) arrived
    bool have_last = false;
    std::uint8_t piece_count = 0;
    std::array<Piece, kMaxPieces> pieces{};
    std::array<FrameNumber, kMaxPieces> piece_frames{};  // parallel to `pieces`
    bool frames_incomplete = false;                      // a piece came in more frames than one number holds
    std::vector<std::uint8_t> data;                      // grows to the highest offset seen; capacity kept for reuse
  };

  Datagram* find_or_claim(std::int64_t ts_ns, const IpPacket& ip, DecoderEventCounts& events);
  void release(Datagram& d);
  void release_finished();
  bool complete(const Datagram& d) const;

  IpReassemblyLimits limits_;
  std::vector<Datagram> table_;  // sized once
  std::size_t total_bytes_ = 0;
  // Handed out during the current frame (one per tunnel level at most); released by begin_frame().
  std::array<Datagram*, 8> finished_{};
  std::size_t finished_count_ = 0;
};

}  // namespace sipmon
