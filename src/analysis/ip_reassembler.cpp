#include "analysis/ip_reassembler.h"

#include <algorithm>
#include <cstring>

namespace sipmon {
namespace {

IpReassemblyResult no_datagram(FrameOutcome outcome) {
  IpReassemblyResult result;
  result.anomaly = outcome;
  return result;
}

}  // namespace

IpReassembler::IpReassembler(IpReassemblyLimits limits) : limits_(limits), table_(limits.max_datagrams) {}

std::size_t IpReassembler::datagrams_in_flight() const {
  return static_cast<std::size_t>(
      std::count_if(table_.begin(), table_.end(), [](const Datagram& d) { return d.used; }));
}

void IpReassembler::release(Datagram& d) {
  total_bytes_ -= d.data.size();
  d.used = false;
  d.handed_out = false;
  d.data.clear();  // keeps the capacity: the next datagram in this slot allocates nothing
  d.piece_count = 0;
  d.have_last = false;
  d.total_length = 0;
  d.frames_incomplete = false;
}

void IpReassembler::collect_frames(std::vector<FrameNumber>& out) const {
  for (const Datagram& d : table_) {
    if (d.used && !d.handed_out) out.insert(out.end(), d.piece_frames.begin(), d.piece_frames.begin() + d.piece_count);
  }
}

// Fragments are rare next to whole datagrams, so a linear scan of a small table is cheaper than
// keeping an index in step; it also finds expired and oldest slots in the same pass.
IpReassembler::Datagram* IpReassembler::find_or_claim(std::int64_t ts_ns, const IpPacket& ip,
                                                      DecoderEventCounts& events) {
  Datagram* free_slot = nullptr;
  Datagram* oldest = nullptr;
  for (Datagram& d : table_) {
    if (d.handed_out) continue;
    if (d.used && ts_ns - d.first_ts_ns > limits_.timeout_ns) {
      events.add(DecoderEvent::ip_fragment_timeout);
      release(d);
    }
    if (!d.used) {
      if (!free_slot) free_slot = &d;
      continue;
    }
    if (d.id == ip.fragment_id && d.protocol == ip.protocol && d.src == ip.src && d.dst == ip.dst) return &d;
    if (!oldest || d.first_ts_ns < oldest->first_ts_ns) oldest = &d;
  }
  if (!free_slot) {
    if (!oldest) return nullptr;  // a table of size zero
    events.add(DecoderEvent::ip_fragment_evicted);
    release(*oldest);
    free_slot = oldest;
  }
  Datagram& d = *free_slot;
  d.used = true;
  d.src = ip.src;
  d.dst = ip.dst;
  d.id = ip.fragment_id;
  d.protocol = ip.protocol;
  d.first_ts_ns = ts_ns;
  return &d;
}

bool IpReassembler::complete(const Datagram& d) const {
  if (!d.have_last) return false;
  // Pieces are kept sorted and non-overlapping: complete when they tile [0, total) without holes.
  std::uint32_t covered = 0;
  for (std::size_t i = 0; i < d.piece_count; ++i) {
    if (d.pieces[i].begin != covered) return false;
    covered = d.pieces[i].end;
  }
  return covered == d.total_length;
}

void IpReassembler::release_finished() {
  for (std::size_t i = 0; i < finished_count_; ++i) release(*finished_[i]);
  finished_count_ = 0;
}

IpReassemblyResult IpReassembler::add(std::int64_t ts_ns, const IpPacket& ip, DecoderEventCounts& events,
                                      FrameRefs origin) {
  // A piece cut by the snap length cannot be put back together; the datagram will time out.
  if (ip.truncated) return no_datagram(FrameOutcome::ip_fragment_truncated);
  const std::uint32_t begin = ip.fragment_offset;
  const std::uint32_t end = begin + static_cast<std::uint32_t>(ip.payload.size());
  if (end > limits_.max_datagram_bytes) return no_datagram(FrameOutcome::ip_fragment_too_large);
  // Every piece but the last must carry a multiple of 8 bytes (the offset unit).
  if (ip.more_fragments && (ip.payload.empty() || ip.payload.size() % 8 != 0)) {
    return no_datagram(FrameOutcome::ip_fragment_inconsistent);
  }

  if (finished_count_ == finished_.size()) return no_datagram(FrameOutcome::ip_fragment_memory_full);
  Datagram* slot = find_or_claim(ts_ns, ip, events);
  if (!slot) return no_datagram(FrameOutcome::ip_fragment_memory_full);
  Datagram& d = *slot;

  if (!ip.more_fragments) {
    if ((d.have_last && d.total_length != end) || end < (d.piece_count ? d.pieces[d.piece_count - 1].end : 0)) {
      release(d);  // two different ends, or data beyond the end: inconsistent
      return no_datagram(FrameOutcome::ip_fragment_inconsistent);
    }
    d.have_last = true;
    d.total_length = end;
  } else if (d.have_last && end > d.total_length) {
    release(d);
    return no_datagram(FrameOutcome::ip_fragment_inconsistent);
  }

  // Where the piece goes in the sorted list; an overlap is a duplicate only if the bytes agree.
  std::size_t at = 0;
  while (at < d.piece_count && d.pieces[at].end <= begin) ++at;
  if (at < d.piece_count && d.pieces[at].begin < end) {
    const Piece& old = d.pieces[at];
    const bool contained = old.begin <= begin && end <= old.end;
    if (contained && std::memcmp(d.data.data() + begin, ip.payload.data(), ip.payload.size()) == 0) {
      return no_datagram(FrameOutcome::ip_fragment_buffered);  // an exact duplicate: harmless
    }
    release(d);
    return no_datagram(FrameOutcome::ip_fragment_inconsistent);
  }
  if (d.piece_count == kMaxPieces) {
    release(d);
    return no_datagram(FrameOutcome::ip_fragment_too_many_pieces);
  }
  if (end > d.data.size()) {
    const std::size_t grow = end - d.data.size();
    if (total_bytes_ + grow > limits_.max_total_bytes) {
      release(d);
      return no_datagram(FrameOutcome::ip_fragment_memory_full);
    }
    total_bytes_ += grow;
    d.data.resize(end);
  }
  std::memcpy(d.data.data() + begin, ip.payload.data(), ip.payload.size());
  std::copy_backward(d.pieces.begin() + static_cast<std::ptrdiff_t>(at), d.pieces.begin() + d.piece_count,
                     d.pieces.begin() + d.piece_count + 1);
  std::copy_backward(d.piece_frames.begin() + static_cast<std::ptrdiff_t>(at), d.piece_frames.begin() + d.piece_count,
                     d.piece_frames.begin() + d.piece_count + 1);
  d.pieces[at] = Piece{begin, end};
  d.piece_frames[at] = origin.frames.empty() ? 0 : origin.frames.back();
  d.frames_incomplete |= origin.incomplete || origin.frames.size() > 1;
  ++d.piece_count;

  if (!complete(d)) {
    IpReassemblyResult kept = no_datagram(FrameOutcome::ip_fragment_buffered);
    kept.piece_kept = true;
    return kept;
  }
  d.handed_out = true;
  finished_[finished_count_++] = &d;
  IpReassemblyResult whole = no_datagram(FrameOutcome::none);
  whole.payload = Bytes(d.data.data(), d.total_length);
  whole.frames = FrameRefs{std::span<const FrameNumber>(d.piece_frames.data(), d.piece_count), d.frames_incomplete};
  return whole;
}

}  // namespace sipmon
